"""Where checking on every core starts to pay: a cold check of courses of growing size, with the files
checked in order here and by forked workers (scenarios reworded per copy, so that no run finds the texts
of another). ``branchbook.parallel.MIN_ITEMS`` should sit where the ratio drops below 1 on the machine
that matters."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from . import Row
from ._courses import REPO, scaled_course


def _cold_seconds(course: Path) -> float:
    from branchbook import check_cache
    from branchbook.check import deidentify, measures
    from branchbook.load import load_course

    shutil.rmtree(course / "book" / "_build", ignore_errors=True)
    check_cache._MEMORY.clear()
    deidentify.forget()  # what the last run found clean: the workers would inherit it
    measures.to_plain.cache_clear()
    started = time.perf_counter()
    load_course(course)
    return time.perf_counter() - started


def run(quick: bool) -> list[Row]:
    from branchbook import parallel

    rows = []
    sizes = (3,) if quick else (1, 2, 4, 8, 16, 32, 64)
    threshold = parallel.MIN_ITEMS
    try:
        for count in sizes:
            with tempfile.TemporaryDirectory() as tmp:
                course = scaled_course(REPO, Path(tmp) / "course", count, clones=False)
                files = count + len(list((course / "modules").glob("*.md")))
                times = {}
                for mode, minimum in (("in order", 10**9), ("workers", 1)) * (1 if quick else 2):
                    parallel.MIN_ITEMS = minimum
                    times[mode] = min(times.get(mode, float("inf")), _cold_seconds(course))
            rows.append(Row("workers", f"{files} files, cold: workers ÷ in order", times["workers"] / times["in order"],
                            "×", "", f"in order {times['in order']:.2f} s, workers {times['workers']:.2f} s; "
                            f"{parallel.cores()} cores; MIN_ITEMS is {threshold}"))
    finally:
        parallel.MIN_ITEMS = threshold
    return rows
