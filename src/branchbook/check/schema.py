"""Validate plain data against the pydantic model and turn its errors into located problems."""

from __future__ import annotations

import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..model import conditions
from ..model.scenario import ReferenceKey, VariableName
from ..model.types import ID_PATTERN, FailureId
from ..problems import Problem, closest, did_you_mean
from ..source_map import SourceMap
from .indentation import COVERED, SceneLevels
from .partial import LeftOut, Partial, child, keep_valid

M = TypeVar("M", bound=BaseModel)

_HINTS = {
    "missing": "add it; see docs/authoring.md or `branchbook schema`",
    "string_too_short": "write some text here",
    "too_short": "the list needs at least one entry",
    "string_too_long": "shorten it",
    "too_long": "remove some entries",
}


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Field names of the model found by following ``loc`` from ``model`` (for 'did you mean')."""
    current: Any = model
    for part in loc:
        current = child(current, part)
    return list(current.model_fields) if isinstance(current, type) and issubclass(current, BaseModel) else []


def validate(model: type[M], data: Any, marks: SourceMap, what: str) -> tuple[M | None, list[Problem]]:
    """The model, or None and every problem; :func:`validate_partly` keeps the valid parts too."""
    problems, found = validate_partly(model, data, marks, what)
    return (found.item if found is not None and not found.left_out else None), problems


def validate_partly(model: type[M], data: Any, marks: SourceMap, what: str) -> tuple[list[Problem], Partial | None]:
    """Every problem, and the model for the later rules: whole (nothing left out), the valid parts of an
    invalid file (see :mod:`.partial`), or None when nothing useful is left."""
    if not isinstance(data, dict):
        return [marks.problem((), f"a {what} file must be a mapping of fields (id, title, …)",
                              f"see docs/authoring.md for the shape of a {what}")], None
    try:
        return [], Partial(model.model_validate(data), LeftOut(), marks)
    except ValidationError as err:
        errors = err.errors(include_url=False)
    levels = SceneLevels.of(model.model_fields, data)
    misspelt = {tuple(e["loc"]) for e in errors if e["type"] == "extra_forbidden"}
    problems = []
    for error in errors:
        loc = tuple(error["loc"])
        if any(loc[:n] in marks.refused for n in range(len(loc) + 1)):
            continue  # the reader has already said why this value was refused
        if error["type"] == "missing" and closest(str(loc[-1]), [str(m[-1]) for m in misspelt if m[:-1] == loc[:-1]]):
            continue  # 'unknown field', at its own line, says 'did you mean' this one
        found = levels.problem(loc, error["type"], data, marks) or _problem(model, error, marks)
        if found is not COVERED and found not in problems:
            problems.append(found)
    return problems, keep_valid(model, data, errors, marks, {"nodes": levels.scene_ids()})


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


def _shown(value: Any) -> str:
    """A value as the author wrote it, for a message: text in quotes (shortened), YAML's true/false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:40] + "…")
    if isinstance(value, dict):
        return "a mapping (name: value lines)"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _what_it_is(value: Any) -> str:
    """'X is text' / 'X is a number' …: the bad value echoed with what YAML read it as."""
    if isinstance(value, bool):
        return f"{_shown(value)} is a yes/no value"
    if isinstance(value, str):
        return f"{_shown(value)} is text"
    if isinstance(value, (int, float)):
        return f"{_shown(value)} is a number"
    return f"this is {_shown(value)}"


_EXPECTED = {  # pydantic's error type -> (what was expected, how to write it)
    "int_type": ("not a whole number", "write a whole number such as 1 or -1"),
    "bool_type": ("not true or false", "write true or false"),
    "string_type": ("not text", _QUOTE_HINT),
    "dict_type": ("not a mapping", "write each entry as 'id:' on its own line, with what belongs to it "
                                   "indented under it"),
    "model_type": ("not a mapping of fields", "write its fields as 'name: value' lines indented under it"),
    "list_type": ("not a list", "write each entry on its own line starting with '- ', or as [a, b]"),
}
_NUMBER = re.compile(r"\s*[+-]?\d+\s*")


def _type_problem(kind: str, value: Any, where: str) -> tuple[str, str]:
    expected, hint = _EXPECTED[kind]
    message = f"{where}: {_what_it_is(value)}, {expected}"
    if kind == "int_type" and isinstance(value, str) and _NUMBER.fullmatch(value):
        hint = f"write {int(value)} without quotes (a whole number such as 1 or -1)"
    elif kind == "bool_type" and isinstance(value, str):
        hint += " without quotes"
    elif kind == "int_type" and isinstance(value, bool):
        hint += ", not true/false"
    elif kind == "int_type" and isinstance(value, float):
        hint = f"write a whole number such as {round(value)}"
    elif isinstance(value, list) and kind in ("dict_type", "model_type"):
        hint += ", not as '- ' list items"
    return message, hint


def _literal_problem(error: dict, value: Any, where: str) -> tuple[str, str]:
    options = re.findall(r"'([^']*)'", str((error.get("ctx") or {}).get("expected", "")))
    message = f"{where}: {_shown(value)} is not one of " + ", ".join(f"'{o}'" for o in options)
    close = closest(value, options) if isinstance(value, str) else None
    return message, f"did you mean '{close}'?" if close else "write one of: " + ", ".join(options)


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
        if " " in str(loc[-1]).strip():  # `{title: Dealt with, but not closed}`: the comma ended the text
            return marks.problem(loc + ("[key]",), f"unknown field '{loc[-1]}': it looks like the end of a text "
                                 "cut off at a comma", "inside { … } a comma separates fields: put the whole text "
                                 "in quotes, or write the fields one per line")
        return marks.problem(loc + ("[key]",), f"unknown field '{loc[-1]}'",
                             did_you_mean(str(loc[-1]), known, None)
                             or "rename it to one of the fields known here, or, if it belongs to another field, "
                                "indent it under that field: " + ", ".join(known))
    if value is None and loc and loc[-1] != "[key]" and kind.endswith("_type"):
        return marks.problem(loc, f"{where}: no value is given", "write a value after the ':', or remove the line")
    if kind in _EXPECTED:
        return marks.problem(loc, *_type_problem(kind, value, where))
    if kind == "literal_error":
        return marks.problem(loc, *_literal_problem(error, value, where))
    message = error["msg"]
    hint = _HINTS.get(kind)
    if message.startswith("Value error, "):  # the model's own validators say 'what; what to do'
        message, _, hint = message[len("Value error, "):].partition("; ")
    if kind == "string_pattern_mismatch":
        pattern = (error.get("ctx") or {}).get("pattern")
        what, hint = _PATTERNS.get(pattern, ("value", None))
        message = f"{_shown(value)} is not a valid {what} here"
        if isinstance(value, str) and len(value) > _ID_LENGTH and pattern == ID_PATTERN:
            message += f" (it is {len(value)} characters long; ids have at most {_ID_LENGTH})"
    elif kind == "string_too_long" and isinstance(value, str):
        message = f"the text is {len(value):,} characters long; {message.removeprefix('String should have ')}"
    elif kind in ("string_too_short", "too_short") and not value:
        message = "the text is empty" if kind == "string_too_short" else "the list is empty"
    elif kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        bound = message.removeprefix("Input should be ")
        message, hint = f"{_shown(value)} is out of range; it should be {bound}", f"write a number {bound}"
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
