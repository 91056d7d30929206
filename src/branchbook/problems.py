"""Problems found while reading or checking, reported all together as ``file:line:col``.

Below both ``read/`` and ``check/``, which both report problems, so that neither imports the other."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Literal

from .messages import message
from .messages.formats import count

Severity = Literal["error", "warning", "notice"]  # a notice is reported, never fatal (not even with --strict)


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    col: int
    message: str
    hint: str | None = None
    severity: Severity = "error"

    def format(self, language: str = "en") -> str:
        """``file:line:col: error: message``, the framing words in the course's language."""
        text = message("check.problem", language, where=f"{self.file}:{self.line}:{self.col}",
                       severity=message(f"check.{self.severity}", language), message=self.message)
        return text + ("\n    " + message("check.hint", language, hint=self.hint) if self.hint else "")


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

    @property
    def notices(self) -> list[Problem]:
        return sorted(p for p in set(self.problems) if p.severity == "notice")

    def failed(self, strict: bool = False) -> bool:
        return bool(self.errors or (strict and self.warnings))


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate ``word`` is a near miss of, if any: a typo ('independance'), or a part or start
    of exactly one id ('fairness' for 'respondent-fairness'). Never a distant guess."""
    pool = sorted(set(candidates))
    close = difflib.get_close_matches(word, pool, n=1, cutoff=0.75)
    if close:
        return close[0]
    if len(word) >= 4:
        containing = [c for c in pool if word in c.split("-") or c.startswith(word)]
        if len(containing) == 1:
            return containing[0]
    return None


_LISTED = 20  # up to this many known ids are listed in a hint


def did_you_mean(word: str, candidates: Iterable[str], where: str | None = None,
                 language: str = "en") -> str | None:
    """A hint naming the id ``word`` is a near miss of; otherwise the known ids (and ``where`` they are
    declared), so that the author chooses rather than being steered to a distant one."""
    pool = sorted(set(candidates))
    close = closest(word, pool)
    if close:
        return message("check.did_you_mean", language, id=close)
    if 0 < len(pool) <= _LISTED:
        known = message("words.list_separator", language).join(pool)
        if where:
            return message("check.known_declared", language, ids=known, where=where)
        return message("check.known", language, ids=known)
    if where:
        return message("check.known_where", language, where=where)
    return None


def spaces(n: int, language: str = "en") -> str:
    """'1 space', '2 spaces': for hints that say how far to indent."""
    return count("check.spaces", n, language)


def display_path(path: Path, root: Path) -> str:
    """One path as :func:`display_paths` shows it."""
    return display_paths([path], root)[0]


def display_paths(paths: list[Path], root: Path) -> list[str]:
    """Paths relative to the course root when possible: shorter, and stable across machines.
    Each folder is resolved once, then only a file that is a link itself (resolving every path
    in full was a third of a warm check of a 1,000-scenario course)."""
    real_root, folders, shown = root.resolve(), {}, []
    for path in paths:
        if path.parent not in folders:
            folders[path.parent] = path.parent.resolve()
        real = folders[path.parent] / path.name
        if real.is_symlink() or path.name in ("", ".", ".."):
            real = path.resolve()
        try:
            shown.append(str(real.relative_to(real_root)))
        except ValueError:
            shown.append(str(path))
    return shown
