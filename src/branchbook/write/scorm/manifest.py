"""``imsmanifest.xml`` for SCORM 1.2 or 2004 (4th edition), built as XML from the units.

One organization with an item per unit; each unit's SCO resource is its launch page and depends on
one *asset* resource that lists every file of the site. Built with ``xml.etree`` in a fixed order,
so the same course gives the same bytes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING
from urllib.parse import quote

from ...model import Course

if TYPE_CHECKING:
    from . import Unit

XSI = "http://www.w3.org/2001/XMLSchema-instance"
NAMESPACES = {
    "1.2": {
        "": "http://www.imsproject.org/xsd/imscp_rootv1p1p2",
        "adlcp": "http://www.adlnet.org/xsd/adlcp_rootv1p2",
    },
    "2004": {
        "": "http://www.imsglobal.org/xsd/imscp_v1p1",
        "adlcp": "http://www.adlnet.org/xsd/adlcp_v1p3",
        "adlseq": "http://www.adlnet.org/xsd/adlseq_v1p3",
        "adlnav": "http://www.adlnet.org/xsd/adlnav_v1p3",
        "imsss": "http://www.imsglobal.org/xsd/imsss",
    },
}
SCHEMA_FILES = {
    "1.2": {"": "imscp_rootv1p1p2.xsd", "adlcp": "adlcp_rootv1p2.xsd"},
    "2004": {"": "imscp_v1p1.xsd", "adlcp": "adlcp_v1p3.xsd", "adlseq": "adlseq_v1p3.xsd",
             "adlnav": "adlnav_v1p3.xsd", "imsss": "imsss_v1p0.xsd"},
}
SITE_RESOURCE = "site"


def _href(path: str) -> str:
    return quote(path, safe="/-._~")


def manifest(course: Course, units: list[Unit], version: str, files: list[str], launch: dict[str, str]) -> bytes:
    ns = NAMESPACES[version]

    def tag(name: str, prefix: str = "") -> str:
        return f"{{{ns[prefix]}}}{name}"

    def sub(parent: ET.Element, name: str, prefix: str = "", text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, tag(name, prefix), attrs)
        element.text = text
        return element

    root = ET.Element(tag("manifest"), {
        "identifier": f"branchbook-{course.settings.id}", "version": "1",
        f"{{{XSI}}}schemaLocation": " ".join(f"{ns[p]} {SCHEMA_FILES[version][p]}" for p in ns)})
    metadata = sub(root, "metadata")
    sub(metadata, "schema", text="ADL SCORM")
    sub(metadata, "schemaversion", text="1.2" if version == "1.2" else "2004 4th Edition")

    organizations = sub(root, "organizations", default="organization")
    organization = sub(organizations, "organization", identifier="organization")
    sub(organization, "title", text=course.settings.title)
    for unit in units:
        item = sub(organization, "item", identifier=f"item-{unit.id}", identifierref=f"sco-{unit.id}",
                   isvisible="true")
        sub(item, "title", text=unit.title)
        if unit.mastery is not None and version == "1.2":
            sub(item, "masteryscore", "adlcp", text=str(unit.mastery))
        elif unit.mastery is not None:
            # The LMS then judges passed/failed from the score too, and gives the SCO cmi.scaled_passing_score.
            objectives = sub(sub(item, "sequencing", "imsss"), "objectives", "imsss")
            primary = sub(objectives, "primaryObjective", "imsss", objectiveID=f"{unit.id}-mastery",
                          satisfiedByMeasure="true")
            sub(primary, "minNormalizedMeasure", "imsss", text=f"{unit.mastery / 100:.2f}")
    if version == "2004":  # let the learner move on with the LMS's Continue button as well as the menu
        sub(sub(organization, "sequencing", "imsss"), "controlMode", "imsss", choice="true", flow="true")

    resources = sub(root, "resources")
    scorm_type = "scormtype" if version == "1.2" else "scormType"
    for unit in units:
        resource = sub(resources, "resource", identifier=f"sco-{unit.id}", type="webcontent",
                       href=_href(launch[unit.id]), **{tag(scorm_type, "adlcp"): "sco"})
        sub(resource, "file", href=_href(launch[unit.id]))
        sub(resource, "dependency", identifierref=SITE_RESOURCE)
    site = sub(resources, "resource", identifier=SITE_RESOURCE, type="webcontent", **{tag(scorm_type, "adlcp"): "asset"})
    launched = set(launch.values())
    for name in files:
        if name not in launched:
            sub(site, "file", href=_href(name))

    for prefix, uri in ns.items():
        ET.register_namespace(prefix, uri)
    ET.register_namespace("xsi", XSI)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
