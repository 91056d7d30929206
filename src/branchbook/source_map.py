"""Where every value of a course file was written: a :class:`Mark` per data path, so that the reader
and every check report ``file:line:col``.

It sits below both ``read/`` (which records the marks) and ``check/`` (which reports at them).
"""

from __future__ import annotations

import bisect
import re
from typing import Any, NamedTuple

from .problems import Problem

LINE_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")  # what PyYAML counts as a line break

DataPath = tuple[Any, ...]


class Mark(NamedTuple):
    """Where a value was written. A named tuple, not a frozen dataclass: the reader makes one per value and
    per key (hundreds a file), and a named tuple is made in under half the time (and is a little smaller)."""

    line: int  # 1-based
    col: int  # 1-based
    style: str | None = None  # '|' or '>' for block scalars: their text starts on the next line; 'body' for Markdown
    index: int | None = None  # character offset of the value in the parsed text
    end: int | None = None  # character offset just after the value

    def line_of(self, text: str, offset: int) -> int:
        """The source line of ``text[offset]`` for a string value that starts at this mark (an estimate:
        :meth:`SourceMap.position` is exact where it can be)."""
        first = self.line + (1 if self.style in ("|", ">") else 0)
        return first + text.count("\n", 0, offset)


class SourceMap(dict):
    """``path tuple -> Mark``; ``(…, '[key]')`` holds where a mapping key itself is written."""

    def __init__(self, file: str, line_offset: int = 0, source: str | None = None):
        super().__init__()
        self.file = file
        self.line_offset = line_offset
        self.source = source  # the text the marks' ``index`` and ``end`` point into
        self.refused: set[DataPath] = set()  # paths whose value was refused while reading (reported already)
        self._starts: list[int] | None = None  # where each line of ``source`` starts, computed when first needed

    def find(self, path: DataPath) -> Mark:
        """The mark of ``path`` or of its nearest recorded ancestor."""
        path = tuple(path)
        while path:
            if path in self:
                return self[path]
            path = path[:-1]
        return self.get((), Mark(1 + self.line_offset, 1))

    def problem(self, path: DataPath, message: str, hint: str | None = None, severity="error") -> Problem:
        mark = self.find(path)
        return Problem(self.file, mark.line, mark.col, message, hint, severity)

    def problem_at(self, path: DataPath, text: str, offset: int, message: str, hint: str | None = None,
                   severity="error") -> Problem:
        """A problem at ``text[offset]``, where ``text`` is the string value found at ``path``."""
        line, col = self.position(path, text, offset)
        return Problem(self.file, line, col, message, hint, severity)

    def position(self, path: DataPath, text: str, offset: int) -> tuple[int, int]:
        """``(line, col)`` in the file of ``text[offset]``, where ``text`` is the string value at ``path``.

        Exact for Markdown bodies, for one-line plain and quoted scalars (escapes included), and for
        block scalars and multi-line text wherever the characters at ``offset`` appear as written;
        otherwise the start of the value's line.
        """
        path = tuple(path)
        mark = self.get(path)
        if mark is None:
            mark = self.find(path)
            return mark.line, mark.col
        if mark.style == "body":  # the value is the source text itself
            start = text.rfind("\n", 0, offset) + 1
            line = mark.line + text.count("\n", 0, offset)
            return line, offset - start + (mark.col if start == 0 else 1)
        if self.source is not None and mark.index is not None and mark.end is not None:
            found = _locate(self.source[mark.index:mark.end], mark.style, text, offset)
            if found is not None:
                return self._line_col(mark.index + found)
        line = mark.line_of(text, offset)
        return line, mark.col if line == mark.line else 1

    def _line_col(self, index: int) -> tuple[int, int]:
        """1-based line (with the offset) and column of ``self.source[index]``, breaking lines as PyYAML does."""
        assert self.source is not None
        if self._starts is None:
            self._starts = [0] + [brk.end() for brk in LINE_BREAK.finditer(self.source)]
        line = bisect.bisect_right(self._starts, index)
        return line + self.line_offset, index - self._starts[line - 1] + 1


def _locate(raw: str, style: str | None, text: str, offset: int) -> int | None:
    """Where in ``raw`` (a scalar as written) the value character ``text[offset]`` is written."""
    if offset < 0 or offset > len(text):
        return None
    if LINE_BREAK.search(raw) is None:
        if style is None and raw.rstrip() == text:
            return offset
        if style in ("'", '"'):
            return _in_quoted(raw, style, offset)
    line_end = text.find("\n", offset)
    line_end = len(text) if line_end < 0 else line_end
    word_end = re.compile(r"\s|$").search(text, offset).start()
    for needle in dict.fromkeys((text[offset:min(line_end, offset + 40)], text[offset:word_end])):
        if not needle:
            continue
        nth = _count(text, needle, offset)
        at = -1
        for _ in range(nth + 1):
            at = raw.find(needle, at + 1)
            if at < 0:
                break
        if at >= 0:
            return at
    return None


def _count(text: str, needle: str, before: int) -> int:
    """Occurrences of ``needle`` (overlapping) that start before ``before``."""
    count, at = 0, text.find(needle)
    while 0 <= at < before:
        count += 1
        at = text.find(needle, at + 1)
    return count


_ESCAPE_LENGTH = {"x": 4, "u": 6, "U": 10}


def _in_quoted(raw: str, style: str, offset: int) -> int | None:
    """Map a value offset into a one-line quoted scalar, stepping over escapes."""
    i, value = 1, 0
    while i < len(raw) - 1:
        if value == offset:
            return i
        if style == "'" and raw.startswith("''", i):
            i += 2
        elif style == '"' and raw[i] == "\\":
            i += _ESCAPE_LENGTH.get(raw[i + 1:i + 2], 2)
        else:
            i += 1
        value += 1
    return i if value == offset else None
