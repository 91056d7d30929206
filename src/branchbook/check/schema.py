"""Validate plain data against the pydantic model and turn its errors into located problems."""

from __future__ import annotations

import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..messages import message
from ..messages.formats import count, number
from ..model import conditions, errors
from ..model.scenario import ReferenceKey, VariableName
from ..model.types import ID_PATTERN, FailureId
from ..problems import Problem, closest, did_you_mean
from ..source_map import SourceMap
from .indentation import COVERED, SceneLevels
from .partial import LeftOut, Partial, child, keep_valid

M = TypeVar("M", bound=BaseModel)

_HINTS = {"missing", "string_too_short", "too_short", "string_too_long", "too_long"}  # pydantic's error types with a
# hint of their own in the catalogue: check.schema.hint.<type>


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Field names of the model found by following ``loc`` from ``model`` (for 'did you mean')."""
    current: Any = model
    for part in loc:
        current = child(current, part)
    return list(current.model_fields) if isinstance(current, type) and issubclass(current, BaseModel) else []


def validate(model: type[M], data: Any, marks: SourceMap, what: str,
             lang: str = "en") -> tuple[M | None, list[Problem]]:
    """The model, or None and every problem; :func:`validate_partly` keeps the valid parts too."""
    problems, found = validate_partly(model, data, marks, what, lang)
    return (found.item if found is not None and not found.left_out else None), problems


def validate_partly(model: type[M], data: Any, marks: SourceMap, what: str,
                    lang: str = "en") -> tuple[list[Problem], Partial | None]:
    """Every problem, and the model for the later rules: whole (nothing left out), the valid parts of an
    invalid file (see :mod:`.partial`), or None when nothing useful is left. ``what``: the kind of file
    ('module', 'scenario', 'course settings'); ``lang``: the course's language, for the problems."""
    if not isinstance(data, dict):
        kind = message(f"check.schema.what.{what.replace(' ', '_')}", lang)
        return [marks.problem((), message("check.schema.not_mapping", lang, what=kind),
                              message("check.schema.not_mapping_hint", lang, what=kind))], None
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
        found = (levels.problem(loc, error["type"], data, marks, lang) or _role_by_name(error, data, marks, lang)
                 or _problem(model, error, marks, lang))
        if found is not COVERED and found not in problems:
            problems.append(found)
    return problems, keep_valid(model, data, errors, marks, {"nodes": levels.scene_ids()}, levels.unsure())


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ID_LENGTH = 64
_PATTERNS = {  # a constrained string's pattern -> its catalogue key: check.schema.pattern.<key> (what it is), _hint
    ID_PATTERN: "id",
    FailureId.__metadata__[0].pattern: "failure_id",
    VariableName.__metadata__[0].pattern: "variable_name",
    ReferenceKey.__metadata__[0].pattern: "reference_key",
}


def _shown(value: Any, lang: str) -> str:
    """A value as the author wrote it, for a message: text in quotes (shortened), YAML's true/false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:40] + "…")
    if isinstance(value, dict):
        return message("check.schema.shown.mapping", lang)
    if isinstance(value, list):
        return message("check.schema.shown.list", lang)
    return repr(value)


def _what_it_is(value: Any, lang: str) -> str:
    """'X is text' / 'X is a number' …: the bad value echoed with what YAML read it as."""
    if isinstance(value, bool):
        kind = "bool"
    elif isinstance(value, str):
        kind = "text"
    elif isinstance(value, (int, float)):
        kind = "number"
    else:
        kind = "other"
    return message(f"check.schema.is.{kind}", lang, value=_shown(value, lang))


_EXPECTED = {"int_type", "bool_type", "string_type", "dict_type", "model_type", "list_type"}  # pydantic's error
# types said as 'not a …' (check.schema.expected.<type>), with how to write it (check.schema.expected.<type>_hint)
_NUMBER = re.compile(r"\s*[+-]?\d+\s*")


def _type_problem(kind: str, value: Any, where: str, lang: str) -> tuple[str, str]:
    said = message("check.schema.type", lang, where=where, value=_what_it_is(value, lang),
                   expected=message(f"check.schema.expected.{kind}", lang))
    hint = message(f"check.schema.expected.{kind}_hint", lang)
    if kind == "int_type" and isinstance(value, str) and _NUMBER.fullmatch(value):
        hint = message("check.schema.int_quoted_hint", lang, n=int(value))
    elif kind == "bool_type" and isinstance(value, str):
        hint = message("check.schema.bool_quoted_hint", lang)
    elif kind == "int_type" and isinstance(value, bool):
        hint = message("check.schema.int_bool_hint", lang)
    elif kind == "int_type" and isinstance(value, float):
        hint = message("check.schema.int_float_hint", lang, n=round(value))
    elif isinstance(value, list) and kind in ("dict_type", "model_type"):
        hint = message("check.schema.not_list_items_hint", lang, hint=hint)
    return said, hint


def _literal_problem(error: dict, value: Any, where: str, lang: str) -> tuple[str, str]:
    options = re.findall(r"'([^']*)'", str((error.get("ctx") or {}).get("expected", "")))
    said = message("check.schema.not_one_of", lang, where=where, value=_shown(value, lang),
                   options=message("words.list_separator", lang).join(f"'{o}'" for o in options))
    close = closest(value, options) if isinstance(value, str) else None
    if close:
        return said, message("check.did_you_mean", lang, id=close)
    return said, message("check.schema.write_one_of", lang, options=message("words.list_separator", lang).join(options))


_ROLE_FIELDS = ("speaker", "learner_role")  # the fields that name a role, by its id


def _role_by_name(error: dict, data: dict, marks: SourceMap, lang: str) -> Problem | None:
    """A role named by its person or title where its id belongs (``speaker: Bea Onwusi``), or None.

    A scene is said by a person, so authors write the person's name; the id pattern's own words ("ids
    use lower-case letters…") would not tell them that a role id is wanted, nor which one."""
    loc, value = tuple(error["loc"]), error.get("input")
    if error["type"] != "string_pattern_mismatch" or not loc or loc[-1] not in _ROLE_FIELDS \
            or not isinstance(value, str):
        return None
    roles = [r for r in data.get("roles") or [] if isinstance(r, dict) and isinstance(r.get("id"), str)]
    wanted = value.strip().casefold()

    def called(role: dict) -> set[str]:
        name, title = (role.get(f) if isinstance(role.get(f), str) else "" for f in ("name", "title"))
        return {name.casefold(), title.casefold(), *name.casefold().split()}

    meant = [r for r in roles if wanted in called(r)]
    said = message("check.schema.role_id", lang, field=loc[-1], value=_shown(value, lang))
    if len(meant) == 1:
        return marks.problem(loc, said, message("check.schema.role_id_meant", lang, id=meant[0]["id"]))
    ids = message("words.list_separator", lang).join(sorted(r["id"] for r in roles))
    return marks.problem(loc, said, message("check.schema.role_id_known", lang, ids=ids) if roles else None)


_BOUNDS = {"greater_than": "gt", "greater_than_equal": "ge", "less_than": "lt", "less_than_equal": "le"}


def _problem(model: type[BaseModel], error: dict, marks: SourceMap, lang: str) -> Problem:
    loc = tuple(error["loc"])
    kind = error["type"]
    value = error.get("input")
    where = ".".join(str(p) for p in loc if p != "[key]") or message("check.schema.file", lang)
    hint = message(f"check.schema.hint.{kind}", lang) if kind in _HINTS else None
    if kind == "missing":
        parent = loc[:-1]
        at = parent + ("[key]",) if parent + ("[key]",) in marks else parent
        return marks.problem(at, message("check.schema.missing", lang, field=loc[-1],
                                         where=".".join(map(str, parent)) or message("check.schema.file", lang)), hint)
    if kind == "extra_forbidden":
        known = _fields_at(model, loc[:-1])
        if " " in str(loc[-1]).strip():  # `{title: Dealt with, but not closed}`: the comma ended the text
            return marks.problem(loc + ("[key]",), message("check.schema.cut_at_comma", lang, field=loc[-1]),
                                 message("check.schema.cut_at_comma_hint", lang))
        return marks.problem(loc + ("[key]",), message("check.schema.unknown_field", lang, field=loc[-1]),
                             did_you_mean(str(loc[-1]), known, None, lang)
                             or message("check.schema.unknown_field_hint", lang, fields=", ".join(known)))
    if value is None and loc and loc[-1] != "[key]" and kind.endswith("_type"):
        return marks.problem(loc, message("check.schema.no_value", lang, where=where),
                             message("check.schema.no_value_hint", lang))
    if kind in _EXPECTED:
        return marks.problem(loc, *_type_problem(kind, value, where, lang))
    if kind == "literal_error":
        return marks.problem(loc, *_literal_problem(error, value, where, lang))
    said = error["msg"]  # pydantic's own words, for the kinds no catalogue key words
    if said.startswith("Value error, "):  # the model's own validators say 'what; what to do'
        said, _, hint = said[len("Value error, "):].partition("; ")
    ctx = error.get("ctx") or {}
    if kind == errors.KIND:  # a model rule: worded again in the course's language
        values = {name: shown for name, shown in ctx.items() if name != "key"}
        if ctx["key"] == "condition" and isinstance(value, str):
            try:
                conditions.parse(value)
            except conditions.ConditionError as bad:
                values["reason"] = bad.words(lang)
        said, hint = errors.words(ctx["key"], lang, values)
    elif kind == "string_pattern_mismatch":
        pattern = ctx.get("pattern")
        what = _PATTERNS.get(pattern, "value")
        hint = message(f"check.schema.pattern.{what}_hint", lang) if what in _PATTERNS.values() else None
        said = message("check.schema.invalid_pattern", lang, value=_shown(value, lang),
                       what=message(f"check.schema.pattern.{what}", lang))
        if isinstance(value, str) and len(value) > _ID_LENGTH and pattern == ID_PATTERN:
            said = message("check.schema.id_too_long", lang, message=said, length=number(len(value), lang),
                           max=_ID_LENGTH)
    elif kind == "string_too_long" and isinstance(value, str):
        said = message("check.schema.text_too_long", lang, length=number(len(value), lang),
                       max=count("check.schema.characters", ctx["max_length"], lang))
    elif kind in ("string_too_short", "too_short") and not value:
        said = message("check.schema.empty_text" if kind == "string_too_short" else "check.schema.empty_list", lang)
    elif kind in _BOUNDS:
        bound = message(f"check.schema.bound.{kind}", lang, limit=number(ctx[_BOUNDS[kind]], lang))
        said = message("check.schema.out_of_range", lang, value=_shown(value, lang), bound=bound)
        hint = message("check.schema.out_of_range_hint", lang, bound=bound)
    if isinstance(value, str) and kind in ("value_error", errors.KIND):
        if loc and loc[-1] == "when":
            try:
                conditions.parse(value)
            except conditions.ConditionError as bad:
                hint = message("check.schema.condition_hint", lang) if bad.instead is None else \
                    message("check.schema.condition_instead_hint", lang, wrong=bad.instead[0], right=bad.instead[1])
                return marks.problem_at(loc, value, bad.offset, message("check.schema.at", lang, where=where,
                                                                        message=said), hint)
        control = _CONTROL.search(value)
        if control:
            return marks.problem_at(loc, value, control.start(), message("check.schema.at", lang, where=where,
                                                                         message=said),
                                    message("check.schema.control_hint", lang))
    return marks.problem(loc, message("check.schema.at", lang, where=where, message=said), hint)
