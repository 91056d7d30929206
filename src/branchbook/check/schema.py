"""Validate plain data against the pydantic model and turn its errors into located problems."""

from __future__ import annotations

import re
import types
import typing
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..model import conditions
from ..model.scenario import ReferenceKey, VariableName
from ..model.types import ID_PATTERN, FailureId
from ..read.yaml_source import SourceMap
from .problems import Problem, did_you_mean

M = TypeVar("M", bound=BaseModel)

_HINTS = {
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
        problems = []
        for error in err.errors(include_url=False):
            loc = tuple(error["loc"])
            if any(loc[:n] in marks.refused for n in range(len(loc) + 1)):
                continue  # the reader has already said why this value was refused
            problems.append(_problem(model, error, marks))
        return None, problems


_QUOTE_HINT = ("put the text in quotes: YAML reads yes/no/on/off/true/false as true or false, "
               "and digits as a number")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ID_LENGTH = 64
_PATTERNS = {  # a constrained string's pattern -> (what it is, how to write one)
    ID_PATTERN: ("id", "ids use lower-case letters, digits and inner hyphens, e.g. 'first-meeting'"),
    FailureId.__metadata__[0].pattern: ("failure id", "failure ids are 'F' and two digits, e.g. 'F09'"),
    VariableName.__metadata__[0].pattern: ("variable name", "variable names use lower-case letters, digits and "
                                           "'_', start with a letter, and have at most 32 characters"),
    ReferenceKey.__metadata__[0].pattern: ("reference key", "reference keys are the keys in book/references.bib"),
}


def _problem(model: type[BaseModel], error: dict, marks: SourceMap) -> Problem:
    loc = tuple(error["loc"])
    kind = error["type"]
    value = error.get("input")
    where = ".".join(str(p) for p in loc if p != "[key]") or "file"
    if kind == "missing":
        parent = loc[:-1]
        at = parent + ("[key]",) if parent + ("[key]",) in marks else parent
        return marks.problem(at, f"missing required field '{loc[-1]}' in {'.'.join(map(str, parent)) or 'file'}",
                             _HINTS["missing"])
    if kind == "extra_forbidden":
        known = _fields_at(model, loc[:-1])
        return marks.problem(loc + ("[key]",), f"unknown field '{loc[-1]}'",
                             did_you_mean(str(loc[-1]), known) or "remove it")
    if value is None and loc and loc[-1] != "[key]" and kind.endswith("_type"):
        return marks.problem(loc, f"{where}: no value is given", "write a value after the ':', or remove the line")
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
    hint = _HINTS.get(kind)
    if kind == "string_pattern_mismatch":
        pattern = (error.get("ctx") or {}).get("pattern")
        shown = value if not isinstance(value, str) or len(value) <= 40 else value[:40] + "…"
        what, hint = _PATTERNS.get(pattern, ("value", None))
        message = f"{shown!r} is not a valid {what} here"
        if isinstance(value, str) and len(value) > _ID_LENGTH and pattern == ID_PATTERN:
            message += f" (it is {len(value)} characters long; ids have at most {_ID_LENGTH})"
    if kind in ("string_type", "literal_error") and isinstance(value, (bool, int, float)):
        message += f" (got {type(value).__name__} {value!r})"
        hint = _QUOTE_HINT if kind == "string_type" else hint
    if isinstance(value, str) and kind == "value_error":
        if loc and loc[-1] == "when":
            try:
                conditions.parse(value)
            except conditions.ConditionError as bad:
                return marks.problem_at(loc, value, bad.offset, f"{where}: {message}",
                                        "conditions compare variables and whole numbers with == != < <= > >=, "
                                        "joined by and, or, not and parentheses")
        control = _CONTROL.search(value)
        if control:
            return marks.problem_at(loc, value, control.start(), f"{where}: {message}",
                                    "delete the character (it is invisible in most editors)")
    return marks.problem(loc, f"{where}: {message}", hint)
