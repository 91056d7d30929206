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
import tempfile
import threading
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest
import yaml
from browser_support import browser, context, guard, make_context, page  # noqa: F401 - pytest fixtures
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
                           "--module", "basics"], capture_output=True, text=True, check=False)
    assert made.returncode == 0, made.stderr
    # (later versions of `new scenario` list it in the module themselves)
    _add_to_module(course, "basics", scenarios=lambda s: s if NEW_SCENARIO in s else [*s, NEW_SCENARIO],
                   checks=lambda c: [*c, SECOND_QUESTION],
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


SCHEMAS = Path(scorm.__file__).parents[2] / "data" / "scorm"


_texts = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30)
_ids = st.from_regex(r"[a-z][a-z0-9-]{0,10}[a-z0-9]", fullmatch=True)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(version=st.sampled_from(scorm.VERSIONS),
       modules=st.lists(st.tuples(_ids, _texts, st.none() | st.integers(0, 100)), min_size=1, max_size=5,
                        unique_by=lambda m: m[0]),
       title=_texts, files=st.lists(st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12)
                                    .map(lambda s: s.replace("/", "_") + ".html"), max_size=5))
def test_any_course_gives_a_valid_manifest(built, version, modules, title, files):
    """Titles with markup characters, any mastery, file names with spaces and accents: still valid."""
    course, _ = built
    template = course.modules[0]
    variant = course.model_copy(update={
        "settings": course.settings.model_copy(update={"title": title}),
        "modules": tuple(template.model_copy(update={"id": mid, "title": mtitle, "mastery": mastery})
                         for mid, mtitle, mastery in modules)})
    units = scorm.units(variant)
    folder = Path(tempfile.mkdtemp())
    shutil.copytree(SCHEMAS / version, folder, dirs_exist_ok=True)
    (folder / "imsmanifest.xml").write_bytes(scorm.manifest(
        variant, units, version, sorted({*files, *(f"scorm/{u.id}.html" for u in units)}),
        {u.id: f"scorm/{u.id}.html" for u in units}))
    assert _schema_problems(folder) == []
    listed = {unquote(h) for h in re.findall(r'<file href="([^"]+)"', (folder / "imsmanifest.xml").read_text())}
    assert listed == {*files, *(f"scorm/{u.id}.html" for u in units)}


def test_a_mastery_score_is_declared_in_each_manifest(built):
    course, site = built
    with zipfile.ZipFile(io.BytesIO(scorm.package(course, site, "1.2"))) as archive:
        assert "<adlcp:masteryscore>50</adlcp:masteryscore>" in archive.read("imsmanifest.xml").decode()
    with zipfile.ZipFile(io.BytesIO(scorm.package(course, site, "2004"))) as archive:
        text = archive.read("imsmanifest.xml").decode()
    assert 'satisfiedByMeasure="true"' in text and "<imsss:minNormalizedMeasure>0.50<" in text
    with zipfile.ZipFile(io.BytesIO(scorm.package(with_settings(course, mastery=None), site, "1.2"))) as archive:
        assert "masteryscore" not in archive.read("imsmanifest.xml").decode()


_LOADS = {"script": "src", "img": "src", "iframe": "src", "source": "src", "audio": "src", "video": "src",
          "embed": "src", "object": "data", "link": "href"}
"""The attribute by which each element makes the browser fetch something."""


class _References(HTMLParser):
    """Every URL a page loads (``fetches``) or links to (``links``)."""

    def __init__(self):
        super().__init__()
        self.fetches: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in _LOADS and attrs.get(_LOADS[tag]):
            self.fetches.append(attrs[_LOADS[tag]])
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
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.DOTALL)
    assert all('src="' in attrs or 'type="application/json"' in attrs for attrs, _ in scripts)
    config = json.loads(re.search(r'id="bb-scorm-config">(.*?)</script>', page, re.DOTALL).group(1))
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



def test_export_builds_the_site_and_leaves_an_unchanged_zip_alone(built, course_dir, tmp_path):
    out = tmp_path / "course.zip"
    command = ["export", "scorm", "--course", str(course_dir), "--no-handouts", "--version", "2004", "-o", str(out)]
    first = CliRunner().invoke(main, command)
    assert first.exit_code == 0, first.output
    assert "Wrote" in first.output and "SCORM 2004, 1 SCO(s): basics" in first.output
    data, written = out.read_bytes(), out.stat().st_mtime_ns
    second = CliRunner().invoke(main, command)
    assert second.exit_code == 0 and "Unchanged" in second.output
    assert out.read_bytes() == data and out.stat().st_mtime_ns == written
    with zipfile.ZipFile(out) as archive:
        assert "imsmanifest.xml" in archive.namelist() and "scorm/basics.html" in archive.namelist()


# ---------------------------------------------------------------- in the browser, under a recording LMS


HARNESS = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Recording LMS</title>
<script>
// A stand-in LMS: records every call; 'store' holds what it returns; with 'fail' it refuses everything.
const cfg = JSON.parse(decodeURIComponent(location.hash.slice(1)));
const store = Object.assign({}, cfg.store || {});
window.calls = [];
function method(name, impl) {
  return function () {
    const args = Array.from(arguments);
    const result = cfg.fail && name !== "GetLastError" ? "false" : impl.apply(null, args);
    calls.push([name].concat(args, [result]));
    return result;
  };
}
const api = {
  Initialize: method("Initialize", () => "true"),
  GetValue: method("GetValue", (key) => key in store ? store[key] : ""),
  SetValue: method("SetValue", (key, value) => { store[key] = value; return "true"; }),
  Commit: method("Commit", () => "true"),
  Terminate: method("Terminate", () => "true"),
  GetLastError: method("GetLastError", () => cfg.fail ? "101" : "0"),
  GetErrorString: () => "", GetDiagnostic: () => "",
};
if (cfg.version === "1.2") {
  window.API = {};
  for (const [ours, theirs] of [["Initialize", "LMSInitialize"], ["GetValue", "LMSGetValue"], ["SetValue", "LMSSetValue"],
       ["Commit", "LMSCommit"], ["Terminate", "LMSFinish"], ["GetLastError", "LMSGetLastError"],
       ["GetErrorString", "LMSGetErrorString"], ["GetDiagnostic", "LMSGetDiagnostic"]]) window.API[theirs] = api[ours];
} else if (cfg.version === "2004") {
  window.API_1484_11 = api;
}
</script></head>
<body><iframe id="lms" style="width:100%;height:900px" title="course"></iframe>
<script>document.getElementById("lms").src = cfg.launch;</script></body></html>
"""


@pytest.fixture(scope="module")
def served(built, tmp_path_factory):
    """An HTTP server on 127.0.0.1 (file:// frames are cross-origin in Chromium) over a folder with the
    harness page; ``add(name, data)`` unzips a package into it and returns its URL. Yields (base URL, add, folder)."""
    root = tmp_path_factory.mktemp("lms")
    (root / "harness.html").write_text(HARNESS, encoding="utf-8")
    handler = functools.partial(_Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"

    def add(name: str, data: bytes) -> str:
        if not (root / name).exists():
            _unzip(data, root / name)
        return f"{base}/{name}"

    try:
        yield base, add, root
    finally:
        server.shutdown()
        server.server_close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # http.server's signature
        pass


class Lms:
    """Opens a unit's launch page under the harness, and reads what the LMS was told."""

    def __init__(self, page, served, package: str, version: str, store=None, fail=False):
        base = served[0]
        self.page, self.base, self.package = page, base, package
        config = {"version": version, "launch": f"{base}/{package}/scorm/basics.html", "store": store or {},
                  "fail": fail}
        page.goto(f"{base}/harness.html#" + json.dumps(config))
        self.course_page("modules/basics.html").wait_for_load_state()

    def course_page(self, path: str):
        url = f"{self.base}/{self.package}/{path}"
        self.page.wait_for_function("url => Array.from(window.frames).some(f => { try { return f.frames[0] && "
                                    "f.frames[0].location.href.startsWith(url); } catch (e) { return false; } })",
                                    arg=url)
        return next(f for f in self.page.frames if f.url.startswith(url))

    def open(self, path: str):
        """Follow a link in the course frame, as the learner would."""
        frame = next(f for f in self.page.frames if f.parent_frame and f.parent_frame.parent_frame)
        frame.goto(f"{self.base}/{self.package}/{path}")
        return self.course_page(path)

    def calls(self) -> list[list]:
        return self.page.evaluate("calls")

    def values(self, key: str) -> list[str]:
        return [c[2] for c in self.calls() if c[0] == "SetValue" and c[1] == key]

    def leave(self):
        """The learner closes the unit: the LMS removes the launch page's frame."""
        self.page.evaluate("document.getElementById('lms').remove()")


def play_to_ending(frame, choices: int | None = None):
    """Take the first offered choice until an ending (or until ``choices`` were taken and their feedback read)."""
    stage = frame.locator(".bb-player.bb-js .bb-stage")
    stage.wait_for()
    taken = 0
    for _ in range(60):
        go_on = stage.get_by_role("button", name="Continue", exact=True)
        if go_on.count():  # feedback on the choice just taken
            go_on.click()
            continue
        if stage.locator(".bb-ending").count() or taken == choices:
            return stage
        stage.locator(".bb-choice").first.click()
        taken += 1
    raise AssertionError("no ending within 60 steps")


def answer(frame, question: str, right: bool):
    fieldset = frame.locator(f"#check-{question}")
    option = fieldset.locator(".bb-option").filter(has=frame.locator(f'[data-bb-correct="{"true" if right else "false"}"]'))
    option.first.locator("label").click()
    fieldset.get_by_role("button", name="Check answer").click()


def commits_after_each_new_ending(calls, commit: str, suspend_key: str = "cmi.suspend_data") -> list[int]:
    """For each suspend_data that records one more finished scenario, was it committed before the next change?"""
    done, committed = 0, []
    for i, call in enumerate(calls):
        if call[:2] == ["SetValue", suspend_key] and len(json.loads(call[2])["d"]) > done:
            done = len(json.loads(call[2])["d"])
            committed.append(any(c[0] == commit for c in calls[i + 1:]))
    return committed


SCENARIOS = ("noticeboard", "the-favour", NEW_SCENARIO)


@pytest.mark.browser
def test_scorm12_reports_completion_score_and_passed_then_finishes(page, served, built):
    course, site = built
    _, add, _ = served
    add("pkg12", scorm.package(course, site, "1.2"))
    lms = Lms(page, served, "pkg12", "1.2")
    assert lms.calls()[0][0] == "Initialize"
    assert lms.values("cmi.core.lesson_status") == ["incomplete"]

    module = lms.course_page("modules/basics.html")
    answer(module, "purpose", right=True)
    answer(module, SECOND_QUESTION["id"], right=False)
    answer(module, SECOND_QUESTION["id"], right=True)  # a second try does not change the score
    assert lms.values("cmi.core.score.raw") == ["50"]
    assert lms.values("cmi.core.score.min") == ["0"] and lms.values("cmi.core.score.max") == ["100"]
    assert lms.calls()[-1][0] == "Commit"  # committed after the score
    assert lms.values("cmi.core.lesson_status") == ["incomplete"]  # not before every scenario has ended

    for scenario in SCENARIOS:
        play_to_ending(lms.open(f"scenarios/{scenario}.html"))
    page.wait_for_function("calls.some(c => c[1] === 'cmi.core.lesson_status' && c[2] === 'passed')")
    calls = lms.calls()
    assert lms.values("cmi.core.lesson_status") == ["incomplete", "passed"]
    assert commits_after_each_new_ending(calls, "Commit") == [True, True, True]
    suspend = json.loads(lms.values("cmi.suspend_data")[-1])
    assert suspend == {"v": 1, "d": list(SCENARIOS), "q": {"basics/purpose": 1, f"basics/{SECOND_QUESTION['id']}": 0}}
    # Privacy by default: nothing about the choices themselves.
    assert not [c for c in calls if c[0] == "SetValue" and c[1].startswith("cmi.interactions")]

    lms.leave()
    calls = lms.calls()
    assert calls[-1][0] == "Terminate"
    assert re.fullmatch(r"\d\d:\d\d:\d\d", lms.values("cmi.core.session_time")[-1])
    assert lms.values("cmi.core.exit") == ["suspend"]
    assert [c[0] for c in calls].count("Initialize") == 1 and [c[0] for c in calls].count("Terminate") == 1


@pytest.mark.browser
def test_scorm2004_reports_completion_and_failed_below_mastery(page, served, built):
    course, site = built
    _, add, _ = served
    add("pkg2004", scorm.package(with_settings(course, mastery=80), site, "2004"))
    lms = Lms(page, served, "pkg2004", "2004")
    assert lms.values("cmi.completion_status") == ["incomplete"]
    for scenario in SCENARIOS:
        play_to_ending(lms.open(f"scenarios/{scenario}.html"))
    page.wait_for_function("calls.some(c => c[1] === 'cmi.completion_status' && c[2] === 'completed')")
    assert lms.values("cmi.success_status") == []  # no score before every question is answered
    module = lms.open("modules/basics.html")
    answer(module, "purpose", right=False)
    answer(module, SECOND_QUESTION["id"], right=True)
    assert lms.values("cmi.score.raw") == ["50"] and lms.values("cmi.score.scaled") == ["0.5"]
    assert lms.values("cmi.score.min") == ["0"] and lms.values("cmi.score.max") == ["100"]
    assert lms.values("cmi.success_status") == ["failed"]
    assert lms.values("cmi.completion_status") == ["incomplete", "completed"]
    lms.leave()
    assert lms.calls()[-1][0] == "Terminate"
    assert lms.values("cmi.exit") == ["suspend"]
    assert re.fullmatch(r"PT\d+S", lms.values("cmi.session_time")[-1])


@pytest.mark.browser
def test_resume_from_suspend_data_when_the_course_reports_choices(browser, served, built, make_context):
    course, site = built
    _, add, _ = served
    add("pkgchoices", scorm.package(with_settings(course, mastery=None, report_choices=True), site, "1.2"))

    first = make_context().new_page()
    lms = Lms(first, served, "pkgchoices", "1.2")
    for scenario in SCENARIOS[1:]:
        play_to_ending(lms.open(f"scenarios/{scenario}.html"))
    stage = play_to_ending(lms.open("scenarios/noticeboard.html"), choices=1)
    where = stage.locator(".bb-stage-heading").inner_text()
    interactions = [c for c in lms.calls() if c[0] == "SetValue" and c[1].startswith("cmi.interactions.")]
    assert {c[1].split(".", 3)[3] for c in interactions} == {"id", "type", "student_response", "result"}
    ids = [c for c in interactions if c[1].endswith(".id")]
    assert [c[1] for c in ids] == [f"cmi.interactions.{n}.id" for n in range(len(ids))]
    assert {c[2].split(".")[0] for c in ids} == set(SCENARIOS)  # "<scenario>.<scene>": a choice in each
    assert [c[2] for c in interactions if c[1].endswith(".type")] == ["performance"] * len(ids)
    assert {c[2] for c in interactions if c[1].endswith(".result")} == {"neutral"}
    lms.leave()
    saved = lms.values("cmi.suspend_data")[-1]
    assert lms.values("cmi.core.exit")[-1] == "suspend" and lms.values("cmi.core.lesson_status") == ["incomplete"]
    first.context.close()

    # A new session on another device (an empty browser): the LMS hands back what it stored.
    second = make_context().new_page()
    lms = Lms(second, served, "pkgchoices", "1.2",
              store={"cmi.suspend_data": saved, "cmi.core.lesson_status": "incomplete", "cmi.core.entry": "resume"})
    stage = lms.open("scenarios/noticeboard.html").locator(".bb-player.bb-js .bb-stage")
    stage.wait_for()
    assert stage.locator(".bb-stage-heading").inner_text() == where
    assert lms.values("cmi.core.lesson_status") == []  # still incomplete, nothing to say
    play_to_ending(lms.course_page("scenarios/noticeboard.html"))
    second.wait_for_function("calls.some(c => c[1] === 'cmi.core.lesson_status' && c[2] === 'completed')")
    assert json.loads(lms.values("cmi.suspend_data")[-1])["d"] == [*SCENARIOS[1:], "noticeboard"]


@pytest.mark.browser
def test_a_completed_unit_stays_completed_and_default_packages_send_no_place(page, served, built):
    course, site = built
    _, add, _ = served
    add("pkgdefault", scorm.package(with_settings(course, mastery=None), site, "1.2"))
    stored = json.dumps({"v": 1, "d": list(SCENARIOS), "q": {},
                         "p": [["noticeboard", "not sent by a default package"]]})
    lms = Lms(page, served, "pkgdefault", "1.2", store={"cmi.suspend_data": stored, "cmi.core.lesson_status": "completed"})
    assert lms.values("cmi.core.lesson_status") == []
    assert json.loads(lms.values("cmi.suspend_data")[-1]) == {"v": 1, "d": list(SCENARIOS), "q": {}}
    frame = lms.open("scenarios/noticeboard.html")
    assert frame.evaluate("localStorage.getItem('branchbook:mini-course:noticeboard')") is None


@pytest.mark.browser
def test_an_lms_that_refuses_every_call_still_plays_and_logs_once(page, served, built):
    course, site = built
    _, add, _ = served
    add("pkg12", scorm.package(course, site, "1.2"))
    warnings = []
    page.on("console", lambda msg: warnings.append(msg.text) if msg.type == "warning" else None)
    lms = Lms(page, served, "pkg12", "1.2", fail=True)
    stage = play_to_ending(lms.open("scenarios/the-favour.html"))
    assert stage.locator(".bb-ending").is_visible()
    answer(lms.open("modules/basics.html"), "purpose", right=True)
    lms.leave()
    logged = [w for w in warnings if "LMS" in w]
    assert len(logged) == 1 and "101" in logged[0] and "LMSInitialize" in logged[0]


@pytest.mark.browser
def test_without_an_lms_the_package_plays_as_the_online_book(page, served, built):
    course, site = built
    base, add, _ = served
    add("pkg12", scorm.package(course, site, "1.2"))
    page.goto(f"{base}/pkg12/scorm/basics.html")
    frame = page.frame_locator("#bb-scorm-frame")
    with page.expect_event("framenavigated", lambda f: f.url.endswith("/scenarios/noticeboard.html")) as navigated:
        frame.get_by_role("link", name=course.scenario("noticeboard").title).first.click()
    inner = navigated.value
    play_to_ending(inner, choices=1)
    assert inner.evaluate("localStorage.getItem('branchbook:mini-course:noticeboard')")
    page.goto(f"{base}/pkg12/scenarios/the-favour.html")  # a page opened on its own, too
    assert play_to_ending(page).locator(".bb-ending").is_visible()


@pytest.mark.browser
def test_when_saved_places_do_not_fit_the_oldest_scenario_loses_its_place(served, built, make_context):
    course, site = built
    _, add, root = served
    add("pkgchoices", scorm.package(with_settings(course, mastery=None, report_choices=True), site, "1.2"))

    def play(package: str) -> dict:
        page = make_context().new_page()
        lms = Lms(page, served, package, "1.2")
        for scenario in SCENARIOS:  # one decision in each, in this order
            play_to_ending(lms.open(f"scenarios/{scenario}.html"), choices=1)
        lms.leave()
        return json.loads(lms.values("cmi.suspend_data")[-1])

    roomy = play("pkgchoices")
    assert [entry[0] for entry in roomy["p"]] == list(SCENARIOS)
    # The same package with one character less room than the three places need.
    shutil.copytree(root / "pkgchoices", root / "pkgsmall")
    launch = root / "pkgsmall" / "scorm" / "basics.html"
    limit = len(json.dumps(roomy, separators=(",", ":"), ensure_ascii=False)) - 1
    launch.write_text(launch.read_text().replace('"suspendLimit":4096', f'"suspendLimit":{limit}'))
    tight = play("pkgsmall")
    assert [entry[0] for entry in tight["p"]] == list(SCENARIOS[1:])
    assert len(json.dumps(tight, separators=(",", ":"), ensure_ascii=False)) <= limit


@pytest.mark.browser
def test_the_launch_page_passes_axe(served, built, make_context):
    from shipped_site import AXE, AXE_TAGS

    course, site = built
    base, add, _ = served
    add("pkg12", scorm.package(course, site, "1.2"))
    page = make_context(bypass_csp=True).new_page()  # to inject axe-core; the page's own policy is tested above
    page.goto(f"{base}/pkg12/scorm/basics.html")
    page.wait_for_selector("#bb-scorm-frame[src]")
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("""async tags => (await axe.run(document, {runOnly: {type: 'tag', values: tags},
        resultTypes: ['violations'], iframes: false})).violations.map(v => v.id)""", AXE_TAGS)
    assert violations == []
    assert page.locator("html").get_attribute("lang") == course.settings.language
    assert page.get_by_title(course.module("basics").title).count() == 1  # the frame is named for screen readers


@pytest.mark.browser
def test_scorm2004_interactions_when_the_course_reports_choices(page, served, built):
    course, site = built
    _, add, _ = served
    add("pkgchoices2004", scorm.package(with_settings(course, report_choices=True), site, "2004"))
    lms = Lms(page, served, "pkgchoices2004", "2004")
    play_to_ending(lms.open("scenarios/noticeboard.html"), choices=1)
    page.wait_for_function("calls.some(c => c[1] === 'cmi.suspend_data' && c[2].includes('noticeboard'))")
    first = {c[1].rsplit(".", 1)[1]: c[2] for c in lms.calls() if c[0] == "SetValue"
             and c[1].startswith("cmi.interactions.0.")}
    start = course.scenario("noticeboard").start
    assert first["id"] == f"urn:branchbook:{course.settings.id}:noticeboard:{start}"
    assert first["type"] == "choice" and first["result"] == "neutral"
    assert re.fullmatch(r"[A-Za-z0-9_.-]+", first["learner_response"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", first["timestamp"])
    saved = json.loads(lms.values("cmi.suspend_data")[-1])
    assert [entry[0] for entry in saved["p"]] == ["noticeboard"]
