"""The SHIPPED course (repo root: course.yml, modules/, scenarios/) built once per test session and
served on 127.0.0.1, for the browser tests that walk every path and every page.

The course is copied to a temporary folder (never ``book/_build`` of the work tree) and built with
``branchbook.build.build(course, handouts=False)``. The browser, page guards and helpers are the
ones in browser_support.py; this module only adds the site and a guarded-context helper that can
be used by session- or module-scoped fixtures (one browser context for many scenarios).
"""

from __future__ import annotations

import functools
import html
import http.server
import re
import shutil
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import pytest
from browser_support import Guard, _guarded_context, _QuietHandler, scenario_pages

from branchbook.model import story
from branchbook.messages import catalogue
from branchbook.write import markdown

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
COURSE_FILES = ("course.yml", "denylist.sha256")
COURSE_DIRS = ("modules", "scenarios")
BOOK_FILES = ("_config.yml", "intro.md", "references.bib")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
_TAG = re.compile(r"<[^>]+>")


def copy_shipped_course(target: Path) -> Path:
    """Copy the course's source files (not its generated pages, not ``book/_build``) to ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    for name in COURSE_FILES:
        shutil.copy2(ROOT / name, target / name)
    for name in COURSE_DIRS:
        shutil.copytree(ROOT / name, target / name)
    (target / "book").mkdir()
    for name in BOOK_FILES:
        shutil.copy2(ROOT / "book" / name, target / "book" / name)
    return target


@dataclass
class ShippedSite:
    base: str
    root: Path           # the built html folder
    course_root: Path    # the copied course
    course: object       # branchbook.model.Course
    pages: dict[str, str]          # {scenario id: page path}
    modules: dict[str, str]        # {module id: page path}
    build_seconds: float

    def url(self, path: str) -> str:
        return f"{self.base}/{path}"

    def scenario_url(self, scenario: str) -> str:
        return self.url(self.pages[scenario])

    def all_pages(self) -> list[str]:
        """Every HTML page of the built site, as paths relative to its root (sorted)."""
        return sorted(p.relative_to(self.root).as_posix() for p in self.root.rglob("*.html")
                      if "_static" not in p.relative_to(self.root).parts)


@pytest.fixture(scope="session")
def shipped_site(tmp_path_factory) -> ShippedSite:
    from branchbook.build import build
    from branchbook.load import load_course

    course_root = copy_shipped_course(tmp_path_factory.mktemp("shipped") / "course")
    loaded = load_course(course_root)
    assert loaded.course is not None, "the shipped course does not load:\n" + "\n".join(map(str, loaded.report.problems))
    started = time.perf_counter()
    build(loaded.course, handouts=False)
    seconds = time.perf_counter() - started
    root = (course_root / "book" / "_build" / "html").resolve()
    modules = {m.id: f"modules/{m.id}.html" for m in loaded.course.modules}
    assert all((root / p).is_file() for p in modules.values())
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    print(f"\nshipped course built in {seconds:.1f}s")
    try:
        yield ShippedSite(f"http://127.0.0.1:{server.server_address[1]}", root, course_root, loaded.course,
                          scenario_pages(root), modules, seconds)
    finally:
        server.shutdown()
        server.server_close()


class GuardedContexts:
    """Browser contexts (with browser_support's request and console guard) that a fixture wider
    than one test opens itself, e.g. one page shared by the path tests of every scenario."""

    def __init__(self, browser):
        self.browser = browser
        self.guard = Guard()

    def new(self, **options):
        options.setdefault("viewport", {"width": 1000, "height": 800})
        options.setdefault("reduced_motion", "reduce")
        return _guarded_context(self.browser, self.guard, **options)

    def check(self) -> None:
        """Fail on anything the guard saw since the last check, then start afresh."""
        errors, foreign = list(self.guard.errors), list(self.guard.foreign)
        self.guard.errors.clear()
        self.guard.foreign.clear()
        Guard(errors, foreign).check()


# ---------------------------------------------------------------- the course model, as the reader sees it


def plain(fragment: str) -> str:
    """The text of an HTML fragment as the DOM's textContent gives it, whitespace folded."""
    return " ".join(html.unescape(_TAG.sub("", fragment)).split())


def label_text(choice) -> str:
    """A choice's label as its button shows it (the player inserts the pre-rendered inline HTML)."""
    return plain(markdown.to_inline_html(choice.label))


def scene_numbers(scenario) -> dict[str, int]:
    """Scene numbers as the player data numbers them: the scenes in file order, from 1."""
    return {node_id: n for n, node_id in enumerate(scenario.nodes, start=1)}


def messages(course) -> dict[str, str]:
    return catalogue(course.settings.language)


def shows_feedback(scenario, choice) -> bool:
    """Whether the player shows a feedback step after this choice (see bb-player.js hasFeedback)."""
    return scenario.feedback != "end" and bool(choice.feedback or choice.upholds or choice.violates)


Step = tuple[str, int]          # (scene id, index of the choice taken there)
State = tuple[str, tuple[int, ...]]


@dataclass
class PathPlan:
    """Click paths that together take every choice at least once and reach every ending."""

    paths: list[tuple[list[Step], str]]     # (steps, the ending it reaches)
    choices: set[Step]                      # every choice of the scenario
    endings: set[str]                       # every ending of the scenario
    states: int                             # (scene, variables) states explored

    def covered(self) -> tuple[set[Step], set[str]]:
        return ({step for steps, _ in self.paths for step in steps}, {end for _, end in self.paths})


def plan_paths(scenario) -> PathPlan:
    """Search the (scene, variables) state space breadth-first, honouring ``when`` and ``effects``
    with the story rules the checker and the player use (model/story.py). For each choice, the
    shortest path to a state where it is offered, then that choice, then the shortest way on to an
    ending; for each ending, the shortest path to it. A greedy cover keeps few of these paths."""
    names = list(scenario.variables)

    def pack(values: dict[str, int]) -> tuple[int, ...]:
        return tuple(values[n] for n in names)

    start: State = (scenario.start, pack(story.start(scenario)))
    parent: dict[State, tuple[State, int] | None] = {start: None}
    order, queue = [start], deque([start])
    edges: dict[State, list[tuple[int, State]]] = {}
    while queue:
        state = queue.popleft()
        node_id, packed = state
        values = dict(zip(names, packed))
        out = []
        for i in story.offered(scenario.nodes[node_id], values):
            choice = scenario.nodes[node_id].choices[i]
            nxt = (choice.goto, pack(story.take(scenario, choice, values)))
            out.append((i, nxt))
            if nxt not in parent:
                parent[nxt] = (state, i)
                order.append(nxt)
                queue.append(nxt)
        edges[state] = out

    # The next step towards the nearest ending, from every state that can reach one.
    backwards: dict[State, list[tuple[State, int]]] = {}
    for state, out in edges.items():
        for i, nxt in out:
            backwards.setdefault(nxt, []).append((state, i))
    onward: dict[State, tuple[int, State] | None] = {s: None for s in order if scenario.nodes[s[0]].ending}
    queue = deque(onward)
    while queue:
        state = queue.popleft()
        for prev, i in backwards.get(state, []):
            if prev not in onward:
                onward[prev] = (i, state)
                queue.append(prev)

    def path_to(state: State) -> list[Step]:
        steps = []
        while parent[state] is not None:
            prev, i = parent[state]
            steps.append((prev[0], i))
            state = prev
        return steps[::-1]

    def on_to_an_ending(state: State) -> tuple[list[Step], str]:
        steps = []
        while onward[state] is not None:
            i, nxt = onward[state]
            steps.append((state[0], i))
            state = nxt
        return steps, state[0]

    candidates: dict[object, tuple[list[Step], str]] = {}
    for state in order:                          # breadth-first order: the first hit is the shortest
        node_id = state[0]
        if scenario.nodes[node_id].ending:
            candidates.setdefault(("ending", node_id), (path_to(state), node_id))
        for i, nxt in edges.get(state, []):
            if ("choice", node_id, i) not in candidates and nxt in onward:
                rest, ending = on_to_an_ending(nxt)
                candidates[("choice", node_id, i)] = (path_to(state) + [(node_id, i)] + rest, ending)

    choices = {(n, i) for n, node in scenario.nodes.items() for i in range(len(node.choices))}
    endings = {n for n, node in scenario.nodes.items() if node.ending}

    def covers(path: tuple[list[Step], str]) -> set:
        return {("choice", *step) for step in path[0]} | {("ending", path[1])}

    wanted = {("choice", *c) for c in choices} | {("ending", e) for e in endings}
    pool, chosen = list(candidates.values()), []
    while wanted:
        best = max(pool, key=lambda p: (len(covers(p) & wanted), -len(p[0])))
        if not covers(best) & wanted:
            break                                # the rest is unreachable: the coverage figures say so
        chosen.append(best)
        wanted -= covers(best)
    return PathPlan(chosen, choices, endings, len(order))


def run_axe(page) -> list[str]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate("""async tags => {
        await document.fonts.ready;
        const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
        return r.violations.map(v => v.id + ' (' + v.impact + '): ' +
            v.nodes.slice(0, 4).map(n => n.target.join(' ')).join(' | ') + (v.nodes.length > 4 ? ' …' : ''));
    }""", AXE_TAGS)
