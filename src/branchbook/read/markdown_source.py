"""Module files: YAML front matter between ``---`` lines, then the Markdown reading."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..messages import message
from ..problems import Problem
from ..source_map import Mark, SourceMap
from . import yaml_source


def _lines(text: str) -> list[str]:
    """Lines with their endings, split at '\\n' only (as editors number them; ``str.splitlines``
    would also split at form feeds and other separators and so miscount)."""
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def read(path: Path, display: str, lang: str = "en") -> tuple[Any, SourceMap, list[Problem], int]:
    """Return (front matter with ``reading`` added, source map, problems, first line of the body);
    ``lang``: the course's language, for the problems."""
    try:
        raw = path.read_bytes()
    except OSError as err:
        return None, SourceMap(display), [Problem(display, 1, 1,
                                                  message("read.cannot_read", lang, reason=err.strerror))], 1
    text, problems = yaml_source.decode(raw, display, lang)
    if text is None:
        return None, SourceMap(display), problems, 1
    lines = _lines(text.replace("\r\n", "\n"))  # Windows line ends: same lines, and a reading without '\r'
    if not lines or lines[0].strip() != "---":
        return None, SourceMap(display), problems + [
            Problem(display, 1, 1, message("read.markdown.no_opening", lang),
                    message("read.markdown.no_opening_hint", lang))], 1
    close = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if close is None:
        return None, SourceMap(display), problems + [
            Problem(display, 1, 1, message("read.markdown.not_closed", lang),
                    message("read.markdown.not_closed_hint", lang))], 1
    data, marks, more = yaml_source.parse("".join(lines[1:close]), display, line_offset=1, lang=lang)
    problems += more
    body = "".join(lines[close + 1:])
    reading = body.lstrip("\n")
    body_line = close + 2 + (len(body) - len(reading))  # the line where ``reading`` starts
    if isinstance(data, dict):
        if "reading" in data:
            problems.append(marks.problem(("reading", "[key]"), message("read.markdown.reading_field", lang),
                                          message("read.markdown.reading_field_hint", lang)))
        data["reading"] = reading.rstrip("\n") + "\n"
        marks[("reading",)] = Mark(body_line, 1, "body")
    elif data is not None:
        problems.append(marks.problem((), message("read.markdown.not_mapping", lang)))
        data = None
    return data, marks, problems, body_line
