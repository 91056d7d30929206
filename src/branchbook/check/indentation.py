"""Scenes at the wrong indentation, said as such at the line where the indentation went wrong.

A scene written at the wrong level still parses as YAML, only as something else: a dedented scene
becomes a field of the file (and the scenes after it, when its lines moved too, become its fields);
an over-indented one becomes a field of the scene above (with no value when only its id line moved,
its lines then repeating the fields of the scene above); a scene whose lines were dedented has no
value, and its ``text:`` and ``choices:`` become scenes. pydantic then says "unknown field" or
"should be a mapping", and the usual hint ("rename it") would lose a scene. Here such mappings are
recognised by their shape (``text``, ``choices`` or ``ending``) and reported as indentation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..messages import message
from ..problems import Problem, spaces
from ..source_map import DataPath, SourceMap

_SCENE_FIELDS = ("text", "speaker", "choices", "ending", "facilitator")
_SHAPE = ("text", "choices", "ending")  # a mapping with one of these is a scene
_NAMED = 3  # swallowed scenes named in a message before "and N more"

COVERED = Problem("", 0, 0, "")
"""Returned for an error that another indentation problem already explains."""


def _looks_like_scene(value: Any) -> bool:
    return isinstance(value, dict) and any(key in value for key in _SHAPE)


@dataclass
class SceneLevels:
    """Where the scenes of one scenario file are written, when some are not under ``nodes:``."""

    top: dict[str, list[str]] = field(default_factory=dict)  # scene at the file's level → scenes it swallowed
    nested: dict[str, str] = field(default_factory=dict)  # scene inside a scene → that scene
    orphans: dict[str, list[str]] = field(default_factory=dict)  # scene with no value → its fields, read as scenes
    mixed: set[str] = field(default_factory=set)  # scenes holding an inner scene's lines as well as their own

    @classmethod
    def of(cls, fields: dict[str, Any], data: Any) -> SceneLevels:
        """``fields``: the file model's fields; only a model with ``nodes`` has scenes."""
        levels = cls()
        if "nodes" not in fields or not isinstance(data, dict):
            return levels
        for key, value in data.items():
            if key not in fields and _looks_like_scene(value):
                levels.top[key] = [k for k, v in value.items() if _looks_like_scene(v)]
        nodes = data.get("nodes")
        if not isinstance(nodes, dict):
            return levels
        owner = None
        targets = _gotos(nodes)
        for key, value in nodes.items():
            if isinstance(value, dict):
                inner = [k for k, v in value.items() if k not in _SCENE_FIELDS and (
                    _looks_like_scene(v) or (v is None and k in targets))]
                levels.nested.update(dict.fromkeys(inner, key))
                if any(value[k] is None for k in inner):  # only its id line moved: its lines are the scene's own
                    levels.mixed.add(key)
            if value is None:
                owner = key
            elif key in _SCENE_FIELDS and owner is not None and not _looks_like_scene(value):
                levels.orphans.setdefault(owner, []).append(key)
            else:
                owner = None
        return levels

    def scene_ids(self) -> set[str]:
        """Ids of scenes written somewhere the model does not look for them."""
        return {*self.top, *(k for inside in self.top.values() for k in inside), *self.nested, *self.orphans}

    def unsure(self) -> frozenset[tuple[str, str, str]]:
        """The endings of the scenes that hold an inner scene's lines among their own: such an ending
        may be the inner scene's, so the scene is not said to have both choices and an ending (or,
        without it, none); its choices, at their own lines, are still checked."""
        return frozenset(("nodes", nid, "ending") for nid in self.mixed)

    def problem(self, loc: DataPath, kind: str, data: dict, marks: SourceMap, lang: str = "en") -> Problem | None:
        """The indentation problem behind a schema error at ``loc``, COVERED, or None (not one)."""
        first = _first_scene(data, marks)
        like = message("check.indent.like", lang, scene=first[0], col=first[1]) if first else ""
        if kind == "extra_forbidden" and len(loc) == 1 and loc[0] in self.top:
            name, inside = loc[0], self.top[loc[0]]
            said = message("check.indent.at_file_level", lang, name=name)
            if inside:
                more = [message("check.indent.n_more", lang, n=len(inside) - _NAMED)] if len(inside) > _NAMED else []
                said = message("check.indent.swallowed", lang, message=said,
                               named=_and([f"'{k}'" for k in inside[:_NAMED]] + more, lang))
            return marks.problem(loc + ("[key]",), said, _indent_hint(name, inside, first, marks, lang))
        if kind == "extra_forbidden" and len(loc) == 3 and loc[0] == "nodes" and self.nested.get(loc[2]) == loc[1]:
            return marks.problem(loc + ("[key]",), message("check.indent.inside", lang, name=loc[2], scene=loc[1]),
                                 message("check.indent.inside_hint", lang, name=loc[2], like=like))
        if len(loc) >= 2 and loc[0] == "nodes" and loc[1] in self.orphans:
            lines = _and([f"'{k}:'" for k in self.orphans[loc[1]]], lang)
            return marks.problem(("nodes", loc[1], "[key]"),
                                 message("check.indent.empty", lang, name=loc[1], lines=lines),
                                 message("check.indent.empty_hint", lang, name=loc[1], lines=lines))
        if len(loc) >= 2 and loc[0] == "nodes" and any(loc[1] in fields for fields in self.orphans.values()):
            return COVERED
        return None


def _gotos(nodes: dict) -> set[str]:
    """Every scene a choice leads to: a field with no value that one of them names is a scene whose id
    line alone was indented too far (a misspelt field such as ``txt:`` is not a goto)."""
    return {choice["goto"] for node in nodes.values() if isinstance(node, dict)
            for choice in (node.get("choices") if isinstance(node.get("choices"), list) else [])
            if isinstance(choice, dict) and isinstance(choice.get("goto"), str)}


def _and(items: list[str], lang: str) -> str:
    if len(items) == 1:
        return items[0]
    return message("words.and", lang, left=message("words.list_separator", lang).join(items[:-1]), right=items[-1])


def _first_scene(data: dict, marks: SourceMap) -> tuple[str, int] | None:
    """The first scene written under ``nodes:``, and its column."""
    nodes = data.get("nodes")
    first = next(iter(nodes), None) if isinstance(nodes, dict) else None
    if first is None or ("nodes", first, "[key]") not in marks:
        return None
    return first, marks[("nodes", first, "[key]")].col


def _indent_hint(name: str, inside: list[str], first: tuple[str, int] | None, marks: SourceMap, lang: str) -> str:
    """How far to move a scene written at the file's level: its key alone when its lines are
    already indented for a scene, else the key and its lines (down to the scenes it swallowed)."""
    if first is None:
        return message("check.indent.under_nodes_hint", lang, name=name)
    scene, col = first
    key = marks[(name, "[key]")]
    child = min((m.col for path, m in marks.items() if len(path) == 3 and path[0] == name and path[2] == "[key]"),
                default=col + 2)
    by = spaces(col - key.col, lang)
    if child > col:
        return message("check.indent.key_hint", lang, name=name, by=by, col=col, scene=scene)
    if inside:
        return message("check.indent.lines_until_hint", lang, name=name,
                       line=marks[(name, inside[0], "[key]")].line - 1, by=by, col=col, scene=scene)
    return message("check.indent.lines_hint", lang, name=name, by=by, col=col, scene=scene)
