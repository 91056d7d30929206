"""How much the incremental build saves: a full build, a no-change rebuild, and a rebuild after
one scenario's text changed, measured in one run on a copy of a course.

    python benchmarks/bench_build.py [COURSE] [--handouts]

Prints seconds for each and the ratios to the full build. Also times `check` alone.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from branchbook.build import build
from branchbook.load import load_course


def timed(action) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("course", nargs="?", default=str(Path(__file__).parent.parent))
    parser.add_argument("--handouts", action="store_true", help="include the Typst handouts in every build")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "course"
        source = Path(args.course)
        for folder in ("modules", "scenarios"):
            shutil.copytree(source / folder, root / folder)
        (root / "book").mkdir()
        for name in ("course.yml", "denylist.sha256", "book/_config.yml", "book/intro.md", "book/references.bib"):
            if (source / name).exists():
                shutil.copy2(source / name, root / name)
        check_s, loaded = timed(lambda: load_course(root))
        course = loaded.course
        full_s, _ = timed(lambda: build(course, handouts=args.handouts, rebuild_all=True))
        same_s, same = timed(lambda: build(course, handouts=args.handouts))
        first = next(root.glob("scenarios/*.yml"))
        first.write_text(first.read_text(encoding="utf-8").replace("text: |", "text: |\n      (Edited.)", 1),
                         encoding="utf-8")
        course = load_course(root).course
        one_s, one = timed(lambda: build(course, handouts=args.handouts))
    print(f"course: {args.course}  ({len(course.scenarios)} scenarios, {len(course.modules)} modules)")
    print(f"check (load + all rules)     {check_s:7.2f} s")
    print(f"full build                   {full_s:7.2f} s   1.00")
    print(f"rebuild, nothing changed     {same_s:7.2f} s   {same_s / full_s:.2f}  ({len(same.written)} files written)")
    print(f"rebuild, one scenario edited {one_s:7.2f} s   {one_s / full_s:.2f}  ({len(one.written)} files written)")


if __name__ == "__main__":
    main()
