"""Fixtures for the browser tests: a served site, one Chromium per session, a guarded page per test.

The site is, by default, the real fixture course built by ``branchbook build`` (the
``built_mini`` session fixture of tests/conftest.py when there is one, else a copy of
``tests/fixtures/mini`` built here, handouts off). ``BB_BROWSER_SITE=harness`` uses a
hand-made page instead: the gamebook markup of the lead's directive around the real player JSON,
with the static files beside it. Either way the site is served by ``http.server`` on 127.0.0.1.

Every page is guarded: any console error, page error, failed CSP check or request to a host other
than 127.0.0.1 fails the test that caused it.
"""

from __future__ import annotations

import contextlib
import functools
import html
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "mini"
STATIC = ROOT / "src" / "branchbook" / "sphinxext" / "static"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
# Console errors that are not the player's and are reported upstream; each entry says why.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'self'")


# ---------------------------------------------------------------- the site


def _gamebook(data: dict) -> str:
    """The markup the lead's ``branchbook-player`` directive emits (see the player brief)."""
    nodes = data["nodes"]
    out = ['<div class="bb-gamebook">']
    for node_id, node in nodes.items():
        out.append(f'<section class="bb-scene" id="scene-{node_id}" data-bb-node="{node_id}">')
        out.append(f'<h3 class="bb-scene-title">Scene {node["number"]}</h3>')
        if node["speaker"]:
            out.append(f'<p class="bb-speaker">{html.escape(node["speaker"])}</p>')
        out.append(f'<div class="bb-text">{node["html"]}</div>')
        if node["ending"]:
            e = node["ending"]
            out.append(f'<div class="bb-ending bb-ending-{e["kind"]}"><p class="bb-ending-kind">'
                       f'{html.escape(e["kindLabel"])}: {html.escape(e["title"])}</p><div>{e["debriefHtml"]}</div></div>')
        else:
            out.append('<ol class="bb-choices">')
            for choice in node["choices"]:
                cond = ' <span class="bb-cond">(only if …)</span>' if choice["when"] else ""
                out.append(f'<li><a href="#scene-{choice["goto"]}">{choice["label"]}</a>{cond}</li>')
            out.append("</ol>")
        out.append("</section>")
    out.append("</div>")
    return "\n".join(out)


def _script_json(data: dict) -> str:
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def make_harness(root: Path) -> dict[str, str]:
    """Write a harness site under ``root``; returns {scenario id: page path}."""
    from branchbook.load import load_course
    from branchbook.write import player_data

    course = load_course(FIXTURE).course
    static = root / "_static"
    static.mkdir(parents=True)
    for name in ("bb-story.js", "bb-player.js", "bb-player.css", "bb-leave.js", "neutral.html"):
        shutil.copy(STATIC / name, static / name)
    (root / "scenarios").mkdir()
    pages = {}
    for scenario in course.scenarios:
        data = player_data.scenario_data(course, scenario)
        page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(data["title"])}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="../_static/bb-player.css">
<script defer src="../_static/bb-leave.js?v=1"></script>
<script defer src="../_static/bb-story.js?v=1"></script>
<script defer src="../_static/bb-player.js?v=1"></script>
</head>
<body>
<main>
<h1>{html.escape(data["title"])}</h1>
<div class="bb-player" data-bb-scenario="{data["scenario"]}" data-bb-course="{data["course"]}">
<h2>Play the scenario</h2>
<script type="application/json" class="bb-player-data">{_script_json(data)}</script>
{_gamebook(data)}
</div>
</main>
</body>
</html>
"""
        (root / "scenarios" / f"{scenario.id}.html").write_text(page, encoding="utf-8")
        pages[scenario.id] = f"scenarios/{scenario.id}.html"
    return pages


def build_course(course: Path) -> Path:
    """``branchbook build COURSE --no-handouts`` (a test fails if it does); returns the html root."""
    run = subprocess.run([sys.executable, "-m", "branchbook", "build", str(course), "--no-handouts"],
                         capture_output=True, text=True, timeout=600)
    if run.returncode != 0:
        pytest.fail(f"branchbook build of {course.name} failed:\n{run.stdout}\n{run.stderr}")
    return course / "book" / "_build" / "html"


def build_fixture_site(work: Path) -> tuple[Path, dict[str, str]]:
    """Build a copy of the fixture course with ``branchbook build``; returns (html root, pages)."""
    course = work / "mini"
    shutil.copytree(FIXTURE, course, ignore=shutil.ignore_patterns("_build"))
    site = build_course(course)
    return site, scenario_pages(site)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the signature is http.server's
        pass


@dataclass
class Site:
    base: str
    pages: dict[str, str]
    kind: str
    root: Path

    def url(self, scenario: str) -> str:
        return f"{self.base}/{self.pages[scenario]}"


def scenario_pages(site_root: Path) -> dict[str, str]:
    """{scenario id: page path} for every page of a built site that holds a player."""
    pages = {}
    marker = 'data-bb-scenario="'
    for page in site_root.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        at = text.find(marker)
        if at >= 0:
            pages[text[at + len(marker):text.index('"', at + len(marker))]] = page.relative_to(site_root).as_posix()
    return pages


@contextlib.contextmanager
def serve(root: Path):
    """Serve ``root`` on 127.0.0.1 (a free port) while the block runs; yields the base URL.
    Files are looked up per request, so a rebuilt site (swapped in at the same path) is served as it is."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def site(request, tmp_path_factory) -> Site:
    kind = os.environ.get("BB_BROWSER_SITE", "built")
    if kind == "harness":
        root = tmp_path_factory.mktemp("browser-site")
        pages = make_harness(root)
    else:
        try:  # the lead's session fixture (tests/conftest.py): the fixture course built once
            root = Path(request.getfixturevalue("built_mini"))
            pages = scenario_pages(root)
        except pytest.FixtureLookupError:
            root, pages = build_fixture_site(tmp_path_factory.mktemp("browser-site"))
    with serve(root) as base:
        yield Site(base, pages, kind, root)


# ---------------------------------------------------------------- the browser


_shared: dict = {}  # Playwright's sync API allows one instance at a time: one Chromium for the session


@pytest.fixture(scope="session")
def browser():
    """One Chromium shared by every test module that imports this fixture (each import is its own
    session fixture to pytest; the last one finished closes the browser)."""
    from playwright.sync_api import sync_playwright

    if not _shared:
        _shared["playwright"] = sync_playwright().start()
        _shared["browser"] = _shared["playwright"].chromium.launch(executable_path=CHROMIUM, headless=True,
                                                                  args=CHROMIUM_ARGS)
        _shared["users"] = 0
    _shared["users"] += 1
    try:
        yield _shared["browser"]
    finally:
        _shared["users"] -= 1
        if not _shared["users"]:
            _shared.pop("browser").close()
            _shared.pop("playwright").stop()
            _shared.clear()


@dataclass
class Guard:
    """What a page did that a test must not allow."""

    errors: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)

    def check(self) -> None:
        problems = [f"console/page error: {e}" for e in self.errors] + [f"request off 127.0.0.1: {u}" for u in self.foreign]
        assert not problems, "\n".join(problems)


def _guarded_context(browser, guard: Guard, **options):
    context = browser.new_context(accept_downloads=True, **options)

    def route(route):
        url = route.request.url
        if urlparse(url).hostname != "127.0.0.1":
            guard.foreign.append(url)
            route.abort()
        else:
            route.continue_()

    context.route("**/*", route)

    def on_page(page):
        page.on("console", lambda msg: guard.errors.append(msg.text)
                if msg.type == "error" else None)
        page.on("pageerror", lambda exc: guard.errors.append(str(exc)))

    context.on("page", on_page)
    return context


@pytest.fixture
def guard() -> Guard:
    return Guard()


@pytest.fixture
def context(browser, guard):
    ctx = _guarded_context(browser, guard, viewport={"width": 1000, "height": 800}, reduced_motion="reduce")
    try:
        yield ctx
    finally:
        ctx.close()
    guard.check()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def make_context(browser, guard):
    """For tests that need their own viewport, colour scheme or motion settings."""
    made = []

    def make(**options):
        ctx = _guarded_context(browser, guard, **options)
        made.append(ctx)
        return ctx

    yield make
    for ctx in made:
        ctx.close()
    guard.check()
