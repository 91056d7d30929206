"""Load YAML safely, keeping where every value came from.

PyYAML's safe loader is only the start: it silently keeps the last of two duplicate keys,
expands aliases (the "billion laughs"), and its errors name no field. So we compose the node
graph ourselves, refuse aliases *before* anything is expanded, refuse any tag that is not plain
data, flag duplicate keys, and build the Python values ourselves while recording a
:class:`Mark` for every path, so that later stages can report ``file:line:col``.

The events come from libyaml's parser (written in C, over ten times faster) when PyYAML has it,
else from PyYAML's pure-Python parser. A file with any problem (or a tab, which libyaml accepts in
places PyYAML refuses) is parsed again by the pure-Python parser, so that problems are located and
worded the same whichever parser is installed.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..messages import message
from ..messages.formats import number
from ..problems import Problem, spaces
from ..source_map import LINE_BREAK, DataPath, Mark, SourceMap

MAX_BYTES = 1_000_000
"""Course files are hand-written text; anything larger is refused before parsing."""

MAX_DEPTH = 64
"""Mappings and lists nested deeper than this are refused (the course's own shapes need fewer than 10)."""

_CORE = "tag:yaml.org,2002:"
_STR = _CORE + "str"
_PLAIN_TAGS = {_CORE + t for t in ("str", "int", "float", "bool", "null", "map", "seq")}


class _Resolver(yaml.resolver.Resolver):
    """YAML 1.1's implicit types minus timestamps: a date written in text stays the text as written."""


_Resolver.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _CORE + "timestamp"]
    for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
}


class _Refused(yaml.composer.ComposerError):
    """A refusal of the composer, worded later from the catalogue (``key`` and its ``values``)."""

    def __init__(self, key: str, mark, **values):
        super().__init__(None, None, message(key, "en", **values), mark)
        self.key, self.values = key, values


class _Composer(yaml.composer.Composer):
    """PyYAML's composer, refusing aliases before they are expanded and nesting past :data:`MAX_DEPTH`."""

    def __init__(self):
        super().__init__()
        self._depth = 0

    def compose_node(self, parent, index):  # noqa: D401 - PyYAML hook
        if self.check_event(AliasEvent):
            event = self.peek_event()
            raise _Refused("read.yaml.alias", event.start_mark, anchor=event.anchor)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused("read.yaml.too_deep", self.peek_event().start_mark, depth=MAX_DEPTH)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _PythonLoader(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, _Composer, _Resolver):
    def __init__(self, stream):
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        _Composer.__init__(self)
        _Resolver.__init__(self)


try:
    from yaml.cyaml import CParser
except ImportError:  # PyYAML built without libyaml
    _LIBYAML = None
else:
    class _LibyamlLoader(_Composer, CParser, _Resolver):  # the composer first: libyaml's own would expand aliases
        def __init__(self, stream):
            CParser.__init__(self, stream)
            _Composer.__init__(self)
            _Resolver.__init__(self)

    _LIBYAML = _LibyamlLoader

    class _ComposedInC(CParser, _Resolver):  # libyaml's parser and PyYAML's compiled composer (see _parse_composed)
        """The compiled composer calls back into the resolver for every node (hundreds a file): these give
        :class:`_Resolver`'s tags with less work, as it has no path resolvers (descending and ascending do
        nothing) and no implicit resolvers tried whatever a scalar's first character."""

        def __init__(self, stream):
            CParser.__init__(self, stream)
            _Resolver.__init__(self)

        def descend_resolver(self, current_node, current_index):
            pass

        def ascend_resolver(self):
            pass

        def resolve(self, kind, value, implicit):
            if kind is not ScalarNode:
                return super().resolve(kind, value, implicit)
            if implicit[0]:
                for tag, pattern in self.yaml_implicit_resolvers.get(value[:1], ()):
                    if pattern.match(value):
                        return tag
            return _STR


class _Unusual(Exception):
    """The compiled composer's tree holds an alias or nests deeper than allowed: the careful route decides.
    (From :func:`_plain`: the tree is not plain data, and :func:`_build` decides.)"""


def _single_node(loader_class, text: str) -> Node | None:
    loader = loader_class(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


_PLAIN_MESSAGES = [  # (words in PyYAML's problem, the catalogue key of what to say instead; its _hint: what to do)
    ("found character '\\t' that cannot start any token", "read.yaml.tab"),
    ("mapping values are not allowed here", "read.yaml.colon"),
    ("expected <block end>, but found '?'", "read.yaml.field_in_list"),
    ("expected <block end>, but found '-'", "read.yaml.item_in_mapping"),
    ("expected <block end>, but found '<block", "read.yaml.indented_further"),
    ("could not find expected ':'", "read.yaml.no_colon"),
    ("expected a single document in the stream", "read.yaml.second_document"),
]


_KEY_ONLY = re.compile(r"^( *)([^\s#:][^:#]*):\s*(#.*)?$")  # 'name:' with its value on the lines below


def _indent(line: str) -> int | None:
    """Spaces before the content of a line; None for a blank or comment-only line."""
    stripped = line.lstrip(" ")
    return None if not stripped.strip() or stripped.startswith("#") else len(line) - len(stripped)


def _misindented_key(lines: list[str], at: int, col: int, lang: str = "en") -> tuple[int, str, str] | None:
    """When a line at column ``col`` (0-based) breaks a block mapping, find the line whose indentation
    went wrong: a field written left of the fields it lines up with (a dedented scene), or the
    breaking line itself when it lines up with nothing above it. (line index, message, hint), or None."""
    def back(start: int, below: int) -> tuple[int, int] | None:  # the nearest line above with indent < below
        for i in range(start, -1, -1):
            indent = _indent(lines[i])
            if indent is not None and indent < below:
                return i, indent
        return None

    above = back(at - 1, col)
    if above is None:
        return None
    k, k_indent = above
    key = _KEY_ONLY.match(lines[k])
    sibling = back(k - 1, col + 1)
    if key and sibling and _indent(lines[sibling[0]]) == col and _KEY_ONLY.match(lines[sibling[0]]):
        name, like = key.group(2).strip(), lines[sibling[0]].strip()
        return (k, message("read.yaml.dedented_key", lang, name=name, col=k_indent + 1, fields_col=col + 1),
                message("read.yaml.dedented_key_hint", lang, name=name, by=spaces(col - k_indent, lang), like=like,
                        line=sibling[0] + 1))
    level = next((_indent(lines[i]) for i in range(k + 1, at) if _indent(lines[i]) is not None), None)
    here = _KEY_ONLY.match(lines[at]) or re.match(r"^( *)([^:#]+):", lines[at])
    if level is not None and level > col and here:
        name = here.group(2).strip()
        return (at, message("read.yaml.unaligned_key", lang, name=name, col=col + 1, fields_col=level + 1),
                message("read.yaml.unaligned_key_hint", lang, name=name, by=spaces(level - col, lang)))
    return None


def _yaml_error(err: yaml.MarkedYAMLError, file: str, line_offset: int, text: str | None = None,
                lang: str = "en") -> Problem:
    problem = str(err.problem or "")
    mark = err.problem_mark or err.context_mark
    if "expected <block end>, but found '<block mapping start>'" in problem and text is not None and mark:
        found = _misindented_key(LINE_BREAK.split(text), mark.line, mark.column, lang)
        if found:
            line, said, hint = found
            col = (_indent(LINE_BREAK.split(text)[line]) or 0) + 1
            return Problem(file, line + 1 + line_offset, col, message("read.yaml.indentation", lang, message=said),
                           hint)
    if "end of stream" in problem and "quoted scalar" in str(err.context) and err.context_mark:
        mark = err.context_mark  # where the quote was opened, not the end of the file
        said, hint = message("read.yaml.unclosed_quote", lang), message("read.yaml.unclosed_quote_hint", lang)
    elif "while parsing a flow" in str(err.context) and err.context_mark and problem.startswith("expected ','"):
        opener, closer = ("{", "}") if "mapping" in str(err.context) else ("[", "]")
        found = problem.rsplit("but got ", 1)[-1]
        said = message("read.yaml.unclosed_flow", lang, closer=closer, found=found, opener=opener,
                       line=err.context_mark.line + 1 + line_offset, col=err.context_mark.column + 1)
        hint = message("read.yaml.unclosed_flow_hint", lang, opener=opener, closer=closer)
    elif isinstance(err, _Refused):
        said, hint = message(err.key, lang, **err.values), message(err.key + "_hint", lang)
    else:
        said_by_yaml = f"{err.context or ''} {problem}"
        plain = next((key for words, key in _PLAIN_MESSAGES if words in said_by_yaml), None)
        if plain:
            said, hint = message(plain, lang), message(plain + "_hint", lang)
        else:  # PyYAML's own words, which no catalogue has
            said, hint = problem or str(err.context), message("read.yaml.syntax_hint", lang)
            if err.context and err.problem and err.context_mark is not None:
                said = message("read.yaml.syntax_context", lang, message=said, context=err.context,
                               line=err.context_mark.line + 1 + line_offset, col=err.context_mark.column + 1)
    line = (mark.line + 1 if mark else 1) + line_offset
    col = mark.column + 1 if mark else 1
    return Problem(file, line, col, message("read.yaml.syntax", lang, message=said), hint)


def decode(raw: bytes, file: str, lang: str = "en") -> tuple[str | None, list[Problem]]:
    """Bytes → text, with the problems a non-programmer's editor can cause, named plainly."""
    if len(raw) > MAX_BYTES:
        return None, [Problem(file, 1, 1, message("read.yaml.too_big", lang, size=number(len(raw), lang),
                                                  limit=number(MAX_BYTES, lang)),
                              message("read.yaml.too_big_hint", lang))]
    if b"\x00" in raw:
        line, col = _byte_position(raw, raw.index(b"\x00"))
        return None, [Problem(file, line, col, message("read.yaml.nul", lang), message("read.yaml.nul_hint", lang))]
    problems = []
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
        problems.append(Problem(file, 1, 1, message("read.yaml.bom", lang), message("read.yaml.bom_hint", lang),
                                "warning"))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line, col = _byte_position(raw, err.start)
        return None, problems + [Problem(file, line, col, message("read.yaml.not_utf8", lang,
                                                                  byte=f"0x{raw[err.start]:02x}"),
                                         message("read.yaml.not_utf8_hint", lang))]
    if not text.strip():
        return None, problems + [Problem(file, 1, 1, message("read.yaml.empty", lang),
                                         message("read.yaml.what_it_holds_hint", lang))]
    return text, problems


def _byte_position(raw: bytes, index: int) -> tuple[int, int]:
    """1-based line and column (in characters, as an editor counts them) of ``raw[index]``."""
    before = raw[:index]
    start = before.rfind(b"\n") + 1
    return before.count(b"\n") + 1, len(before[start:].decode("utf-8", errors="replace")) + 1


def parse(text: str, file: str, line_offset: int = 0, lang: str = "en") -> tuple[Any, SourceMap, list[Problem]]:
    """Parse YAML text into plain data and its source map; problems instead of exceptions."""
    if _LIBYAML is not None and "\t" not in text:  # libyaml accepts some tabs that PyYAML refuses
        parsed = _parse_composed(text, file, line_offset, lang)
        if parsed is None:
            try:
                parsed = _parse(_LIBYAML, text, file, line_offset, lang)
            except ValueError:  # text libyaml cannot take at all (a lone surrogate): the pure-Python reader says why
                parsed = None
        if parsed is not None and not parsed[2]:
            return parsed
        # A file with problems is parsed again by the pure-Python parser, so that every problem is located and
        # worded as the messages above expect, whichever parser is installed.
    return _parse(_PythonLoader, text, file, line_offset, lang)


_LONG_ESCAPE = re.compile(r"\\U([0-9A-Fa-f]{8})")  # an escape in a double-quoted string: \U and eight hex digits


def _parse(loader_class, text: str, file: str, line_offset: int, lang: str) -> tuple[Any, SourceMap, list[Problem]]:
    marks = SourceMap(file, line_offset, text)
    try:
        root = _single_node(loader_class, text)
    except yaml.MarkedYAMLError as err:
        return None, marks, [_yaml_error(err, file, line_offset, text, lang)]
    except yaml.reader.ReaderError as err:  # a character YAML does not allow anywhere, e.g. a raw control character
        line, col = marks._line_col(err.position)
        return None, marks, [Problem(file, line, col, message("read.yaml.bad_character", lang,
                                                              code=f"U+{err.character:04X}"),
                                     message("read.yaml.bad_character_hint", lang))]
    except yaml.YAMLError as err:
        return None, marks, [Problem(file, 1 + line_offset, 1, message("read.yaml.error", lang, error=err))]
    except (ValueError, OverflowError):  # PyYAML's scanner turns an escape past Unicode's last character into chr()'s error
        escape = next((m for m in _LONG_ESCAPE.finditer(text) if int(m.group(1), 16) > sys.maxunicode), None)
        line, col = marks._line_col(escape.start()) if escape else (1 + line_offset, 1)
        return None, marks, [Problem(file, line, col, message("read.yaml.bad_escape", lang,
                                                              escape=escape.group() if escape else "\\U"),
                                     message("read.yaml.bad_escape_hint", lang))]
    if root is None:
        return None, marks, [Problem(file, 1 + line_offset, 1, message("read.yaml.no_content", lang),
                                     message("read.yaml.what_it_holds_hint", lang))]
    problems: list[Problem] = []
    data = _build(root, (), marks, problems, SafeConstructor(), lang)
    return data, marks, problems


def _parse_composed(text: str, file: str, line_offset: int, lang: str) -> tuple[Any, SourceMap, list[Problem]] | None:
    """The parse of a well-formed file, composed by PyYAML's compiled composer (several times faster than
    composing in Python); None when the careful route must decide: any error, an alias (the compiled
    composer shares the aliased node, never expanding it, and the tree is given up at the first node seen
    twice), nesting past :data:`MAX_DEPTH`, or text that could nest deep enough to strain the compiled
    composer's own recursion (it has no bound). The tree is built by :func:`_plain` (the common case: no
    problem), else by :func:`_build`, which words what it finds."""
    lines = text.split("\n")
    if 2 * max(map(len, lines)) + text.count("[") + text.count("{") > 2_000:  # a bound on the nesting (indentation, brackets)
        return None
    loader = _ComposedInC(text)
    try:
        root = loader.get_single_node()
    except Exception:  # noqa: BLE001 - whatever it is, the careful route words it
        return None
    finally:
        loader.dispose()
    if root is None:
        return None
    if "&" not in text:  # no anchor, so no alias: the tree shares no node, as _plain needs
        marks = SourceMap(file, line_offset, text)
        try:
            return _plain(root, (), marks, SafeConstructor()), marks, []
        except _Unusual:
            pass  # something _build reports, refuses or leaves to the careful route: it decides, from the start
    marks = SourceMap(file, line_offset, text)
    problems: list[Problem] = []
    try:
        data = _build(root, (), marks, problems, SafeConstructor(), lang, set())
    except _Unusual:
        return None
    return data, marks, problems


def _mark(node: Node, offset: int) -> Mark:
    start = node.start_mark
    style = (node.style or None) if isinstance(node, ScalarNode) else None  # libyaml says '' for plain
    return Mark(start.line + 1 + offset, start.column + 1, style, start.index, node.end_mark.index)


def _tag_name(tag: str) -> str:
    return "!!" + tag[len(_CORE):] if tag.startswith(_CORE) else tag


_FITS = {ScalarNode: {_CORE + t for t in ("str", "int", "float", "bool", "null")},
         MappingNode: {_CORE + "map"}, SequenceNode: {_CORE + "seq"}}


def _scalar(node: ScalarNode, constructor: SafeConstructor) -> tuple[bool, Any]:
    """``(True, value)``, or ``(False, None)`` when the text is not what its tag says ('!!int x', '0x_')."""
    if node.tag == _STR:  # most values: the text itself (what the constructor would return, sooner)
        return True, node.value
    try:
        return True, constructor.construct_object(node)
    except (ValueError, KeyError, IndexError, yaml.constructor.ConstructorError):
        return False, None


def _refuse(path: DataPath, marks: SourceMap, problems: list[Problem], said: str, hint: str) -> None:
    marks.refused.add(path)
    problems.append(marks.problem(path, said, hint))


def _build(node: Node, path: DataPath, marks: SourceMap, problems: list[Problem], constructor: SafeConstructor,
           lang: str, seen: set[int] | None = None) -> Any:
    """``seen``: the nodes built so far, when the tree may share nodes (aliases) or nest too deep."""
    if seen is not None:
        if id(node) in seen or len(path) >= MAX_DEPTH:
            raise _Unusual
        seen.add(id(node))
    marks[path] = _mark(node, marks.line_offset)
    if node.tag not in _PLAIN_TAGS:
        return _refuse(path, marks, problems, message("read.yaml.tag_not_allowed", lang, tag=_tag_name(node.tag)),
                       message("read.yaml.remove_tag_hint", lang))
    if node.tag not in _FITS[type(node)]:
        return _refuse(path, marks, problems, message("read.yaml.tag_misfit", lang, tag=_tag_name(node.tag)),
                       message("read.yaml.remove_tag_hint", lang))
    if isinstance(node, MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if seen is not None:
                if id(key_node) in seen:
                    raise _Unusual
                seen.add(id(key_node))
            fits, key = _scalar(key_node, constructor) if isinstance(key_node, ScalarNode) else (False, None)
            if not fits or key_node.tag not in _PLAIN_TAGS or not isinstance(key, (str, int)) or isinstance(key, bool):
                problems.append(Problem(marks.file, key_node.start_mark.line + 1 + marks.line_offset,
                                        key_node.start_mark.column + 1, message("read.yaml.bad_key", lang),
                                        message("read.yaml.bad_key_hint", lang)))
                continue
            key = str(key)
            if key in result:
                first = marks[path + (key, "[key]")]
                problems.append(Problem(marks.file, key_node.start_mark.line + 1 + marks.line_offset,
                                        key_node.start_mark.column + 1,
                                        message("read.yaml.duplicate_key", lang, key=key, line=first.line),
                                        message("read.yaml.duplicate_key_hint", lang)))
                continue
            marks[path + (key, "[key]")] = _mark(key_node, marks.line_offset)
            result[key] = _build(value_node, path + (key,), marks, problems, constructor, lang, seen)
        return result
    if isinstance(node, SequenceNode):
        return [_build(item, path + (i,), marks, problems, constructor, lang, seen) for i, item in enumerate(node.value)]
    fits, value = _scalar(node, constructor)
    if not fits:
        shown = node.value if len(node.value) <= 40 else node.value[:40] + "…"
        return _refuse(path, marks, problems, message("read.yaml.tag_unreadable", lang, value=shown,
                                                      tag=_tag_name(node.tag)),
                       message("read.yaml.tag_unreadable_hint", lang))
    return value


_MAP, _SEQ = _CORE + "map", _CORE + "seq"


def _plain(node: Node, path: DataPath, marks: SourceMap, constructor: SafeConstructor) -> Any:
    """What :func:`_build` makes of a tree in which it finds no problem, sooner: each node is checked against
    the plain shapes once, and nothing is worded; :class:`_Unusual` at the first node that is not plain data or
    nests past :data:`MAX_DEPTH`, where :func:`_build` decides. The tree must share no node (no alias): nothing
    here notices a node seen twice."""
    if len(path) >= MAX_DEPTH:
        raise _Unusual
    kind, tag = node.__class__, node.tag
    marks[path] = _mark(node, marks.line_offset)
    if kind is ScalarNode:
        return node.value if tag == _STR else _plain_scalar(node, constructor)
    if kind is MappingNode and tag == _MAP:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.__class__ is not ScalarNode:
                raise _Unusual
            key = key_node.value if key_node.tag == _STR else _plain_scalar(key_node, constructor)
            if key.__class__ is int:
                key = str(key)
            if key.__class__ is not str or key in result:  # not a key, or a duplicate: _build says so
                raise _Unusual
            marks[path + (key, "[key]")] = _mark(key_node, marks.line_offset)
            result[key] = _plain(value_node, path + (key,), marks, constructor)
        return result
    if kind is SequenceNode and tag == _SEQ:
        return [_plain(item, path + (i,), marks, constructor) for i, item in enumerate(node.value)]
    raise _Unusual


def _plain_scalar(node: ScalarNode, constructor: SafeConstructor) -> Any:
    """The value of a plain scalar that is not text (a number, a yes/no, nothing); :class:`_Unusual` otherwise."""
    if node.tag not in _FITS[ScalarNode]:
        raise _Unusual
    fits, value = _scalar(node, constructor)
    if not fits:
        raise _Unusual
    return value


def read(path: Path, display: str, lang: str = "en") -> tuple[Any, SourceMap, list[Problem]]:
    """Read and parse one YAML file; ``lang``: the course's language, for the problems."""
    try:
        raw = path.read_bytes()
    except OSError as err:
        return None, SourceMap(display), [Problem(display, 1, 1,
                                                  message("read.cannot_read", lang, reason=err.strerror))]
    text, problems = decode(raw, display, lang)
    if text is None:
        return None, SourceMap(display), problems
    data, marks, more = parse(text, display, lang=lang)
    return data, marks, problems + more
