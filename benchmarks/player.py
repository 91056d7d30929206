"""What a learner waits for and downloads: the player's click-to-next-scene time and its bytes.

    python -m benchmarks player [--quick]

The course is built (``branchbook build --no-handouts``) into a scratch copy, and every scenario page
is opened from disk (``file://``, as a learner without a server opens it) in headless Chromium. Each
scenario is played to an ending, taking the first choice each time; every click is timed in the
page by its own clock (``performance.now()``): from the click to the player's new content in the
DOM (the click handler, synchronous), and to the next frame after it (``requestAnimationFrame``,
so style, layout and paint of the new content are included). A choice click shows its feedback;
"Continue" shows the next scene.

Bytes: the scenario data embedded in each page (the player reads it from the page, so it is
part of the HTML), the player's own static files, and everything a scenario page loads (the
page, theme, fonts, scripts), as read from disk.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlparse

from . import Row
from ._courses import REPO, copy_course

FIXTURE = REPO / "tests" / "fixtures" / "mini"
CHROMIUM = "/usr/bin/chromium"
PLAYER_FILES = ("bb-player.js", "bb-story.js", "bb-player.css", "bb-leave.js")
LABELS = {"choice": "click a choice → its feedback in the DOM", "choice, painted": "click a choice → the next frame painted",
          "continue": "click Continue → next scene in the DOM", "continue, painted": "click Continue → the next frame painted"}
MAX_STEPS = 40  # a scenario longer than this (first choices only) is cut short: it still gives timings

CLICK = """async (selector) => {
    const target = document.querySelector(selector);
    const started = performance.now();
    target.click();
    const handled = performance.now();
    await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
    return [handled - started, performance.now() - started];
}"""
NEXT = """() => {
    const stage = document.querySelector('.bb-stage');
    if (stage.querySelector('.bb-continue')) return '.bb-stage .bb-continue';
    if (stage.querySelector('.bb-ending')) return null;
    return stage.querySelector('.bb-choice') ? '.bb-stage .bb-choice' : null;
}"""


def _build(course: Path) -> Path:
    done = subprocess.run([sys.executable, "-m", "branchbook", "build", str(course), "--no-handouts"],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"the build for the player benchmark failed:\n{done.stdout}\n{done.stderr}")
    return course / "book" / "_build" / "html"


def _play(site: Path, limit: int | None) -> tuple[dict[str, list[float]], dict[str, list[int]], int, dict[str, int]]:
    """Timings per kind of click, byte counts per scenario page, the bytes of the player's files, and the
    size of every file the pages loaded (by its path in the site)."""
    from playwright.sync_api import sync_playwright

    pages = sorted((site / "scenarios").glob("*.html"))[:limit]
    times: dict[str, list[float]] = {"choice": [], "choice, painted": [], "continue": [], "continue, painted": []}
    sizes: dict[str, list[int]] = {"data": [], "page": []}
    files: dict[str, int] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            for path in pages:
                page = browser.new_page()
                loaded: set[Path] = set()
                page.on("request", lambda request: loaded.add(Path(unquote(urlparse(request.url).path)))
                        if request.url.startswith("file:") else None)
                page.goto(path.as_uri())
                page.wait_for_selector(".bb-player.bb-js .bb-stage")
                sizes["data"].append(page.evaluate(
                    "() => new Blob([document.querySelector('script.bb-player-data').textContent]).size"))
                for _ in range(MAX_STEPS):
                    selector = page.evaluate(NEXT)
                    if selector is None:
                        break
                    kind = "continue" if selector.endswith("bb-continue") else "choice"
                    handled, painted = page.evaluate(CLICK, selector)
                    times[kind].append(handled)
                    times[f"{kind}, painted"].append(painted)
                found = {p: p.stat().st_size for p in loaded if p.is_file()}
                sizes["page"].append(sum(found.values()))
                files.update({(p.relative_to(site).as_posix() if site in p.parents else p.name): n for p, n in found.items()})
                page.close()
        finally:
            browser.close()
    player = sum((site / "_static" / name).stat().st_size for name in PLAYER_FILES if (site / "_static" / name).is_file())
    return times, sizes, player, files


def run(quick: bool) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        course = copy_course(FIXTURE if quick else REPO, Path(tmp) / "course")
        times, sizes, player, files = _play(_build(course), 2 if quick else None)
    rows = []
    for kind, values in times.items():
        if values:
            rows.append(Row("player", LABELS[kind], statistics.median(values), "ms", "",
                            f"median of {len(values)} clicks; max {max(values):.1f} ms"))
    pages = len(sizes["page"])
    rows += [Row("player", "scenario data per page", statistics.median(sizes["data"]) / 1024, "KB", "",
                 f"median of {pages} pages; max {max(sizes['data']) / 1024:.1f} KB (UTF-8, in the HTML)"),
             Row("player", "player's own files (JS, CSS)", player / 1024, "KB", "", ", ".join(PLAYER_FILES) + "; not minified"),
             Row("player", "everything a scenario page loads", statistics.median(sizes["page"]) / 1024, "KB", "",
                 f"median of {pages} pages, from disk; largest: " + ", ".join(
                     f"{name} {size / 1024:.0f} KB" for name, size in sorted(files.items(), key=lambda f: -f[1])[:3]))]
    return rows
