"""SCORM packages (``branchbook export scorm``): the manifest validates against the IMS/ADL schemas the
package carries, the zip holds exactly what the manifest lists and refers to nothing outside itself,
and in headless Chromium a recording LMS in a parent frame sees the calls an LMS needs.

The course is a copy of tests/fixtures/mini with a second knowledge-check question and a third
scenario made by ``branchbook new scenario`` added last to its module; it is built once. Packages
with other settings (mastery, versions, reporting choices) are made from the same built site.
"""

from __future__ import annotations

import functools
import http.server
import io
import json
import re
import shutil
import stat
import subprocess
import sys
import threading
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest
import yaml
from click.testing import CliRunner

from branchbook.cli import main
from branchbook.load import load_course
from branchbook.write import scorm

FIXTURE = Path(__file__).parent / "fixtures" / "mini"
NEW_SCENARIO = "late-addition"


def _add_to_module(course: Path, module: str, **fields) -> None:
    path = course / "modules" / f"{module}.md"
    _, front, reading = path.read_text(encoding="utf-8").split("---\n", 2)
    data = yaml.safe_load(front)
    for name, value in fields.items():
        data[name] = value(data.get(name)) if callable(value) else value
    path.write_text("---\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True) + "---\n" + reading,
                    encoding="utf-8")


SECOND_QUESTION = {"id": "who-decides", "question": "Who decides whether the person brings a support person?",
                   "options": [{"text": "The person.", "correct": True, "explanation": "Yes: it is their choice."},
                               {"text": "The chair.", "explanation": "No: the person chooses."}]}


@pytest.fixture(scope="module")
def course_dir(tmp_path_factory) -> Path:
    course = tmp_path_factory.mktemp("scorm") / "mini"
    shutil.copytree(FIXTURE, course, ignore=shutil.ignore_patterns("_build"))
    made = subprocess.run([sys.executable, "-m", "branchbook", "new", "scenario", NEW_SCENARIO, str(course),
                           "--module", "basics"], capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    _add_to_module(course, "basics", scenarios=lambda s: [*s, NEW_SCENARIO], checks=lambda c: [*c, SECOND_QUESTION],
                   mastery=50)
    return course


@pytest.fixture(scope="module")
def built(course_dir):
    """(course model, live site folder) after one real build."""
    from branchbook.build import build

    loaded = load_course(course_dir)
    assert not loaded.report.errors, [p.format() for p in loaded.report.errors]
    return loaded.course, build(loaded.course, handouts=False).site


def with_settings(course, mastery="keep", report_choices=None):
    modules = course.modules
    if mastery != "keep":
        modules = tuple(m.model_copy(update={"mastery": mastery}) for m in modules)
    settings = course.settings
    if report_choices is not None:
        settings = settings.model_copy(update={"lms": settings.lms.model_copy(update={"report_choices": report_choices})})
    return course.model_copy(update={"modules": modules, "settings": settings})


# ---------------------------------------------------------------- the package


def _schema_problems(folder: Path) -> list[str]:
    """Validate imsmanifest.xml with the schema files found beside it, as its schemaLocation says."""
    import xmlschema

    document = folder / "imsmanifest.xml"
    if (folder / "ims_xml.xsd").is_file():
        # SCORM 1.2's copy of the XML-namespace schema binds the default namespace to the XML namespace,
        # which a strict parser refuses; it declares xml:lang/xml:base, as does xmlschema's own copy.
        shutil.copy(Path(xmlschema.__file__).parent / "schemas" / "XML" / "xml.xsd", folder / "ims_xml.xsd")
    hints = re.search(r'schemaLocation="([^"]+)"', document.read_text(encoding="utf-8")).group(1).split()
    pairs = list(zip(hints[::2], hints[1::2]))
    assert all((folder / name).is_file() for _, name in pairs), pairs
    schema = xmlschema.XMLSchema(str(folder / pairs[0][1]), locations=[(ns, str(folder / name)) for ns, name in pairs[1:]])
    return [str(error.reason) for error in schema.iter_errors(str(document))]


def _unzip(data: bytes, target: Path) -> Path:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(target)
    return target


@pytest.mark.parametrize("version", ["1.2", "2004"])
def test_the_manifest_validates_against_the_scorm_schemas(built, tmp_path, version):
    course, site = built
    folder = _unzip(scorm.package(course, site, version), tmp_path / "pkg")
    assert _schema_problems(folder) == []
    # The validation reads the ADL extension too: a wrong SCO type is caught.
    manifest = folder / "imsmanifest.xml"
    attribute = "scormtype" if version == "1.2" else "scormType"
    manifest.write_text(manifest.read_text().replace(f'{attribute}="sco"', f'{attribute}="lesson"'))
    assert _schema_problems(folder)


def test_a_mastery_score_is_declared_in_each_manifest(built):
    course, site = built
    with zipfile.ZipFile(io.BytesIO(scorm.package(course, site, "1.2"))) as archive:
        assert "<adlcp:masteryscore>50</adlcp:masteryscore>" in archive.read("imsmanifest.xml").decode()
    with zipfile.ZipFile(io.BytesIO(scorm.package(course, site, "2004"))) as archive:
        text = archive.read("imsmanifest.xml").decode()
    assert 'satisfiedByMeasure="true"' in text and "<imsss:minNormalizedMeasure>0.50<" in text
    with zipfile.ZipFile(io.BytesIO(scorm.package(with_settings(course, mastery=None), site, "1.2"))) as archive:
        assert "masteryscore" not in archive.read("imsmanifest.xml").decode()


class _References(HTMLParser):
    """Every URL a page loads (``fetches``) or links to (``links``)."""

    LOADS = {"script": "src", "img": "src", "iframe": "src", "source": "src", "audio": "src", "video": "src",
             "embed": "src", "object": "data", "link": "href"}

    def __init__(self):
        super().__init__()
        self.fetches: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.LOADS and attrs.get(self.LOADS[tag]):
            self.fetches.append(attrs[self.LOADS[tag]])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "meta" and (attrs.get("http-equiv") or "").lower() == "refresh":
            self.links.append(attrs["content"].split("url=", 1)[1].strip())


def test_the_zip_holds_every_listed_file_and_nothing_refers_outside_it(built):
    course, site = built
    data = scorm.package(course, site, "1.2")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        names = {i.filename for i in infos}
        texts = {n: archive.read(n).decode("utf-8") for n in names if n.endswith((".html", ".css", ".js", ".xml"))}
    for info in infos:  # regular files only, at relative paths inside the package
        assert not stat.S_ISLNK(info.external_attr >> 16), info.filename
        assert not info.filename.startswith("/") and ".." not in info.filename.split("/"), info.filename
    listed = {unquote(h) for h in re.findall(r'<file href="([^"]+)"', texts["imsmanifest.xml"])}
    launches = {unquote(h) for h in re.findall(r'<resource [^>]*href="([^"]+)"', texts["imsmanifest.xml"])}
    assert launches == {"scorm/basics.html"}
    assert listed <= names and launches <= listed
    assert {n for n in names if not n.endswith((".xsd", ".dtd")) and n != "imsmanifest.xml"} == listed
    assert "scorm/bb-scorm.js" in names

    def inside(page: str, ref: str) -> str | None:
        target = urlparse(urljoin("http://package.invalid/" + page, ref))
        return unquote(target.path.lstrip("/")) if target.netloc == "package.invalid" else None

    problems = []
    for name, text in texts.items():
        if name.endswith(".html") and ("<html" in text or "<meta" in text):  # not the theme's Jinja macro files
            refs = _References()
            refs.feed(text)
            for ref in refs.fetches:
                if not ref.startswith("data:") and inside(name, ref) not in names:
                    problems.append(f"{name} loads {ref}")
            for ref in refs.links:
                path = inside(name, ref)
                if path is not None and path not in names and path.rstrip("/") + "/index.html" not in names \
                        and not ref.startswith("#"):
                    problems.append(f"{name} links to missing {ref}")
        elif name.endswith(".css"):
            for ref in re.findall(r"url\(\s*['\"]?([^'\")]+)", text):
                if not ref.startswith(("data:", "#")) and inside(name, ref) not in names:
                    problems.append(f"{name} loads {ref}")
    assert problems == []
    html_pages = [n for n in names if n.endswith(".html") and "<head" in texts[n] and not n.startswith("scorm/")]
    assert html_pages and all("scorm/bb-scorm.js" in texts[n] for n in html_pages)


def test_the_launch_page_keeps_the_site_policy_and_holds_its_settings_as_data(built):
    course, site = built
    with zipfile.ZipFile(io.BytesIO(scorm.package(course, site, "2004"))) as archive:
        page = archive.read("scorm/basics.html").decode()
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert all('src="' in attrs or 'type="application/json"' in attrs for attrs, _ in scripts)
    config = json.loads(re.search(r'id="bb-scorm-config">(.*?)</script>', page, re.S).group(1))
    assert config["version"] == "2004" and config["unit"] == "basics" and config["mastery"] == 50
    assert config["scenarios"] == ["noticeboard", "the-favour", NEW_SCENARIO]
    assert config["questions"] == ["basics/purpose", f"basics/{SECOND_QUESTION['id']}"]
    assert config["reportChoices"] is False


def test_the_online_site_has_no_scorm_script(built):
    _, site = built
    assert not list(site.rglob("bb-scorm.js"))
    assert not [p for p in site.rglob("*.html") if "bb-scorm" in p.read_text(encoding="utf-8")]


def test_the_same_course_gives_the_same_zip(built):
    course, site = built
    assert scorm.package(course, site, "1.2") == scorm.package(course, site, "1.2")
    with zipfile.ZipFile(io.BytesIO(scorm.package(course, site, "1.2"))) as archive:
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_single_makes_the_whole_course_one_sco(built):
    course, site = built
    [unit] = scorm.units(course, single=True)
    assert unit.scenarios == tuple(s.id for s in course.scenarios)
    assert unit.start == "intro.html"
    with zipfile.ZipFile(io.BytesIO(scorm.package(course, site, "1.2", single=True))) as archive:
        assert re.findall(r'adlcp:scormtype="sco"', archive.read("imsmanifest.xml").decode()) == ['adlcp:scormtype="sco"']


def test_the_first_page_says_when_choices_go_to_the_lms(built):
    from branchbook.messages import message
    from branchbook.write import book_pages
    from branchbook.write.markdown import literal

    course, _ = built
    notice = literal(message("page.lms_choices"))
    assert notice not in book_pages.before_you_begin_page(course).decode()
    assert notice in book_pages.before_you_begin_page(with_settings(course, report_choices=True)).decode()


def test_the_command_refuses_an_unknown_module_and_a_broken_course(course_dir, tmp_path):
    out = tmp_path / "course.zip"
    result = CliRunner().invoke(main, ["export", "scorm", "--course", str(course_dir), "--module", "nope", "-o", str(out)])
    assert result.exit_code == 2 and "no module nope" in result.output and "basics" in result.output
    broken = tmp_path / "broken"
    shutil.copytree(course_dir, broken, ignore=shutil.ignore_patterns("_build"))
    _add_to_module(broken, "basics", mastery=140)
    result = CliRunner().invoke(main, ["export", "scorm", "--course", str(broken), "-o", str(out)])
    assert result.exit_code == 1 and "basics.md" in result.output and "mastery" in result.output
    assert not out.exists()
