"""``branchbook serve``: a real server on a copy of the fixture course, watched by headless Chromium.

One server runs for the module (its first build is the slow part); the tests edit the course
through it in turn and put back what they broke. Every wait is bounded; nothing asserts a time.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from branchbook import output
from branchbook.cli import main
from branchbook.load import load_course
from branchbook.serve import server as preview_server
from branchbook.serve.watch import authored
from browser_support import browser, context, guard, page  # noqa: F401 - fixtures (one Chromium per session)

FIXTURE = Path(__file__).parent / "fixtures" / "mini"
SCENARIO = "noticeboard"
PAGE = f"scenarios/{SCENARIO}.html"
FIRST_BUILD_S = 600
WAIT_S = 180


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Served:
    process: subprocess.Popen
    course: Path
    port: int
    log: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def mark(self) -> int:
        return len(self.log)

    def wait_for(self, pattern: str, since: int = 0, timeout: float = WAIT_S) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.log[since:]:
                if found := re.search(pattern, line):
                    return found
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        pytest.fail(f"serve never printed /{pattern}/; it printed:\n" + "".join(self.log[since:]))

    def get(self, path: str) -> str:
        with urllib.request.urlopen(self.url + path, timeout=30) as response:
            return response.read().decode("utf-8")

    def edit(self, rel: str, *replacements: tuple[str, str]) -> None:
        """One save of ``rel`` with each (old, new) replaced once."""
        path = self.course / rel
        text = path.read_text(encoding="utf-8")
        for old, new in replacements:
            assert old in text, f"{old!r} not in {rel}"
            text = text.replace(old, new, 1)
        path.write_text(text, encoding="utf-8")


def start(course: Path, port: int, *extra: str) -> Served:
    process = subprocess.Popen([sys.executable, "-m", "branchbook", "serve", str(course), "--port", str(port), *extra],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env=dict(os.environ, PYTHONUNBUFFERED="1", PYTHONFAULTHANDLER="1"))
    served = Served(process, course, port)
    threading.Thread(target=lambda: served.log.extend(iter(process.stdout.readline, "")), daemon=True).start()
    return served


def interrupt(server: Served) -> int:
    """Ctrl-C, as a user presses it; its exit code. If it does not stop within a minute, its threads'
    stacks (faulthandler, on SIGABRT) and its last lines are the failure message."""
    server.process.send_signal(signal.SIGINT)
    try:
        return server.process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        server.process.send_signal(signal.SIGABRT)
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
        time.sleep(0.5)  # the reader thread takes the last lines
        pytest.fail("serve did not stop within 60 s of Ctrl-C; it printed:\n" + "".join(server.log[-120:]))


def children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found |= {int(c) for c in (task / "children").read_text().split()}
        except OSError:
            pass
    return found


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    course = tmp_path_factory.mktemp("serve") / "mini"
    shutil.copytree(FIXTURE, course)
    server = start(course, free_port())
    try:
        server.wait_for(r"Serving .* at http://127\.0\.0\.1:\d+/", timeout=60)
        server.wait_for(r"site rebuilt", timeout=FIRST_BUILD_S)
        yield server
    finally:
        helpers = children(server.process.pid)
        code = interrupt(server)
    # Ctrl-C stops it cleanly: a normal exit, the waiting Sphinx ended, no staging folder left
    assert code == 0, "".join(server.log[-20:])
    assert "Stopped." in "".join(server.log)
    assert not any(Path(f"/proc/{pid}").exists() for pid in helpers)
    assert not list((course / "book" / "_build").glob(".next-*"))


def generated_mtimes(course: Path) -> dict[str, int]:
    book = course / "book"
    return {rel: (book / rel).stat().st_mtime_ns for rel in output.generated(book) if (book / rel).exists()}


def first_scene_text(page) -> str:
    return page.locator(".bb-player .bb-view").inner_text(timeout=30_000)


def stage_scene(page) -> dict:
    """Where the reader is in the page's player: its scene and step."""
    return page.evaluate("() => { const s = branchbook.players[0].snapshot(); return {node: s.node, step: s.step}; }")


@pytest.mark.browser
def test_scenario_edit_shows_in_the_open_page_without_a_reload_at_the_same_step(served: Served, page, context):
    other = context.new_page()
    other.goto(served.url + "intro.html")
    page.goto(served.url + PAGE)
    assert "something that happened" in first_scene_text(page)
    stage = page.locator(".bb-player .bb-stage")
    stage.get_by_role("button", name="Say plainly that you will listen", exact=False).click()
    stage.get_by_role("button", name="Continue", exact=True).click()
    assert "Jo tells you what happened" in first_scene_text(page)
    reader = stage_scene(page)
    assert reader["node"] == "listen" and reader["step"] == 1
    page.locator(".bb-support summary").click()  # the reader opened the support list
    for tab in (page, other):
        tab.evaluate("window.bbNotReloaded = true")
    sources = generated_mtimes(served.course)
    since = served.mark()

    # the scene the reader is on, and a role's brief in the introduction above the player
    served.edit(f"scenarios/{SCENARIO}.yml", ("Jo tells you what happened", "Jo describes the work day"),
                ("You chair the garden committee.", "You have chaired it for a year."))

    page.wait_for_function("() => document.querySelector('.bb-view').textContent.includes('Jo describes the work day')"
                           " && document.querySelector('.bb-intro').textContent.includes('chaired it for a year')",
                           timeout=WAIT_S * 1000)
    assert page.evaluate("window.bbNotReloaded") is True  # shown in place: the tab did not reload
    assert stage_scene(page) == reader  # the reader is still at the step they were on
    assert stage.locator(".bb-status").is_hidden()  # and is not told the scenario moved them
    assert page.locator(".bb-support").evaluate("d => d.open")
    assert "You chair the garden committee." not in page.locator(".bb-intro").inner_text()
    assert "Jo describes the work day" in page.locator(".bb-gamebook").text_content()  # what prints is new too
    assert served.wait_for(r"^update (.*) \(", since).group(1) == PAGE
    changed = {rel for rel, mtime in generated_mtimes(served.course).items() if sources.get(rel) != mtime}
    assert changed <= {f"_data/player/{SCENARIO}.json"}
    served.wait_for(r"^regenerated _data/player/" + SCENARIO + r"\.json$", since)

    # Sphinx catches up in the background; the page it writes is the one already shown, so no
    # tab reloads, the other page included.
    rebuilt = served.wait_for(r"^site rebuilt.*", since).group(0)
    assert "reload" not in rebuilt
    assert "Jo describes the work day" in (served.course / "book/_build/html" / PAGE).read_text()
    page.wait_for_timeout(500)  # a reload event, were one sent, arrives well within this
    assert page.evaluate("window.bbNotReloaded") is True
    assert other.evaluate("window.bbNotReloaded") is True
    assert stage_scene(page) == reader


@pytest.mark.browser
def test_a_broken_file_shows_a_banner_and_keeps_the_last_good_page(served: Served, page):
    page.goto(served.url + PAGE)
    before = first_scene_text(page)
    path = served.course / "scenarios" / f"{SCENARIO}.yml"
    good = path.read_text(encoding="utf-8")
    since = served.mark()
    try:
        served.edit(f"scenarios/{SCENARIO}.yml", ("goto: listen", "goto: nowhere-at-all"))
        expected = [p.format() for p in load_course(served.course).report.errors]
        assert expected and all(p.startswith(f"scenarios/{SCENARIO}.yml:") for p in expected)
        banner = page.locator(".bb-serve-banner")
        banner.wait_for(timeout=WAIT_S * 1000)
        shown = banner.inner_text()
        for message in expected:  # the same file:line:col messages as `branchbook check`
            assert message.splitlines()[0] in shown
        assert re.search(rf"scenarios/{SCENARIO}\.yml:\d+:\d+: error:", shown)
        served.wait_for(re.escape(expected[0].splitlines()[0]), since)  # and in the terminal
        assert first_scene_text(page) == before  # the last good version stays
        page.reload()
        banner.wait_for(timeout=30_000)  # a fresh load shows it too
        assert first_scene_text(page) == before
    finally:
        path.write_text(good, encoding="utf-8")
    banner.wait_for(state="detached", timeout=WAIT_S * 1000)


MODULE_PAGE = "modules/basics.html"


def loads_of(page) -> list[str]:
    """The page loads from now on, counted as the benchmark counts them."""
    loads: list[str] = []
    page.on("load", lambda _: loads.append(page.url))
    return loads


def shows(page, text: str) -> None:
    page.wait_for_function("text => (document.querySelector('main') || {}).textContent?.includes(text)", arg=text,
                           timeout=WAIT_S * 1000)


@pytest.mark.browser
def test_a_module_reading_edit_shows_in_the_open_page_in_place(served: Served, page):
    page.set_viewport_size({"width": 1000, "height": 420})  # short: the page scrolls
    page.goto(served.url + MODULE_PAGE)
    # the reader answered the knowledge check (what its script shows) and scrolled down to it
    question = page.locator(".bb-check .bb-question").first
    question.get_by_label("Because the rules say so.").check()
    question.get_by_role("button", name="Check answer").click()
    answered = question.locator(".bb-check-result").inner_text()
    assert answered
    question.scroll_into_view_if_needed()
    assert page.evaluate("window.scrollY") > 0
    where = question.evaluate("q => q.getBoundingClientRect().top")
    page.evaluate("window.bbNotReloaded = true")
    loads = loads_of(page)
    since = served.mark()

    served.edit("modules/basics.md", ("is an ambush", "is an ambush. A sentence added while serving"))

    shows(page, "A sentence added while serving")
    assert served.wait_for(r"^site rebuilt.*", since).group(0).endswith(f"reload {MODULE_PAGE}")
    assert "A sentence added while serving" in served.get(MODULE_PAGE)
    assert page.evaluate("window.bbNotReloaded") is True and not loads  # shown in place
    assert page.locator("main").inner_text().count("A sentence added while serving") == 1
    assert question.locator(".bb-check-result").inner_text() == answered  # the reader's answer stays
    assert question.locator(".bb-explanation:not([hidden])").evaluate("d => d.open")
    assert abs(question.evaluate("q => q.getBoundingClientRect().top") - where) < 1  # it has not moved on screen

    # a change inside what a script set up (the knowledge check) cannot be patched in: the page reloads
    since = served.mark()
    served.edit("modules/basics.md", ("Rules may say so", "Rules may well say so"))
    shows(page, "Rules may well say so")
    served.wait_for(r"^site rebuilt.*reload", since)
    page.wait_for_load_state("load")
    assert page.evaluate("window.bbNotReloaded") is None and len(loads) == 1


def test_the_reload_hook_is_served_never_built(served: Served):
    site = served.course / "book" / "_build" / "html"
    built = [p for p in site.rglob("*") if p.is_file()]
    assert built
    assert not [p for p in built if b"__branchbook__" in p.read_bytes()]
    assert f'src="{preview_server.SCRIPT_SRC}"' in served.get(PAGE)
    assert "EventSource" in served.get("__branchbook__/reload.js")


def test_a_second_serve_on_a_busy_port_says_so_and_suggests_one(served: Served, tmp_path: Path):
    run = subprocess.run([sys.executable, "-m", "branchbook", "serve", str(served.course), "--port", str(served.port)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode != 0
    assert f"port {served.port}" in run.stderr and "in use" in run.stderr
    suggested = int(re.search(r"--port (\d+)", run.stderr).group(1))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", suggested))  # it was free


def test_scenario_option_opens_that_scenario(built_mini: Path):
    hub = preview_server.Hub()
    server = preview_server.PreviewServer(("127.0.0.1", 0), built_mini, hub, home=PAGE)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with urllib.request.urlopen(server.url, timeout=30) as response:
            assert response.url == server.url + PAGE
            assert 'data-bb-scenario="noticeboard"' in response.read().decode("utf-8")
    finally:
        hub.close()
        server.shutdown()
        server.server_close()


def test_a_new_player_goes_only_to_the_tabs_of_its_page():
    hub = preview_server.Hub()
    received: dict[str, list[str]] = {PAGE: [], "intro.html": []}
    tabs = [threading.Thread(target=hub.stream, args=(received[page].append, page), daemon=True) for page in received]
    for tab in tabs:
        tab.start()

    def wait_until(condition) -> None:
        deadline = time.monotonic() + 30
        while not condition() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert condition()

    wait_until(lambda: all(any("event: problems" in t for t in got) for got in received.values()))
    hub.update(PAGE, '<div class="bb-player">new</div>')
    hub.reload(["*"])
    wait_until(lambda: all(any("event: reload" in t for t in got) for got in received.values()))
    hub.close()
    for tab in tabs:
        tab.join(timeout=30)
    mine, other = ("".join(received[shown]) for shown in (PAGE, "intro.html"))
    player = '"player": "<div class=\\"bb-player\\">new</div>"'
    assert f'event: update\ndata: {{"page": "scenarios/noticeboard.html", {player}}}' in mine
    assert "event: update" not in other  # another page's tab is not sent it
    assert mine.index("event: update") < mine.index("event: reload")  # events keep their order


def test_scenario_option_names_an_unknown_scenario(mini_course: Path):
    result = CliRunner().invoke(main, ["serve", str(mini_course), "--scenario", "noticebord"])
    assert result.exit_code == 2
    assert "no scenario 'noticebord'" in result.output and "did you mean 'noticeboard'" in result.output


def test_help_explains_serve():
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    for words in ("--port", "--scenario", "--open", "banner", "Ctrl-C"):
        assert words in result.output


def test_only_author_files_count_as_saves(mini_course: Path):
    from branchbook.build import build

    build(load_course(mini_course).course, handouts=False)
    book = mini_course / "book"
    for rel in ("course.yml", "scenarios/noticeboard.yml", "modules/basics.md", "book/intro.md", "book/references.bib"):
        assert authored(mini_course, mini_course / rel), rel
    for rel in ("book/_build/html/index.html", "book/scenarios/noticeboard.md", "book/_data/player/noticeboard.json",
                "book/_toc.yml", f"book/{output.MANIFEST}", "scenarios/.noticeboard.yml.swp", "scenarios/notes.txt"):
        assert not authored(mini_course, mini_course / rel), rel
    assert output.generated(book) >= {"_toc.yml", "scenarios/noticeboard.md"}


def test_the_stand_in_player_is_what_sphinx_writes(built_mini: Path):
    """Until Sphinx has rebuilt a scenario page, serve sends it with its player rendered from the new
    data; that must be byte for byte what the build writes, or the page would change twice."""
    from branchbook.serve.session import stand_in_player

    course = load_course(FIXTURE).course
    for scenario in course.scenarios:
        page = (built_mini / f"scenarios/{scenario.id}.html").read_text(encoding="utf-8")
        start, end = preview_server.player_region(page)
        assert page[start:end] == stand_in_player(course, scenario)


def test_scenario_preview_shows_saves_without_rebuilding_the_site(mini_course: Path):
    import json

    from branchbook.build import build
    from branchbook.serve.session import Preview

    path = mini_course / "scenarios" / f"{SCENARIO}.yml"
    # a second variable, listed before the first in the file but after it in the sorted JSON Sphinx reads
    path.write_text(path.read_text().replace("variables:\n", "variables:\n  warmth: {initial: 1, min: 0, max: 2}\n")
                    .replace("effects: {trust: 1}", "effects: {trust: 1, warmth: 1}"))
    build(load_course(mini_course).course, handouts=False)
    root = mini_course.resolve()
    hub = preview_server.Hub()
    server = preview_server.PreviewServer(("127.0.0.1", 0), root / "book" / "_build" / "html", hub)
    try:
        alone = Preview(root, server, hub, lambda text: None, lambda loaded, strict: not loaded.report.errors,
                        scenario=SCENARIO)
        alone.refresh(set())
        assert alone.builder.pending is None  # the site is up to date: nothing to rebuild
        assert hub.recent == []  # and every page has the player it was built with: nothing to hand the tabs
        path = root / "scenarios" / f"{SCENARIO}.yml"
        path.write_text(path.read_text().replace("something that happened", "a quarrel over the shed"))
        alone.refresh({path})
        assert "a quarrel over the shed" in server.page(PAGE)
        [(_, name, data, page)] = hub.recent  # the new player, for the tabs of its page only
        start, end = preview_server.player_region(server.page(PAGE))
        assert (name, page) == ("update", PAGE)
        assert json.loads(data) == {"page": PAGE, "player": server.page(PAGE)[start:end]}
        assert alone.builder.pending is None  # its page is shown as Sphinx would write it: no build

        path.write_text(path.read_text().replace("a quarrel over the shed", "a row about the shed"))
        whole = Preview(root, server, hub, lambda text: None, lambda loaded, strict: not loaded.report.errors)
        whole.refresh({path})
        assert whole.builder.pending is not None  # the whole course is previewed: Sphinx catches up
    finally:
        server.server_close()


def current_problems(served: Served) -> list[str]:
    """The problems every tab is shown, as the events stream announces them to a new tab."""
    import json

    with urllib.request.urlopen(served.url + "__branchbook__/events", timeout=30) as stream:
        for line in stream:
            if line.startswith(b"event: problems"):
                return json.loads(next(stream).decode("utf-8").removeprefix("data: "))["messages"]
    raise AssertionError("no problems event")


def test_a_warmed_up_sphinx_writes_the_same_site(mini_course: Path):
    """serve's waiting Sphinx renders the home page once before it is needed (``--warm``); the build
    after that must write exactly what a build without the warm-up writes."""
    from branchbook import site
    from branchbook.build import build
    from branchbook.serve.session import ANSI

    build(load_course(mini_course).course, handouts=False)  # here: Sphinx starts afresh in a moved book
    book = mini_course / "book"
    source = book / "modules" / "basics.md"  # one page outdated, as after a reading edit
    source.write_text(source.read_text(encoding="utf-8") + "\nA sentence added for the build.\n", encoding="utf-8")
    written, rewritten = {}, {}
    for warm in (False, True):
        child = site.SphinxChild(book, site.stage(site.SitePaths(book), False), rebuild_all=False,
                                 warnings_as_errors=True, warm=warm)
        try:
            for line in child.process.stdout:  # ready (and warmed up) before it is asked to build, as in serve
                child.log.append(line)
                if line.startswith(site.READY):
                    break
            child.go()
            child.wait()
            html = child.staging / "html"
            written[warm] = {p.relative_to(html).as_posix(): p.read_bytes() for p in html.rglob("*") if p.is_file()}
            rewritten[warm] = sum(ANSI.sub("", line).startswith("writing output... [") for line in child.log)
        finally:
            child.cancel()
    assert "A sentence added for the build." in written[True]["modules/basics.html"].decode("utf-8")
    assert written[True] == written[False]
    assert 1 <= rewritten[True] == rewritten[False] <= 2  # incremental: that page (and the home page)


def test_a_failed_sphinx_build_keeps_the_last_site_and_says_where(served: Served):
    intro = served.course / "book" / "intro.md"
    good = intro.read_text(encoding="utf-8")
    before = served.get("intro.html")
    since = served.mark()
    try:
        intro.write_text(good + "\n```{no-such-directive}\n```\n", encoding="utf-8")
        served.wait_for(r"the Sphinx build failed", since)
        assert any(m.startswith("book/intro.md:") and "no-such-directive" in m for m in current_problems(served))
        assert served.get("intro.html") == before  # the last good site stays on show
    finally:
        intro.write_text(good, encoding="utf-8")
    served.wait_for(r"^site rebuilt", since)
    assert current_problems(served) == []


def test_pages_are_never_cached_and_static_files_are_revalidated(served: Served):
    import urllib.error

    with urllib.request.urlopen(served.url + PAGE, timeout=30) as response:
        assert response.headers["Cache-Control"] == "no-store"
    with urllib.request.urlopen(served.url + "_static/bb-player.js", timeout=30) as response:
        assert response.headers["Cache-Control"] == "no-cache"
        modified = response.headers["Last-Modified"]
    again = urllib.request.Request(served.url + "_static/bb-player.js", headers={"If-Modified-Since": modified})
    with pytest.raises(urllib.error.HTTPError) as unchanged:
        urllib.request.urlopen(again, timeout=30)
    assert unchanged.value.code == 304


def test_a_course_with_problems_from_the_start_gets_a_page_not_a_blank(mini_course: Path):
    path = mini_course / "scenarios" / f"{SCENARIO}.yml"
    good = path.read_text(encoding="utf-8")
    path.write_text(good.replace("goto: listen", "goto: nowhere-at-all", 1), encoding="utf-8")
    server = start(mini_course, free_port())
    try:
        server.wait_for(r"nowhere-at-all", timeout=120)
        home = server.get("")
        assert "not built yet" in home and f'src="{preview_server.SCRIPT_SRC}"' in home
        assert any(m.startswith(f"scenarios/{SCENARIO}.yml:") for m in current_problems(server))
        path.write_text(good, encoding="utf-8")
        server.wait_for(r"^site rebuilt", timeout=FIRST_BUILD_S)
        assert 'data-bb-scenario="noticeboard"' in server.get(PAGE)
        assert current_problems(server) == []
    finally:
        interrupt(server)


def test_ctrl_c_stops_serve_even_when_its_parent_ignored_it(mini_course: Path):
    """A parent that ignores SIGINT (a script's background job, a test runner) passes that on; serve
    still stops on Ctrl-C instead of running on unseen."""
    process = subprocess.Popen([sys.executable, "-m", "branchbook", "serve", str(mini_course), "--port", str(free_port())],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env=dict(os.environ, PYTHONUNBUFFERED="1", PYTHONFAULTHANDLER="1"),
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    server = Served(process, mini_course, 0)
    threading.Thread(target=lambda: server.log.extend(iter(process.stdout.readline, "")), daemon=True).start()
    server.wait_for(r"^site rebuilt", timeout=FIRST_BUILD_S)
    assert interrupt(server) == 0 and "Stopped." in "".join(server.log)
