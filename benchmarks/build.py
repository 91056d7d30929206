"""How much the incremental build saves: a full build, a no-change rebuild, and a rebuild after one
scenario's text changed, measured in one run on a copy of the shipped course (without handouts;
``python -m benchmarks.build --handouts`` includes them)."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from . import Row
from ._courses import REPO, copy_course, touch_one_scenario


def _timed(action) -> tuple[float, object]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def measure(source: Path, handouts: bool) -> list[Row]:
    from branchbook.build import build
    from branchbook.load import load_course

    with tempfile.TemporaryDirectory() as tmp:
        root = copy_course(source, Path(tmp) / "course")
        course = load_course(root).course
        full_s, _ = _timed(lambda: build(course, handouts=handouts, rebuild_all=True))
        same_s, same = _timed(lambda: build(course, handouts=handouts))
        touch_one_scenario(root)
        course = load_course(root).course
        one_s, one = _timed(lambda: build(course, handouts=handouts))
    what = "with handouts" if handouts else "--no-handouts"
    return [Row("build", f"full build, {what}", full_s, "s"),
            Row("build", f"rebuild, nothing changed, {what}", same_s, "s", "",
                f"{same_s / full_s:.2f} of full; {len(same.written)} files written"),
            Row("build", f"rebuild, one scenario edited, {what}", one_s, "s", "",
                f"{one_s / full_s:.2f} of full; {len(one.written)} files written")]


def run(quick: bool) -> list[Row]:
    if quick:
        return measure(REPO / "tests" / "fixtures" / "mini", handouts=False)
    return measure(REPO, handouts=False)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("course", nargs="?", type=Path, default=REPO)
    parser.add_argument("--handouts", action="store_true", help="include the Typst handouts in every build")
    args = parser.parse_args()
    for row in measure(args.course, args.handouts):
        print(f"{row.what:<45} {row.value:7.2f} s  {row.note}")
