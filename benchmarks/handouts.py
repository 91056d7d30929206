"""All handouts of a copy of the shipped course, as ``branchbook handouts --out DIR`` (the whole
command, a new process): cold (no handout cache, no PDFs), warm (cache kept, nothing changed) and
after one scenario's text changed; median wall-clock and processor seconds of a few runs, and how
many PDFs each run compiled (new entries in the handout cache)."""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from . import Row
from ._courses import REPO, copy_course, run_cli, touch_one_scenario


def _run(course: Path, out: Path, cache: Path) -> tuple[float, float, int]:
    """Wall and processor seconds of one ``branchbook handouts`` run, and the PDFs it compiled."""
    before_keys = set(p.name for p in cache.iterdir()) if cache.is_dir() else set()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = run_cli("handouts", str(course), "--out", str(out))
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"branchbook handouts failed:\n{done.stdout}{done.stderr}")
    compiled = len(set(p.name for p in cache.iterdir()) - before_keys)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, compiled


def measure(source: Path, runs: int) -> list[Row]:
    results: dict[str, list[tuple[float, float, int]]] = {"cold": [], "warm": [], "edit": []}
    with tempfile.TemporaryDirectory() as tmp:
        course = copy_course(source, Path(tmp) / "course")
        out, cache = Path(tmp) / "pdf", course / "book" / "_build" / ".cache" / "handouts"
        for _ in range(runs):
            shutil.rmtree(cache, ignore_errors=True)
            shutil.rmtree(out, ignore_errors=True)
            results["cold"].append(_run(course, out, cache))
        for _ in range(runs):
            results["warm"].append(_run(course, out, cache))
        for _ in range(runs):
            touch_one_scenario(course)  # a new change each time (not timed)
            results["edit"].append(_run(course, out, cache))
        total = len(list(out.rglob("*.pdf")))
    rows = []
    for key, what, goal in (("cold", "all handouts, cold (no cache)", "≤ 5"),
                            ("warm", "all handouts, warm (nothing changed)", ""),
                            ("edit", "all handouts after one scenario edit", "")):
        walls, cpus, compiled = zip(*results[key])
        rows.append(Row("handouts", what, statistics.median(walls), "s", goal,
                        f"median of {runs}: {[round(w, 2) for w in walls]}; processor {statistics.median(cpus):.2f} s; "
                        f"PDFs compiled: {max(compiled)} of {total}"))
    return rows


def run(quick: bool) -> list[Row]:
    return measure(REPO / "tests" / "fixtures" / "mini", runs=1) if quick else measure(REPO, runs=3)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("course", nargs="?", type=Path, default=REPO)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for row in measure(args.course, args.runs):
        print(f"{row.what:<40} {row.value:7.2f} s  {row.note}")
