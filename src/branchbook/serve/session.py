"""What happens on a save: check, regenerate what changed, show it, and rebuild the site behind.

The check and the generation run on the main thread, one save after another. A scenario whose
player data changed is shown at once: its page is served with the new player (see ``server``),
and the tabs showing it are handed that player and show it in place (``reload.js`` passes the
data to the player's ``window.branchbook.update``, which keeps the reader at the same step), with
no reload. Sphinx brings the site up to date in a background thread; when the new site is live,
the tabs whose page now differs from what they show are told, and the fresh-data stand-ins go.
Such a tab fetches its page and swaps in what changed (``reload.js``), or reloads when that
cannot be done safely. A tab that was handed a player already shows what Sphinx then writes, so
it is not told again.
Nothing that fails is ever shown in place of the last good version: problems go to the terminal,
as ``branchbook check`` prints them, and to a banner on every open page.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from pathlib import Path
from typing import Callable

from .. import build, layout, output, site
from ..load import load_course
from ..model import Course, Scenario
from ..sphinxext.nodes import player_html
from ..write import WriteOptions, player_data
from .server import Hub, PreviewServer, player_region

Say = Callable[[str], None]
ANSI = re.compile(r"\x1b\[[0-9;]*m")
SPHINX_PROBLEM = re.compile(r"(WARNING|ERROR|CRITICAL|SEVERE):")


def player_page(scenario_id: str) -> str:
    return layout.scenario_page(scenario_id) + ".html"


class Preview:
    """One course being previewed: its check state, its generated sources, its served site."""

    def __init__(self, root: Path, server: PreviewServer, hub: Hub, say: Say, report: Callable,
                 scenario: str | None = None):
        self.root, self.book, self.scenario = root, root / "book", scenario
        self.server, self.hub, self.say, self.report = server, hub, say, report
        self.paths = site.SitePaths(self.book)
        self.check_problems: list[str] = []
        self.build_problems: list[str] = []
        self.generation = 0
        self._players: dict[str, tuple] = {}  # scenario id → (scenario, settings) last rendered
        self._created: dict[Path, bytes] = {}  # author files serve made itself, until the watcher sees them
        self.builder = SiteBuilder(self)

    def problems(self, check: list[str] | None = None, built: list[str] | None = None) -> None:
        if check is not None:
            self.check_problems = check
        if built is not None:
            self.build_problems = built
        self.hub.set_problems(self.check_problems + self.build_problems)

    def refresh(self, changed: set[Path]) -> None:
        """After a save (or at start, ``changed`` empty): check, show changed scenarios, regenerate."""
        saved = time.perf_counter()
        self.generation += 1
        loaded = load_course(self.root)
        if not self.report(loaded, False):
            self.problems(check=[p.format() for p in loaded.report.errors])
            self.say("The last good version stays on show until these are fixed.")
            return
        course = loaded.course
        self.problems(check=[])
        shown = self.show_scenarios(course)
        if shown:
            self.say(f"update {', '.join(shown)} ({time.perf_counter() - saved:.2f} s after the save)")
        files = build.generated_files(course, WriteOptions(handouts=False))
        try:
            plan = output.plan(self.book, files)
        except output.OutputConflict as conflict:
            for line in conflict.problems:
                self.say(f"error: {line}")
            self.problems(check=conflict.problems)
            return
        every_page = build.rebuild_every_page(self.book, files, plan)
        for name, data in build.author_files(course).items():
            if output.write_if_missing(self.book / name, data):
                self._created[self.book / name] = data
        output.apply(self.book, files, plan)
        if plan.write:
            self.say(f"regenerated {', '.join(sorted(plan.write))}")
        if self.generation == 1 and any(name.startswith(layout.HANDOUTS_DIR + "/") for name in files):
            self.say("Handouts are not remade while serving: the pages link the PDFs of the last build that "
                     "made them, which may be out of date.")
        book_edits = any(self.book in path.parents for path in changed)
        if not (plan.write or plan.delete or book_edits) and self.paths.live.exists():
            return
        if self.scenario and set(plan.write) == {layout.player_json(self.scenario)} and not (plan.delete or book_edits):
            return  # previewing this scenario alone: its page is already shown as Sphinx would write it
        self.builder.request(self.generation, fresh=every_page)

    def authors_saves(self, changed: set[Path]) -> set[Path]:
        """``changed`` without the files serve created itself (``_config.yml``, ``intro.md``) and
        nobody has touched since: the watcher reports them like any save, and rebuilding the site
        for them would hold up the author's first real save behind a build that cannot show it."""
        own = set()
        for path in changed & self._created.keys():
            data = self._created.pop(path)
            if path.is_file() and path.read_bytes() == data:
                own.add(path)
        return changed - own

    def show_scenarios(self, course: Course) -> list[str]:
        """Serve every built scenario page whose player would change with its player made afresh,
        and hand that player to its open tabs: before anything else is generated, and long before
        Sphinx. Only the scenarios that changed since the last save are rendered again; a page not
        built yet is left to the site build, which makes it from these very sources."""
        fresh = {}
        for scenario in course.scenarios:
            page = player_page(scenario.id)
            if self._players.get(scenario.id) == (scenario, course.settings):
                continue
            self._players[scenario.id] = (scenario, course.settings)
            if not (self.paths.live / page).is_file():
                continue
            player = stand_in_player(course, scenario)
            served = self.server.page(page) or ""
            region = player_region(served)
            if region and served[region[0]:region[1]] != player:
                fresh[page] = player
        if fresh:
            with self.server.lock:
                self.server.overrides.update(fresh)
                self.builder.stand_ins.update({page: self.generation for page in fresh})
            for page, player in sorted(fresh.items()):
                self.hub.update(page, player)
        return sorted(fresh)


def stand_in_player(course: Course, scenario: Scenario) -> str:
    """The player Sphinx will write for ``scenario``: rendered from its data as the site build reads
    it, the written JSON (keys sorted), or the stand-in would differ from the built page (a
    scenario's variables in another order) and the page reload when Sphinx caught up."""
    return player_html(json.loads(player_data.encode(player_data.scenario_data(course, scenario))))


class SiteBuilder(threading.Thread):
    """Sphinx in the background: one build at a time, saves during a build coalesced into the
    next one, and the next build's Sphinx started ahead (it waits, already initialised and warmed
    up, so a build costs only Sphinx's reading and writing, not its two-second start)."""

    def __init__(self, preview: Preview):
        super().__init__(name="branchbook-site", daemon=True)
        self.preview = preview
        self.stand_ins: dict[str, int] = {}  # page → generation of the fresh data it is served with
        self._wanted = threading.Condition()
        self.pending: int | None = None
        self._fresh = False
        self._stopping = False
        self._child: site.SphinxChild | None = None  # started, waiting for the next build
        self._running: site.SphinxChild | None = None
        self._child_inputs: tuple | None = None

    def request(self, generation: int, fresh: bool) -> None:
        with self._wanted:
            self.pending = generation
            self._fresh = self._fresh or fresh
            self._wanted.notify()

    STOP_S = 15  # Ctrl-C never waits longer for the thread: it is a daemon, and its Sphinx is killed below

    def stop(self) -> None:
        """End the build under way and the waiting Sphinx; return when the thread has ended, or after
        ``STOP_S`` seconds if it has not (the children are ended either way)."""
        with self._wanted:
            self._stopping = True
            self._wanted.notify()
            running = self._running
        if running is not None and running.process.poll() is None:
            running.process.kill()  # a build under way ends now; its thread clears up after it
        self.join(timeout=self.STOP_S)
        if self.is_alive():
            self.preview.say(f"the site build did not end within {self.STOP_S} s of Ctrl-C; stopping without it")
        for child in (self._running, self._child):  # also one started while stopping began
            if child is not None:
                child.cancel()

    def _inputs(self) -> tuple:
        """What a started Sphinx has already read: its configuration, table of contents, bibliographies."""
        book = self.preview.book
        files = [book / "_config.yml", book / "_toc.yml", *sorted(book.glob("*.bib"))]
        return tuple((f.name, f.stat().st_mtime_ns, f.stat().st_size) if f.exists() else (f.name,) for f in files)

    def _ready_child(self, fresh: bool) -> site.SphinxChild:
        paths = self.preview.paths
        fresh = fresh or not paths.live.exists()
        if self._child is not None and (fresh and not self._child.rebuild_all or self._child_inputs != self._inputs()):
            self._child.cancel()
            self._child = None
        if self._child is None:
            self._child_inputs = self._inputs()
            self._child = site.SphinxChild(self.preview.book, site.stage(paths, fresh), rebuild_all=fresh,
                                           warnings_as_errors=True, warm=True)
        return self._child

    def _idle_work(self) -> bool:
        paths = self.preview.paths
        return self._child is None and paths.live.exists() and (self.preview.book / "_toc.yml").exists()

    def run(self) -> None:
        while True:
            with self._wanted:
                if self.pending is None and not self._stopping and not self._idle_work():
                    self._wanted.wait()
                if self._stopping:
                    return
                job = (self.pending, self._fresh) if self.pending is not None else None
                self.pending, self._fresh = None, False
            try:
                if job is not None:
                    self._build(*job)
                elif self._idle_work():  # start the next build's Sphinx while nothing happens
                    self._ready_child(False)
            except Exception as error:  # keep serving; the terminal says what went wrong
                self.preview.say(f"✗ site build: {type(error).__name__}: {error}")
                self.preview.problems(built=[f"the site build failed: {error}"])
                time.sleep(1)

    def _build(self, generation: int, fresh: bool) -> None:
        preview, started = self.preview, time.perf_counter()
        with self._wanted:
            self._running, self._child = self._ready_child(fresh), None
        child = self._running
        try:
            child.go()
            child.wait()
        except site.SiteBuildFailed as failure:
            child.cancel()
            if self._stopping:
                return
            problems = [self._relative(ANSI.sub("", line).strip()) for line in failure.log.splitlines()
                        if SPHINX_PROBLEM.search(line)] or ["the Sphinx build failed (see the terminal)"]
            preview.say(ANSI.sub("", failure.log))
            preview.say("✗ the Sphinx build failed (log above); the previous site stays on show.")
            preview.problems(built=problems)
            return
        finally:
            self._running = None
        if self._stopping:
            child.cancel()
            return
        before = self._shown()
        site.publish(preview.paths, child.staging)
        with preview.server.lock:
            for page, made in list(self.stand_ins.items()):
                if made <= generation:
                    del self.stand_ins[page]
                    preview.server.overrides.pop(page, None)
        after = self._shown()
        changed = sorted(page for page in before.keys() | after.keys() if before.get(page) != after.get(page))
        preview.problems(built=[])
        if changed:
            preview.hub.reload(["*"] if any(not page.endswith(".html") for page in changed) else changed)
        shown = ", ".join(changed) if len(changed) <= 6 else f"{len(changed)} pages"
        preview.say(f"site rebuilt in {time.perf_counter() - started:.1f} s" + (f"; reload {shown}" if changed else ""))

    def _shown(self) -> dict[str, str]:
        """A digest of every page as a tab would get it now, and of every static file it loads."""
        live = self.preview.paths.live
        if not live.exists():
            return {}
        digests = {}
        for path in live.rglob("*"):
            rel = path.relative_to(live).as_posix()
            if path.suffix == ".html":
                digests[rel] = _digest((self.preview.server.page(rel) or "").encode("utf-8"))
            elif rel.startswith("_static/") and path.is_file():
                digests[rel] = _digest(path.read_bytes())
        return digests

    def _relative(self, line: str) -> str:
        return line.replace(str(self.preview.book) + "/", "book/")


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
