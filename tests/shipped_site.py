"""The SHIPPED course (repo root: course.yml, modules/, scenarios/) built once per test session and
served on 127.0.0.1, for the browser tests that walk every path and every page.

The course is copied to a temporary folder (never ``book/_build`` of the work tree) and built with
``branchbook.build.build(course, handouts=False)``. The browser, page guards and helpers are the
ones in browser_support.py; this module only adds the site and a guarded-context helper that can
be used by session- or module-scoped fixtures (one browser context for many scenarios).
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from browser_support import Guard, _guarded_context, _QuietHandler, scenario_pages

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
COURSE_FILES = ("course.yml", "denylist.sha256")
COURSE_DIRS = ("modules", "scenarios")
BOOK_FILES = ("_config.yml", "intro.md", "references.bib")


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
    """Browser contexts (with browser_support's request and console guard) that a test opens and
    closes itself, for module-scoped fixtures that share one context across many scenarios."""

    def __init__(self, browser):
        self.browser = browser
        self.guard = Guard()

    def new(self, **options):
        options.setdefault("viewport", {"width": 1000, "height": 800})
        options.setdefault("reduced_motion", "reduce")
        return _guarded_context(self.browser, self.guard, **options)

    def check(self) -> None:
        """Fail on anything the guard saw, and start afresh (so one test's error is not another's)."""
        errors, foreign = list(self.guard.errors), list(self.guard.foreign)
        self.guard.errors.clear()
        self.guard.foreign.clear()
        Guard(errors, foreign).check()
