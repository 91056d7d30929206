"""branchbook's benchmarks: ``python -m benchmarks`` runs them all in one go and prints a table and JSON.

Each benchmark is a module of this package defining ``run(quick: bool) -> list[Row]`` (found by
name, so adding a module adds its rows; modules starting with ``_`` are helpers). ``quick`` runs
a small version, for the test that keeps every benchmark working (tests/test_benchmarks.py).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import asdict, dataclass


@dataclass
class Row:
    """One measured figure: ``what`` was measured, its ``value`` in ``unit``, against a ``goal`` if there is one."""

    benchmark: str
    what: str
    value: float
    unit: str
    goal: str = ""
    note: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def registry() -> dict[str, Callable[[bool], list[Row]]]:
    """Benchmark name -> its ``run``, for every benchmark module of this package, in name order."""
    found = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            found[info.name] = importlib.import_module(f"{__name__}.{info.name}").run
    return found
