"""Validate plain data against the pydantic model and turn its errors into located problems."""

from __future__ import annotations

import types
import typing
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..read.yaml_source import SourceMap
from .problems import Problem, did_you_mean

M = TypeVar("M", bound=BaseModel)

_HINTS = {
    "string_pattern_mismatch": "ids use lower-case letters, digits and inner hyphens (e.g. 'first-meeting'); "
    "failure ids look like 'F09'",
    "missing": "add it; see docs/authoring.md or `branchbook schema`",
    "string_too_short": "write some text here",
    "too_short": "the list needs at least one entry",
}


def _unwrap(annotation: Any) -> Any:
    """Strip ``Optional``/``Annotated`` wrappers down to the type that holds the fields."""
    while typing.get_origin(annotation) in (typing.Union, types.UnionType, typing.Annotated):
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    return annotation


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Field names of the model found by following ``loc`` from ``model`` (for 'did you mean')."""
    current: Any = model
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return []
            current = field.annotation
        elif typing.get_origin(current) in (list, tuple, dict):
            current = typing.get_args(current)[-1]
        else:
            return []
    current = _unwrap(current)
    return list(current.model_fields) if isinstance(current, type) and issubclass(current, BaseModel) else []


def validate(model: type[M], data: Any, marks: SourceMap, what: str) -> tuple[M | None, list[Problem]]:
    if not isinstance(data, dict):
        return None, [marks.problem((), f"a {what} file must be a mapping of fields (id, title, …)",
                                    f"see docs/authoring.md for the shape of a {what}")]
    try:
        return model.model_validate(data), []
    except ValidationError as err:
        return None, [_problem(model, error, marks) for error in err.errors(include_url=False)]


def _problem(model: type[BaseModel], error: dict, marks: SourceMap) -> Problem:
    loc = tuple(error["loc"])
    kind = error["type"]
    where = ".".join(str(p) for p in loc if p != "[key]") or "file"
    if kind == "missing":
        return marks.problem(loc[:-1], f"missing required field '{loc[-1]}' in {'.'.join(map(str, loc[:-1])) or 'file'}",
                             _HINTS["missing"])
    if kind == "extra_forbidden":
        known = _fields_at(model, loc[:-1])
        return marks.problem(loc + ("[key]",), f"unknown field '{loc[-1]}'",
                             did_you_mean(str(loc[-1]), known) or "remove it")
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
    if kind == "string_pattern_mismatch":
        message = f"{error.get('input')!r} is not a valid id here"
    if kind == "string_type" and error.get("input") is not None:
        message += f" (got {type(error['input']).__name__})"
    return marks.problem(loc, f"{where}: {message}", _HINTS.get(kind))
