"""Problems found while reading or checking, reported all together as ``file:line:col``."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    col: int
    message: str
    hint: str | None = None
    severity: Severity = "error"

    def format(self) -> str:
        text = f"{self.file}:{self.line}:{self.col}: {self.severity}: {self.message}"
        return text + (f"\n    hint: {self.hint}" if self.hint else "")


@dataclass
class Report:
    """Collects problems from every stage so that a user sees all of them in one run."""

    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return sorted(p for p in set(self.problems) if p.severity == "error")

    @property
    def warnings(self) -> list[Problem]:
        return sorted(p for p in set(self.problems) if p.severity == "warning")

    def failed(self, strict: bool = False) -> bool:
        return bool(self.errors or (strict and self.warnings))


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """A hint naming the closest known id, or listing the few there are."""
    pool = sorted(set(candidates))
    close = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    if 0 < len(pool) <= 8:
        return "known: " + ", ".join(pool)
    return None


def display_path(path: Path, root: Path) -> str:
    """Paths relative to the course root when possible: shorter, and stable across machines."""
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)
