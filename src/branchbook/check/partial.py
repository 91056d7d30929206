"""Keep the valid parts of a file that has schema problems, so that its other problems show too.

pydantic reports every field's problem at once but then gives no model, which would hide every
graph, condition and reference problem of the file (and the course-wide ones involving it). So
each bad part is cut at the smallest unit that can go (a choice, a scene, a list entry, an
optional field), a required top-level text gets a placeholder, and the rest is validated again.
:class:`LeftOut` say what was left out, so that later rules neither trust nor miss it, and the
source map is re-keyed so that ``choices.1`` still points at the line of the choice it names.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..source_map import DataPath, SourceMap

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class LeftOut:
    """What was left out of a partial model, in the model's own paths.

    ``paths``: the parts something was cut from or replaced in (a scene's ``choices`` list when a
    choice went, the choice when one of its fields went, a whole scene); ``declared`` maps 'nodes',
    'roles' and 'variables' to the ids the left-out parts declare, so that a goto to a scene that
    merely has a bad field is not also called a goto to an unknown scene.
    """

    paths: frozenset[DataPath] = frozenset()
    declared: dict[str, frozenset[str]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.paths)

    def touches(self, *prefix: Any) -> bool:
        """Whether anything at or under ``prefix`` was left out."""
        return any(path[:len(prefix)] == prefix for path in self.paths)

    def ids(self, kind: str) -> frozenset[str]:
        return self.declared.get(kind, frozenset())


# What other files are checked against (a module's scenario list; course.yml's module order, principles,
# failure patterns and de-identification settings): with an entry cut, the rules across files would
# report false consequences ("in no module", "unknown principle", an allowed phrase flagged).
_NAMES_FILES = ("scenarios", "modules", "principles", "failures", "deidentification", "rules")


@dataclass(frozen=True)
class Partial:
    item: BaseModel
    left_out: LeftOut
    marks: SourceMap  # the file's marks, keyed by the partial model's paths

    @property
    def whole_for_other_files(self) -> bool:
        """Whether the rules across files may use it: nothing that names other files was left out."""
        return not any(self.left_out.touches(name) for name in _NAMES_FILES)


_DROP = object()
_PLACEHOLDER = "missing"
_KEEP_REAL = {"id", "module"}  # course-wide rules key on these: a placeholder would mislead them
_ROUNDS = 4


def unwrap(annotation: Any) -> Any:
    """Strip ``Optional``/``Annotated`` wrappers down to the type that holds the fields."""
    while typing.get_origin(annotation) in (typing.Union, types.UnionType, typing.Annotated):
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    return annotation


def keep_valid(model: type[M], data: dict, errors: list, marks: SourceMap,
               declared: dict[str, set[str]], unsure: frozenset[DataPath] = frozenset()) -> Partial | None:
    """The valid parts of ``data``, given the errors of validating all of it; None when no useful
    model is left. ``declared``: ids of scenes written where the model does not look for them;
    ``unsure``: parts left out too, though valid, because they may be another part's."""
    cut: set[DataPath] = set(unsure)
    declared = {kind: set(declared.get(kind, ())) for kind in ("nodes", "roles", "variables")}
    cut.update(("nodes", nid) for nid in declared["nodes"])
    to_old: dict[DataPath, list[int]] = {}
    for _ in range(_ROUNDS):
        for error in errors:
            loc = _in_old(tuple(p for p in error["loc"] if p != "[key]"), to_old)
            at = _cut_point(model, loc)
            if at is None:
                return None
            cut.add(at)
            _note_declared(at, data, declared)
        to_old = {}
        repaired = _without(model, data, (), (), cut, to_old)
        for at in cut:  # a required top-level value that is missing altogether
            if len(at) == 1 and at[0] in model.model_fields and at[0] not in repaired:
                repaired[at[0]] = _placeholder(model.model_fields[at[0]].annotation)
        try:
            item = model.model_validate(repaired)
        except ValidationError as err:
            errors = err.errors(include_url=False)
            continue
        to_new = {parent: {old: new for new, old in enumerate(olds)} for parent, olds in to_old.items()}
        left_out = {_in_new(at, to_new) for at in cut}
        return Partial(item, LeftOut(frozenset(left_out), {k: frozenset(v) for k, v in declared.items()}),
                       _rekeyed(marks, to_new))
    return None


def _cut_point(model: type[BaseModel], loc: DataPath) -> DataPath | None:
    """The smallest part containing ``loc`` that can be left out or, at the top, replaced."""
    containers = [unwrap(model)]
    for part in loc[:-1]:
        containers.append(child(containers[-1], part))
    for depth in range(len(loc), 0, -1):
        container, name = containers[depth - 1], loc[depth - 1]
        if typing.get_origin(container) in (list, dict):
            return loc[:depth]
        if isinstance(container, type) and issubclass(container, BaseModel):
            spec = container.model_fields.get(str(name))
            if spec is None or not spec.is_required():
                return loc[:depth]
            if depth == 1 and name not in _KEEP_REAL and _placeholder(spec.annotation) is not None:
                return loc[:depth]
    return None


def child(annotation: Any, part: Any) -> Any:
    """The type found one step along a data path (a field of a model, an entry of a list or map)."""
    current = unwrap(annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        spec = current.model_fields.get(str(part))
        return unwrap(spec.annotation) if spec is not None else None
    if typing.get_origin(current) in (list, tuple, dict):
        return unwrap(typing.get_args(current)[-1])
    return None


def _placeholder(annotation: Any) -> Any:
    """A valid stand-in for a required top-level text (None when there is no sensible one)."""
    base = unwrap(annotation)
    if base is str:
        return _PLACEHOLDER
    if typing.get_origin(base) is list and unwrap(typing.get_args(base)[0]) is str:
        return [_PLACEHOLDER]
    return None


def _note_declared(at: DataPath, data: Any, declared: dict[str, set[str]]) -> None:
    """Remember the id a left-out scene, variable or role declares."""
    if len(at) == 2 and at[0] in ("nodes", "variables"):
        declared[at[0]].add(str(at[1]))
    elif len(at) == 2 and at[0] == "roles":
        value = _get(data, at)
        if isinstance(value, dict) and isinstance(value.get("id"), str):
            declared["roles"].add(value["id"])


def _get(data: Any, path: DataPath) -> Any:
    """The value at ``path``, or None."""
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _without(model: type[BaseModel], data: Any, old: DataPath, new: DataPath, cut: set[DataPath],
             to_old: dict[DataPath, list[int]]) -> Any:
    """A copy of ``data`` without the parts at ``cut`` (given in the original's paths); ``to_old``
    receives, for each list (by its new path), the original index of each entry kept."""
    if old in cut:
        spec = model.model_fields.get(str(old[0])) if len(old) == 1 else None
        return _placeholder(spec.annotation) if spec is not None and spec.is_required() else _DROP
    if isinstance(data, dict):
        kept = {k: _without(model, v, old + (k,), new + (k,), cut, to_old) for k, v in data.items()}
        return {k: v for k, v in kept.items() if v is not _DROP}
    if isinstance(data, list):
        olds = [i for i in range(len(data)) if old + (i,) not in cut]
        to_old[new] = olds
        return [_without(model, data[i], old + (i,), new + (j,), cut, to_old) for j, i in enumerate(olds)]
    return data


def _in_old(path: DataPath, to_old: dict[DataPath, list[int]]) -> DataPath:
    """A path in the repaired data → the same place in the original."""
    out: DataPath = ()
    for depth, part in enumerate(path):
        olds = to_old.get(path[:depth])
        out += (olds[part],) if olds is not None and isinstance(part, int) and part < len(olds) else (part,)
    return out


def _in_new(path: DataPath, to_new: dict[DataPath, dict[int, int]]) -> DataPath:
    """A path in the original → the same place in the repaired data; a part that was cut becomes
    its container (the ``choices`` list for a cut choice)."""
    out: DataPath = ()
    for part in path:
        moved = to_new.get(out)
        if moved is not None and isinstance(part, int):
            if part not in moved:
                return out
            part = moved[part]
        out += (part,)
    return out


def _rekeyed(marks: SourceMap, to_new: dict[DataPath, dict[int, int]]) -> SourceMap:
    """The marks of the parts kept, keyed by their paths in the partial model."""
    if not to_new or all(list(m) == list(m.values()) for m in to_new.values()):
        return marks
    out = SourceMap(marks.file, marks.line_offset, marks.source)
    out[()] = marks.find(())
    for path, mark in marks.items():
        moved = _in_new(path, to_new)
        if len(moved) == len(path):
            out[moved] = mark
    out.refused = {_in_new(p, to_new) for p in marks.refused}
    return out
