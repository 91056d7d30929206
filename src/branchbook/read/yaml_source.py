"""Load YAML safely, keeping where every value came from.

PyYAML's safe loader is only the start: it silently keeps the last of two duplicate keys,
expands aliases (the "billion laughs"), and its errors name no field. So we compose the node
graph with the safe loader, refuse aliases *before* anything is expanded, refuse any tag that is
not plain data, flag duplicate keys, and build the Python values ourselves while recording a
:class:`Mark` for every path, so that later stages can report ``file:line:col``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..check.problems import Problem

MAX_BYTES = 1_000_000
"""Course files are hand-written text; anything larger is refused before parsing."""

_PLAIN_TAGS = {
    "tag:yaml.org,2002:" + t for t in ("str", "int", "float", "bool", "null", "map", "seq")
}

DataPath = tuple[Any, ...]


@dataclass(frozen=True)
class Mark:
    line: int  # 1-based
    col: int  # 1-based
    style: str | None = None  # '|' or '>' for block scalars: their text starts on the next line

    def line_of(self, text: str, offset: int) -> int:
        """The source line of ``text[offset]`` for a string value that starts at this mark."""
        first = self.line + (1 if self.style in ("|", ">") else 0)
        return first + text.count("\n", 0, offset)


class SourceMap(dict):
    """``path tuple -> Mark``; ``(…, '[key]')`` holds where a mapping key itself is written."""

    def __init__(self, file: str, line_offset: int = 0):
        super().__init__()
        self.file = file
        self.line_offset = line_offset

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


class _NoAliasLoader(yaml.SafeLoader):
    def compose_node(self, parent, index):  # noqa: D401 - PyYAML hook
        if self.check_event(AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, f"an alias (*{event.anchor}) is used here; course files do not allow anchors and aliases",
                event.start_mark,
            )
        return super().compose_node(parent, index)


def decode(raw: bytes, file: str) -> tuple[str | None, list[Problem]]:
    """Bytes → text, with the problems a non-programmer's editor can cause, named plainly."""
    if len(raw) > MAX_BYTES:
        return None, [Problem(file, 1, 1, f"file is {len(raw):,} bytes; the limit is {MAX_BYTES:,}",
                              "split it into smaller files, or remove pasted binary content")]
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        return None, [Problem(file, line, 1, "file contains a NUL byte: it looks binary, not text",
                              "save it as plain UTF-8 text")]
    problems = []
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
        problems.append(Problem(file, 1, 1, "file starts with a byte-order mark (BOM); it was ignored",
                                "save as 'UTF-8' rather than 'UTF-8 with BOM'", "warning"))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        before = raw[: err.start]
        line = before.count(b"\n") + 1
        col = len(before) - (before.rfind(b"\n") + 1) + 1
        return None, problems + [Problem(file, line, col, f"file is not valid UTF-8 (byte 0x{raw[err.start]:02x})",
                                         "save the file with UTF-8 encoding")]
    if not text.strip():
        return None, problems + [Problem(file, 1, 1, "file is empty", "see docs/authoring.md for what it must contain")]
    return text, problems


def parse(text: str, file: str, line_offset: int = 0) -> tuple[Any, SourceMap, list[Problem]]:
    """Parse YAML text into plain data and its source map; problems instead of exceptions."""
    marks = SourceMap(file, line_offset)
    loader = _NoAliasLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = (mark.line + 1 if mark else 1) + line_offset
        col = mark.column + 1 if mark else 1
        message = " ".join(str(part) for part in (err.context, err.problem) if part)
        hint = "check indentation and quoting near here; quote text that contains ': ' or starts with a symbol"
        if "alias" in message:
            hint = "write the value out in full"
        return None, marks, [Problem(file, line, col, f"YAML syntax: {message}", hint)]
    except yaml.YAMLError as err:
        return None, marks, [Problem(file, 1 + line_offset, 1, f"YAML error: {err}")]
    finally:
        loader.dispose()
    if root is None:
        return None, marks, [Problem(file, 1 + line_offset, 1, "file has no content")]
    problems: list[Problem] = []
    data = _build(root, (), marks, problems)
    return data, marks, problems


def _mark(node: Node, offset: int) -> Mark:
    style = node.style if isinstance(node, ScalarNode) else None
    return Mark(node.start_mark.line + 1 + offset, node.start_mark.column + 1, style)


def _build(node: Node, path: DataPath, marks: SourceMap, problems: list[Problem]) -> Any:
    marks[path] = _mark(node, marks.line_offset)
    if node.tag not in _PLAIN_TAGS:
        problems.append(marks.problem(path, f"the tag {node.tag!r} is not allowed: course files hold plain data only",
                                      "remove the tag (the part starting with '!')"))
        return None
    if isinstance(node, MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = yaml.SafeLoader("").construct_object(key_node) if isinstance(key_node, ScalarNode) else None
            if key_node.tag not in _PLAIN_TAGS or not isinstance(key, (str, int)) or isinstance(key, bool):
                problems.append(Problem(marks.file, key_node.start_mark.line + 1 + marks.line_offset,
                                        key_node.start_mark.column + 1, "a key must be plain text or a number",
                                        "write keys as plain words, e.g. 'title:'"))
                continue
            key = str(key)
            if key in result:
                first = marks[path + (key, "[key]")]
                problems.append(Problem(marks.file, key_node.start_mark.line + 1 + marks.line_offset,
                                        key_node.start_mark.column + 1,
                                        f"duplicate key '{key}' (first written at line {first.line})",
                                        "YAML keeps only one of them: remove or rename one"))
                continue
            marks[path + (key, "[key]")] = _mark(key_node, marks.line_offset)
            result[key] = _build(value_node, path + (key,), marks, problems)
        return result
    if isinstance(node, SequenceNode):
        return [_build(item, path + (i,), marks, problems) for i, item in enumerate(node.value)]
    return yaml.SafeLoader("").construct_object(node)


def read(path: Path, display: str) -> tuple[Any, SourceMap, list[Problem]]:
    """Read and parse one YAML file."""
    try:
        raw = path.read_bytes()
    except OSError as err:
        return None, SourceMap(display), [Problem(display, 1, 1, f"cannot read file: {err.strerror}")]
    text, problems = decode(raw, display)
    if text is None:
        return None, SourceMap(display), problems
    data, marks, more = parse(text, display)
    return data, marks, problems + more
