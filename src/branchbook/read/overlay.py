"""Translation overlays: ``course.LL.yml``, ``modules/<id>.LL.md``, ``scenarios/<id>.LL.yml``.

An overlay is read exactly as its original is (same YAML reader, same line marks, the module's
reading as the body after the front matter), so that every problem in it names ``file:line:col``.
What it may contain is judged by :mod:`branchbook.check.translations`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..messages import message
from ..problems import Problem
from ..source_map import SourceMap
from . import markdown_source, yaml_source

Kind = Literal["course", "module", "scenario"]
LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")
"""ISO 639-1: the two letters between the file's name and its extension (``the-appeal.fr.yml``)."""


def overlay_path(original: Path, language: str) -> Path:
    """Where the ``language`` overlay of ``original`` lives: beside it, the language before the extension."""
    return original.with_name(f"{original.stem}.{language}{original.suffix}")


def is_overlay(path: Path) -> bool:
    """True for ``the-appeal.fr.yml``: ids have no dots, so a dotted stem is never an original."""
    stem, dot, language = path.stem.rpartition(".")
    return bool(dot and stem and LANGUAGE_CODE.match(language))


@dataclass
class Overlay:
    """One overlay file as read: its data (a mapping, or None when unreadable), marks and problems."""

    kind: Kind
    path: Path
    shown: str
    data: dict[str, Any] | None
    marks: SourceMap
    problems: list[Problem] = field(default_factory=list)


def read(kind: Kind, path: Path, shown: str, lang: str = "en") -> Overlay:
    """Read one overlay; a module overlay's body becomes its ``reading`` field, as for a module.
    ``lang``: the course's language, for the problems."""
    if kind == "module":
        data, marks, problems, _ = markdown_source.read(path, shown, lang)
        if isinstance(data, dict) and not data["reading"].strip():
            del data["reading"]  # no body: the reading is not translated (yet)
    else:
        data, marks, problems = yaml_source.read(path, shown, lang)
    if data is not None and not isinstance(data, dict):
        problems = problems + [marks.problem((), message("read.overlay.not_mapping", lang),
                                             message("read.overlay.not_mapping_hint", lang))]
        data = None
    return Overlay(kind, path, shown, data, marks, list(problems))
