"""``branchbook check``: the shipped course as a user runs it (a whole new process), and courses grown
to 10, 100 and 1,000 scenarios, cold (no cache) and warm (one scenario changed since the last check);
the 100 and 1,000 cold also with each copy's prose reworded, since clones repeat every text.

Cold and warm-from-disk are timed inside a new process (so each starts with nothing in memory),
without the interpreter's start and imports, which are shown apart; "warm, same process" is the
check after an edit in a process that checked before (as ``serve`` does); both warm figures are the
median of three edits, each checked in a new process. Peak memory is the
largest resident size of the checking process, and of its largest worker when it used workers.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from . import Row
from ._courses import REPO, copy_course, median_seconds, run_cli, scaled_course, touch_one_scenario

CHILD = Path(__file__).parent / "_check_child.py"


def _child(course: Path, *flags: str) -> dict:
    done = subprocess.run([sys.executable, str(CHILD), str(course), *flags], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def _median_after_an_edit(course: Path, runs: int, *flags: str) -> dict:
    """The median (by seconds) of ``runs`` checks in a new process, each after one scenario was changed again."""
    results = []
    for _ in range(runs):
        touch_one_scenario(course)
        results.append(_child(course, *flags))
    return sorted(results, key=lambda result: result["seconds"])[len(results) // 2]


def _cli_rows(quick: bool) -> list[Row]:
    runs = 1 if quick else 5
    with tempfile.TemporaryDirectory() as tmp:
        course = copy_course(REPO, Path(tmp) / "course")
        cache = course / "book" / "_build" / ".cache"

        def cold():
            shutil.rmtree(cache, ignore_errors=True)
            assert run_cli("check", str(course)).returncode == 0

        cold_s = median_seconds(cold, runs)
        warm_s = median_seconds(lambda: run_cli("check", str(course)), runs)
        version_s = median_seconds(lambda: run_cli("--version"), runs)
    note = f"median of {runs}, whole process; processor {{:.2f}} s"
    return [Row("check", "shipped course, CLI, no cache", cold_s[0], "s", "≤ 0.5", note.format(cold_s[1])),
            Row("check", "shipped course, CLI, cache warm", warm_s[0], "s", "≤ 0.5", note.format(warm_s[1])),
            Row("check", "`branchbook --version` (start-up alone)", version_s[0], "s", "", note.format(version_s[1]))]


def _scale_rows(quick: bool) -> list[Row]:
    sizes = (4, 8) if quick else (10, 100, 1000)
    rows: list[Row] = []
    previous: dict[str, float] = {}
    previous_count = 0
    for count in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            course = scaled_course(REPO, Path(tmp) / "course", count)
            cold = _child(course)
            assert cold["errors"] == cold["warnings"] == 0, f"the {count}-scenario course does not check clean"
            warm = _median_after_an_edit(course, 1 if quick else 3)
            same = _median_after_an_edit(course, 1 if quick else 3, "--touch")
        figures = {"cold": cold["seconds"], "warm": warm["seconds"], "warm, same process": same["seconds"]}
        measured = {"cold": cold, "warm": warm, "warm, same process": same}
        goals = {1000: {"cold": "≤ 5", "warm": "≤ 0.3", "warm, same process": "≤ 0.3"}}.get(count, {})
        for what, seconds in figures.items():
            growth = f"×{seconds / previous[what]:.1f} for ×{count // previous_count} files" if what in previous else ""
            rows.append(Row("check", f"{count} scenarios, {what}", seconds, "s", goals.get(what, ""),
                            f"{growth}; processor {measured[what]['cpu_seconds']:.2f} s; "
                            f"files parsed: {measured[what]['parses']}"
                            f"{'' if what == 'cold' or quick else '; median of 3 edits'}".lstrip("; ")))
        rows.append(Row("check", f"{count} scenarios, cold, peak memory", max(cold["max_rss_mb"], cold["workers_max_rss_mb"]),
                        "MB", "≤ 300" if count == 1000 else "",
                        f"checking process {cold['max_rss_mb']:.0f} MB, largest worker {cold['workers_max_rss_mb']:.0f} MB"))
        rows.append(Row("check", f"{count} scenarios, new process start-up + imports", warm["import_seconds"], "s"))
        if count >= 100 or quick:
            rows.append(_reworded_row(count))
        previous, previous_count = figures, count
    return rows


def _reworded_row(count: int) -> Row:
    """The cold check again on copies whose prose is reworded per copy (``scaled_course(clones=False)``): in
    the cloned course every text recurs, and what the check remembers across files (texts found clean,
    measured words) makes clones cheaper than a real course of that size would be."""
    with tempfile.TemporaryDirectory() as tmp:
        cold = _child(scaled_course(REPO, Path(tmp) / "course", count, clones=False))
    assert cold["errors"] == cold["warnings"] == 0, f"the reworded {count}-scenario course does not check clean"
    return Row("check", f"{count} scenarios, reworded (not clones), cold", cold["seconds"], "s",
               "≤ 5" if count == 1000 else "", f"processor {cold['cpu_seconds']:.2f} s; "
               f"peak memory {max(cold['max_rss_mb'], cold['workers_max_rss_mb']):.0f} MB")


def run(quick: bool) -> list[Row]:
    return _cli_rows(quick) + _scale_rows(quick)
