"""Hostile content: a course whose every text field is an attack (tests/fixtures/hostile) checks with
warnings only, builds (site and Typst handouts), and nowhere turns the text into something live.

- the built HTML holds no markup the author wrote: no script but the site's own, no event-handler
  attribute, no javascript:/data: address, no element a Markdown renderer would not make;
- nothing ran at build time: no Jinja ({{ … }}), no MyST directive, no Typst code, no file read;
- in headless Chromium, every scene played by clicking (alone, and in room mode with the debrief
  and the downloaded record), every page, the knowledge check and the site search trigger no
  dialog, leave ``window.__pwned`` undefined, log no error or CSP violation, and request nothing
  from any host but 127.0.0.1;
- the handouts print the payloads as text and never read /etc/passwd;
- module readings, which MyST does interpret, refuse every construct that would be live.

The browser fixtures come from tests/browser_support.py (guarded pages); the walker over the player
data and the inert-fragment check from tests/course_support.py.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import threading
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from branchbook import layout
from branchbook.build import build
from branchbook.cli import main
from branchbook.load import load_course
from branchbook.model.texts import module_texts, scenario_texts
from browser_support import _QuietHandler, browser, context, guard, page  # noqa: F401 - fixtures
from course_support import apply_effects, html_fields, offered, play, safe_fragment_problems

FIXTURE = Path(__file__).parent / "fixtures" / "hostile"
PAYLOAD = "window.__pwned=1"
# What the payloads would leave behind had anything run: files touched by Jinja or a code cell,
# strings only an evaluated template would produce, and the first field of /etc/passwd.
SENTINEL_FILES = ("jinja-ran", "code-cell-ran")
EVALUATED = ("pwned-by-jinja", "pwned-by-template", "pwned-by-typst")
PASSWD = re.compile(r"root:[x*!]?:0:0")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The hostile course, checked and built once (site and handouts)."""
    root = tmp_path_factory.mktemp("hostile") / "course"
    shutil.copytree(FIXTURE, root)
    loaded = load_course(root)
    assert loaded.report.errors == [], loaded.report.errors
    result = build(loaded.course, handouts=True)
    return SimpleNamespace(root=root, course=loaded.course, report=loaded.report, site=result.site,
                           book=root / "book")


# ---------------------------------------------------------------- the fixture and the checker


def _course_texts(course):
    s = course.settings
    yield "title", s.title
    yield "subtitle", s.subtitle
    yield "author", s.author
    for p in s.principles:
        yield f"principle {p.id}", p.name
        yield f"principle {p.id}", p.group
        yield f"principle {p.id}", p.description
    for f in s.failures:
        yield f"failure {f.id}", f.title
    for r in s.support:
        yield "support", r.name
        yield "support", r.description
        yield "support", r.contact
    for g in s.glossary:
        yield "glossary", g.term
        yield "glossary", g.definition


def test_every_text_field_of_the_fixture_is_hostile(hostile):
    course = hostile.course
    fields = [(f"course.yml {where}", t) for where, t in _course_texts(course)]
    for scenario in course.scenarios:
        fields += [(f"{scenario.id} {path}", t) for path, t in scenario_texts(scenario)]
        fields += [(f"{scenario.id} provenance.note", scenario.provenance.note)]
        fields += [(f"{scenario.id} variables.{n}", v.description) for n, v in scenario.variables.items()]
    for module in course.modules:
        fields += [(f"{module.id} {path}", t) for path, t in module_texts(module) if path != ("reading",)]
    assert len(fields) >= 80
    assert [where for where, t in fields if not t or PAYLOAD not in t] == []
    assert all(role.private for s in course.scenarios for role in s.roles)
    assert all(node.facilitator for s in course.scenarios for node in s.nodes.values() if not node.ending)


def test_the_hostile_course_passes_the_checker_with_warnings_only(hostile):
    warnings = [p.message for p in hostile.report.warnings]
    assert hostile.report.errors == []
    for what in ("raw HTML '<script>'", "a link to a 'javascript:' address", "a link to a 'data:' address",
                 "the MyST directive '{include}'", "the MyST directive '{raw}'", "the MyST role '{eval}'"):
        assert any(m.startswith(what) and m.endswith("will be shown as text, not run") for m in warnings), what


# ---------------------------------------------------------------- (a) the built HTML


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attrs: set[str] = set()
        self.on: list[str] = []
        self.urls: list[tuple[str, str, str]] = []
        self.scripts: list[tuple[dict, str]] = []
        self.text: list[str] = []
        self._script: dict | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for name, value in attrs:
            self.attrs.add(name)
            if name.lower().startswith("on"):
                self.on.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcdoc",
                        "background", "content"):
                self.urls.append((tag, name, value or ""))
        if tag == "script":
            self._script = dict(attrs)
            self.scripts.append((self._script, ""))

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None

    def handle_data(self, data):
        if self._script is not None:
            attrs, body = self.scripts[-1]
            self.scripts[-1] = (attrs, body + data)
        else:
            self.text.append(data)


def _pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "_static" not in p.relative_to(site).parts)


def _parse(path: Path) -> _Page:
    parser = _Page()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


def _own_script(body: str) -> str:
    """An inline script of the theme, with the one thing that varies per page taken out."""
    return re.sub(r"DOCUMENTATION_OPTIONS\.pagename = '[^']*';", "PAGENAME", " ".join(body.split()))


MARKDOWN_TAGS = {"p", "em", "strong", "a", "code", "pre", "ul", "ol", "li", "blockquote", "br", "hr", "h4", "h5",
                 "h6"}


def test_no_payload_is_live_markup_in_the_built_html(hostile, built_mini):
    baseline = [_parse(p) for p in _pages(built_mini)]
    own_inline = {_own_script(body) for page in baseline for attrs, body in page.scripts if "src" not in attrs
                  and attrs.get("type") != "application/json"}
    known_tags = set().union(*(page.tags for page in baseline)) | MARKDOWN_TAGS
    known_attrs = set().union(*(page.attrs for page in baseline))
    pages = _pages(hostile.site)
    assert len(pages) >= 10
    problems = []
    for path in pages:
        where = path.relative_to(hostile.site).as_posix()
        page = _parse(path)
        problems += [f"{where}: event handler {h}" for h in page.on]
        problems += [f"{where}: tag <{t}> the fixture course never has" for t in sorted(page.tags - known_tags)]
        problems += [f"{where}: attribute {a} the fixture course never has" for a in sorted(page.attrs - known_attrs)]
        for tag, name, value in page.urls:
            if name != "content" and re.match(r"\s*(?:javascript|data|vbscript|file):", value, re.I):
                problems.append(f"{where}: <{tag} {name}={value[:60]!r}>")
            if name == "content" and re.search(r"url\s*=\s*['\"]?\s*(?:[a-z][\w+.-]*:|//)", value, re.I):
                problems.append(f"{where}: <meta content={value[:60]!r}> redirects off the site")
            if tag != "a" and re.match(r"\s*(?:[a-z][\w+.-]*:)?//", value, re.I):
                problems.append(f"{where}: <{tag} {name}={value[:60]!r}> loads from another host")
        for attrs, body in page.scripts:
            if "src" in attrs:
                target = urllib.parse.urlparse(attrs["src"])
                if target.scheme or target.netloc or not (path.parent / target.path).resolve().is_file():
                    problems.append(f"{where}: script src {attrs['src']!r}")
            elif attrs.get("type") == "application/json":
                if "<" in body:
                    problems.append(f"{where}: a '<' inside JSON data")
                json.loads(body)
            elif _own_script(body) not in own_inline:
                problems.append(f"{where}: inline script {body[:80]!r}")
    assert problems == []
    # The payloads are there, as text: shown, not dropped.
    scenario = _parse(hostile.site / "scenarios" / "hostile.html")
    shown = "".join(scenario.text)
    for literal in ("<script>window.__pwned=1</script>", '<img src=x onerror="window.__pwned=1">',
                    "[link](javascript:window.__pwned=1)", '#read("/etc/passwd")', "```{include} /etc/passwd",
                    "{{ cycler.__init__.__globals__.os.system('touch jinja-ran') }}"):
        assert literal in shown, literal
    for name in ("intro.html", "glossary.html", "principles.html", "modules/hostile.html"):
        assert "<script>window.__pwned=1</script>" in "".join(_parse(hostile.site / name).text), name


def test_player_and_check_data_hold_only_inert_html(hostile):
    documents = [json.loads((hostile.book / layout.player_json(s.id)).read_text()) for s in hostile.course.scenarios]
    documents += [json.loads((hostile.book / layout.checks_json(m.id)).read_text()) for m in hostile.course.modules]
    fragments = [f for d in documents for f in html_fields(d)]
    assert len(fragments) >= 30
    assert {f: safe_fragment_problems(f) for f in fragments if safe_fragment_problems(f)} == {}
    assert any("&lt;script&gt;window.__pwned=1&lt;/script&gt;" in f for f in fragments)
    assert not [f for f in fragments if "<script" in f.lower() or "<img" in f.lower() or "<svg" in f.lower()]


def test_nothing_ran_and_no_file_was_read_at_build_time(hostile):
    assert [p for name in SENTINEL_FILES for p in hostile.root.rglob(name)] == []
    assert not list(Path.cwd().glob("*-ran"))
    outputs = [p for p in hostile.book.rglob("*") if p.is_file() and p.suffix in (".html", ".js", ".json", ".ipynb",
                                                                                  ".md", ".yml", ".txt")]
    for path in outputs:
        content = path.read_text(encoding="utf-8", errors="replace")
        assert not [e for e in EVALUATED if e in content], path
        assert not PASSWD.search(content), path
    # Course text written into the author's own files stays text there too.
    config = (hostile.book / "_config.yml").read_text()
    assert "window.__pwned" in config and "\nsphinx:" in config and config.count("\ntitle:") == 1
    assert "\\{\\{" in (hostile.book / "intro.md").read_text()


# ---------------------------------------------------------------- (c) the handouts


def _pdf_text(path: Path) -> str:
    return " ".join(" ".join(sheet.extract_text() for sheet in PdfReader(path).pages).split())


def _pdf_actions(path: Path) -> list[str]:
    found = []
    for sheet in PdfReader(path).pages:
        for annot in sheet.get("/Annots") or []:
            action = annot.get_object().get("/A")
            if action is not None:
                action = action.get_object()
                found.append(f"{action.get('/S')} {action.get('/URI', '')}")
    return found


def test_handouts_print_the_payloads_literally_and_never_read_files(hostile):
    pdfs = sorted((hostile.book / "handouts").rglob("*.pdf"))
    assert {p.name for p in pdfs} >= {"hostile-packet.pdf", "hostile-role-cards.pdf", "guide.pdf", "hostile.pdf",
                                      "certificate.pdf"}
    passwd = Path("/etc/passwd").read_text().splitlines()[0] if Path("/etc/passwd").is_file() else "root:x:0:0"
    for path in pdfs:
        text = _pdf_text(path)
        assert not PASSWD.search(text) and passwd not in text, path
        assert not [e for e in EVALUATED if e in text], path
        assert [a for a in _pdf_actions(path) if "JavaScript" in a or "javascript:" in a or "data:" in a] == [], path
    for name in ("scenarios/hostile-packet.pdf", "scenarios/hostile-role-cards.pdf", "facilitator/guide.pdf",
                 "facilitator/modules/hostile.pdf"):
        text = _pdf_text(hostile.book / "handouts" / name)
        for literal in ('#panic("x")', '#read("/etc/passwd")', "<script>window.__pwned=1</script>",
                        "{{ 'pw' ~ 'ned-by-jinja' }}", '" onmouseover="window.__pwned=1" x="'):
            assert literal in text, (name, literal)
    packet = _pdf_text(hostile.book / "handouts" / "scenarios" / "hostile-packet.pdf")
    assert '#include "/etc/passwd" #("pw" + "ned-by-typst") ]; #panic("y") // \\' in packet
    assert "```{include} /etc/passwd" not in packet and ".. include:: /etc/passwd" in packet  # fence content kept


# ---------------------------------------------------------------- readings refuse what MyST would run

READING_ATTACKS = {
    "raw script": "<script>window.__pwned=1</script>",
    "unclosed tag": "Text.\n\n<details\nopen ontoggle=\"window.__pwned=1\"\n\nMore text with no angle brackets.",
    "'<' inside an attribute": 'Text.\n\n<img alt="<" src=x onerror="window.__pwned=1">',
    "javascript link": "[x](javascript:window.__pwned=1)",
    "data link": "[x](data:text/html,hi)",
    "include": "```{include} /etc/passwd\n```",
    "raw directive": "```{raw} html\n<b>x</b>\n```",
    "eval-rst": "```{eval-rst}\n.. include:: /etc/passwd\n```",
    "code-cell": "```{code-cell} python\nimport os\n```",
    "csv-table reads a file": "```{csv-table} Users\n:file: ../../../../../../../../etc/passwd\n:delim: :\n```",
    "directive in a quote": "> ```{csv-table}\n> :url: https://tracker.invalid/x.csv\n> ```",
    "directive in a list": "- item\n\n  ```{literalinclude} /etc/passwd\n  ```",
    "math loads a CDN": "```{math}\ne = mc^2\n```",
    "card image": ":::{card} Card\n:img-top: https://tracker.invalid/card.png\nBody\n:::",
    "image": "![pixel](https://tracker.invalid/pixel.png)",
    "reference image": "![pixel][p]\n\n[p]: https://tracker.invalid/pixel.png",
    "jinja substitution": "{{ cycler.__init__.__globals__.os.system('touch jinja-ran') }}",
    "eval role": "{eval}`1+1`",
    "download role": "{download}`/etc/passwd`",
    "html in an admonition": ":::{note}\n<iframe src=\"https://tracker.invalid/\"></iframe>\n:::",
}


@pytest.fixture
def hostile_course(tmp_path) -> Path:
    root = tmp_path / "course"
    shutil.copytree(FIXTURE, root)
    return root


def _with_reading(root: Path, reading: str) -> None:
    module = root / "modules" / "hostile.md"
    text = module.read_text()
    module.write_text(text[:text.index("\n---\n", 4) + 5] + "\n" + reading + "\n")


@pytest.mark.parametrize("attack", list(READING_ATTACKS))
def test_a_reading_refuses_what_myst_would_make_live(hostile_course, attack):
    _with_reading(hostile_course, READING_ATTACKS[attack])
    loaded = load_course(hostile_course)
    refused = [p for p in loaded.report.errors if p.file == "modules/hostile.md" and "not allowed in a reading"
               in p.message]
    assert refused and loaded.course is None, [str(p) for p in loaded.report.problems if p.file.startswith("modules")]


def test_a_refused_reading_builds_nothing_and_runs_nothing(hostile_course):
    _with_reading(hostile_course, READING_ATTACKS["jinja substitution"] + "\n\n" + READING_ATTACKS["csv-table reads a file"])
    result = CliRunner().invoke(main, ["build", str(hostile_course)])
    assert result.exit_code == 1
    assert "a MyST substitution '{{ … }}' is not allowed in a reading" in result.output
    assert "the MyST directive '{csv-table}' is not allowed in a reading" in result.output
    built = hostile_course / "book" / "_build"  # may hold only the check's cache (.cache/check)
    assert not (built.exists() and {p.name for p in built.iterdir()} - {".cache"})
    assert not list(hostile_course.rglob("jinja-ran"))


def test_what_the_hostile_reading_shows_passes_the_checker():
    """The fixture's reading uses code spans, fenced code, an admonition, entities, a citation and a
    link out: all accepted (its payloads are shown as text; see the built-HTML test)."""
    loaded = load_course(FIXTURE)
    assert [p for p in loaded.report.problems if p.file.startswith("modules/")] == []


# ---------------------------------------------------------------- (b) in the browser

AUDIT = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      if (/^on/i.test(a.name)) bad.push(el.tagName + ' ' + a.name);
      if (/^(href|src|action|formaction|xlink:href|data|srcdoc|poster)$/i.test(a.name)
          && /^\\s*(javascript|data|vbscript):/i.test(a.value)) bad.push(el.tagName + ' ' + a.name + '=' + a.value);
    }
    // allowed: the knowledge check and search forms, and the decision map (a same-site SVG shown
    // through <img>, where SVG never runs script); nothing else that loads or embeds
    const decisionMap = el.tagName === 'IMG' && el.matches('img.bb-decision-map')
        && /^[^:]*\\.svg$/.test(el.getAttribute('src') || '');
    if (/^(IFRAME|FRAME|OBJECT|EMBED|BASE|IMG|VIDEO|AUDIO|FORM)$/.test(el.tagName) && !decisionMap
        && !(el.tagName === 'FORM' && (el.matches('.bb-check') || el.matches('.bd-search')))) bad.push(el.tagName);
  }
  const scripts = Array.from(document.scripts).map(s => s.src || s.type || 'inline');
  return {bad, pwned: typeof window.__pwned, scripts: scripts.length, violations: window.__violations || []};
}"""
WATCH = """
window.__violations = [];
document.addEventListener('securitypolicyviolation',
  e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
"""


@pytest.fixture(scope="module")
def hostile_site(hostile):
    handler = functools.partial(_QuietHandler, directory=str(hostile.site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield SimpleNamespace(base=f"http://127.0.0.1:{server.server_address[1]}", root=hostile.site,
                              data=json.loads((hostile.book / layout.player_json("hostile")).read_text()))
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def watched(page):
    """A guarded page that also records dialogs and CSP violations."""
    dialogs: list[str] = []

    def on_dialog(dialog):
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.add_init_script(WATCH)
    page.dialogs = dialogs
    return page


def _audit(page, scripts: int | None = None) -> int:
    found = page.evaluate(AUDIT)
    assert found["bad"] == [] and found["pwned"] == "undefined" and found["violations"] == [], found
    assert page.dialogs == []
    assert scripts is None or found["scripts"] == scripts, "a script element was added"
    return found["scripts"]


def _open_player(page, site):
    page.goto(f"{site.base}/scenarios/hostile.html")
    page.wait_for_selector(".bb-player.bb-js .bb-stage")
    return page.locator(".bb-stage")


def _click_path(page, stage, data, path, room=False):
    """Click the choices of ``path`` (choice indices) from the start, as a reader would."""
    node_id = data["start"]
    values = {n: v["initial"] for n, v in data["variables"].items()}
    for index in path:
        node = data["nodes"][node_id]
        position = offered(node, values).index(index)
        if room:
            stage.locator(".bb-room-option").nth(position).locator(".bb-vote-add").click()
            stage.locator(".bb-decide").click()
        else:
            stage.locator(".bb-choice").nth(position).click()
        if stage.locator(".bb-continue").count():
            assert stage.locator(".bb-feedback-text").inner_text().startswith("<script>window.__pwned=1</script>")
            stage.locator(".bb-continue").click()
        values = apply_effects(data, values, node["choices"][index].get("effects"))
        node_id = node["choices"][index]["goto"]
    stage.locator(f'.bb-stage-scene[data-bb-node="{node_id}"]').wait_for()
    return node_id


@pytest.mark.browser
def test_playing_every_scene_by_clicking_runs_nothing(watched, hostile_site):
    page, data = watched, hostile_site.data
    walked = play(data)
    assert set(walked.paths) == set(data["nodes"])
    stage = _open_player(page, hostile_site)
    scripts = _audit(page)
    for target, path in sorted(walked.paths.items(), key=lambda item: len(item[1])):
        stage.locator(".bb-restart").click()
        assert _click_path(page, stage, data, path) == target
        text = stage.locator(".bb-text").first.inner_text()
        assert text.startswith("<script>window.__pwned=1</script>") and '#read("/etc/passwd")' in text
        if data["nodes"][target]["ending"]:
            questions = stage.locator(".bb-debrief .bb-questions li")
            assert questions.count() == len(data["debrief"])
            assert stage.locator(".bb-ending-kind").inner_text().endswith(data["nodes"][target]["ending"]["title"])
        _audit(page, scripts)
    stage.locator(".bb-back").click()  # and back out of the last ending
    _audit(page, scripts)


@pytest.mark.browser
def test_room_mode_debrief_and_record_run_nothing(watched, hostile_site):
    page, data = watched, hostile_site.data
    walked = play(data)
    stage = _open_player(page, hostile_site)
    scripts = _audit(page)
    stage.locator(".bb-room-toggle").click()
    endings = [n for n in walked.paths if data["nodes"][n]["ending"]]
    assert len(endings) == 3
    for ending in endings:
        stage.locator(".bb-restart").click()
        _click_path(page, stage, data, walked.paths[ending], room=True)
        assert stage.locator(".bb-votes-table").count() == len(walked.paths[ending])
        with page.expect_download() as download:
            stage.locator(".bb-download").click()
        record = json.loads(Path(download.value.path()).read_text())
        labels = [o["label"] for d in record["decisions"] for o in d["options"]]
        assert labels and all(PAYLOAD in label for label in labels)
        assert any(label.startswith("<script>window.__pwned=1</script>") for label in labels)
        _audit(page, scripts)


@pytest.mark.browser
def test_every_page_the_knowledge_check_and_search_run_nothing(watched, hostile_site):
    page = watched
    for path in _pages(hostile_site.root):
        page.goto(f"{hostile_site.base}/{path.relative_to(hostile_site.root).as_posix()}")
        if path.name == "index.html":  # a redirect to the first page
            page.wait_for_url("**/intro.html")
        page.wait_for_load_state("load")
        _audit(page)

    page.goto(f"{hostile_site.base}/modules/hostile.html")
    questions = page.locator(".bb-question")
    assert questions.count() == 1
    options = questions.first.locator("input[type=radio]")
    for i in range(options.count()):
        options.nth(i).check()
        questions.first.locator(".bb-check-answer").click()
        assert questions.first.locator(".bb-explanation:not([hidden])").count() == 1
        _audit(page)

    # Sphinx 7's search page puts section titles into its results with innerHTML.
    page.goto(f"{hostile_site.base}/search.html")
    page.wait_for_function("() => typeof Search !== 'undefined' && Search._index")
    titles = [t for t in page.evaluate("Object.keys(Search._index.alltitles)") if PAYLOAD in t]
    assert titles
    for title in titles:
        for query in (title, title.replace("&lt;", "<").replace("&gt;", ">")):
            page.goto(f"{hostile_site.base}/search.html?q={urllib.parse.quote(query)}")
            page.wait_for_selector("#search-results .search-summary")
            _audit(page)
        assert page.locator("#search-results ul.search li").count() >= 1
