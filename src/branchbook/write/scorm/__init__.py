"""SCORM packages: the built site, a launch page per unit, and ``imsmanifest.xml``, as one zip.

An LMS records completion and a score per SCO, and a module is what a workshop assigns, so each
module is a unit (one SCO) by default; ``single`` makes the whole course one. Every unit shares
one copy of the site (an *asset* resource). A SCORM 1.2 session ends when its SCO's page unloads,
so a SCO cannot be the book's own pages, which the reader moves between: its launch file is a
small page of the package's own (``scorm/<unit>.html``) that talks to the LMS once and shows the
pages in a frame; ``bb-scorm.js`` relays the player's and the knowledge checks' events to it.

Reads only the model and the built site; the zip is byte-identical for the same input.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from jinja2 import Environment, select_autoescape

from ... import layout
from ...model import Course
from ...sphinxext.nodes import script_json
from ...sphinxext.page import policy
from .manifest import manifest

VERSIONS = ("1.2", "2004")
FOLDER = "scorm"
SCRIPT = f"{FOLDER}/bb-scorm.js"
SUSPEND_LIMIT = {"1.2": 4096, "2004": 64000}
"""Characters of ``suspend_data`` each version guarantees (SPM of CMIString4096 / 64000)."""

_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_HEAD_END = re.compile(r"</head>", re.IGNORECASE)


@dataclass(frozen=True)
class Unit:
    """What one SCO covers: its pages start at ``start``; it is complete when each of ``scenarios``
    reached an ending; its score is the share of ``questions`` (``module/question``) right at the first try."""

    id: str
    title: str
    start: str
    scenarios: tuple[str, ...]
    questions: tuple[str, ...]
    mastery: int | None


def units(course: Course, module_ids: list[str] | None = None, single: bool = False) -> list[Unit]:
    """One unit per module (all, or ``module_ids``), or with ``single`` one for the whole course,
    which passes at the strictest mastery any module declares."""
    chosen = [course.module(m) for m in module_ids] if module_ids else list(course.modules)
    if single:
        declared = [m.mastery for m in chosen if m.mastery is not None and m.checks]
        return [Unit(course.settings.id, course.settings.title, f"{layout.BOOK_ROOT_PAGE}.html",
                     tuple(s for m in chosen for s in m.scenarios),
                     tuple(f"{m.id}/{q.id}" for m in chosen for q in m.checks),
                     max(declared) if declared else None)]
    return [Unit(m.id, m.title, f"{layout.module_page(m.id)}.html", tuple(m.scenarios),
                 tuple(f"{m.id}/{q.id}" for q in m.checks), m.mastery if m.checks else None) for m in chosen]


def _asset(name: str) -> bytes:
    return resources.files(__package__).joinpath(name).read_bytes()


def launch_page(course: Course, unit: Unit, version: str) -> bytes:
    """``scorm/<unit>.html``: the SCO's launch file. Its settings are JSON data, never script."""
    config = {"format": 1, "version": version, "course": course.settings.id, "unit": unit.id,
              "start": f"../{unit.start}", "scenarios": list(unit.scenarios), "questions": list(unit.questions),
              "mastery": unit.mastery, "reportChoices": course.settings.lms.report_choices,
              "suspendLimit": SUSPEND_LIMIT[version]}
    env = Environment(autoescape=select_autoescape(default=True), keep_trailing_newline=True)
    env.filters["script_json"] = script_json
    html = env.from_string(_asset("launch.html").decode("utf-8")).render(
        title=unit.title, language=course.settings.language, config=config, start=config["start"])
    return html.replace("{policy}", policy(html)).encode("utf-8")


def _with_relay(html: bytes, depth: int) -> bytes:
    """A course page that also loads the relay (after the player, so its host is added in time)."""
    text = html.decode("utf-8")
    end = _HEAD_END.search(text)
    if not end:
        return html
    tag = f'<script defer src="{"../" * depth}{SCRIPT}"></script>\n'
    return (text[:end.start()] + tag + text[end.start():]).encode("utf-8")


_LANGUAGE_SWITCH = re.compile(rb'<nav class="bb-languages"[^>]*>.*?</nav>\n?', re.S)


def site_files(site: Path) -> dict[str, bytes]:
    """Every regular file of the built site (links followed, hidden build files left out)."""
    files = {}
    for path in sorted(site.resolve().rglob("*")):
        rel = path.relative_to(site.resolve())
        if path.is_file() and not any(part.startswith(".") for part in rel.parts):
            data = path.read_bytes()
            if path.suffix == ".html":  # one language per package: the switch would link outside it
                data = _with_relay(_LANGUAGE_SWITCH.sub(b"", data), len(rel.parts) - 1)
            files[rel.as_posix()] = data
    return files


def package(course: Course, site: Path, version: str = "1.2", module_ids: list[str] | None = None,
            single: bool = False) -> bytes:
    """The zip an LMS imports: ``imsmanifest.xml`` and its schemas at the root, the site, the launch pages."""
    if version not in VERSIONS:
        raise ValueError(f"SCORM version {version!r}: use one of {', '.join(VERSIONS)}")
    chosen = units(course, module_ids, single)
    content = site_files(site)
    content[SCRIPT] = _asset("bb-scorm.js")
    for unit in chosen:
        content[f"{FOLDER}/{unit.id}.html"] = launch_page(course, unit, version)
    schemas = resources.files("branchbook").joinpath("data", "scorm", version)
    files = {entry.name: entry.read_bytes() for entry in schemas.iterdir() if entry.is_file()}
    files["imsmanifest.xml"] = manifest(course, chosen, version, sorted(content),
                                        {u.id: f"{FOLDER}/{u.id}.html" for u in chosen})
    files.update(content)
    return _zip(files)


def _zip(files: dict[str, bytes]) -> bytes:
    """Sorted entries with fixed times and modes: the same files give the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, _FIXED_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name])
    return buffer.getvalue()

