"""Module files: YAML front matter between ``---`` lines, then the Markdown reading."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..check.problems import Problem
from . import yaml_source
from .yaml_source import SourceMap


def read(path: Path, display: str) -> tuple[Any, SourceMap, list[Problem], int]:
    """Return (front matter with ``reading`` added, source map, problems, first line of the body)."""
    try:
        raw = path.read_bytes()
    except OSError as err:
        return None, SourceMap(display), [Problem(display, 1, 1, f"cannot read file: {err.strerror}")], 1
    text, problems = yaml_source.decode(raw, display)
    if text is None:
        return None, SourceMap(display), problems, 1
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return None, SourceMap(display), problems + [
            Problem(display, 1, 1, "a module file must start with a '---' line opening its front matter",
                    "see docs/authoring.md, 'A module file'")], 1
    close = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if close is None:
        return None, SourceMap(display), problems + [
            Problem(display, 1, 1, "the front matter is never closed by a second '---' line")], 1
    data, marks, more = yaml_source.parse("".join(lines[1:close]), display, line_offset=1)
    problems += more
    body_line = close + 2
    if isinstance(data, dict):
        data["reading"] = "".join(lines[close + 1:]).strip("\n") + "\n"
        marks[("reading",)] = yaml_source.Mark(body_line, 1, "body")
    elif data is not None:
        problems.append(marks.problem((), "the front matter must be a mapping of fields (id, title, …)"))
        data = None
    return data, marks, problems, body_line
