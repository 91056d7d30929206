"""Constrained field types shared by the model.

Ids end up in file names and URLs, so they are checked here once, at the boundary, and
every writer can use them in a path without re-checking.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, GetJsonSchemaHandler, StringConstraints

from .errors import broken

ID_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _not_reserved(value: str) -> str:
    if value in _RESERVED:
        raise broken("reserved_id", value=value)
    return value


def _no_control_characters(value: str) -> str:
    found = _CONTROL.search(value)
    if found:
        raise broken("control_character", code=f"{ord(found.group()):04X}", offset=found.start())
    return value


class JsonSchemaAlso:
    """Annotation metadata adding keywords to a type's JSON Schema, for a rule that a validator
    function enforces, so that editors using ``branchbook schema`` enforce it too."""

    def __init__(self, **keywords: Any):
        self.keywords = keywords

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: GetJsonSchemaHandler) -> dict[str, Any]:
        return {**handler(core_schema), **self.keywords}


_NO_CONTROL = JsonSchemaAlso(pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$")

Slug = Annotated[
    str,
    StringConstraints(pattern=ID_PATTERN),
    AfterValidator(_not_reserved),
    JsonSchemaAlso(**{"not": {"enum": sorted(_RESERVED)}}),
]
"""Lower-case letters, digits and inner hyphens, 1–64 characters: safe as a file name everywhere."""

Text = Annotated[str, StringConstraints(min_length=1, max_length=20_000), AfterValidator(_no_control_characters),
                 _NO_CONTROL]
"""Reader-facing text (Markdown where the field says so)."""

ShortText = Annotated[str, StringConstraints(min_length=1, max_length=300), AfterValidator(_no_control_characters),
                      _NO_CONTROL]

FailureId = Annotated[str, StringConstraints(pattern=r"^F\d{2}$")]


def _whole_float(value: object) -> object:
    """2.0 is the whole number 2 for JSON Schema ("type": "integer"); read it so here too, so that
    the checker and an editor using ``branchbook schema`` agree. 2.5, '2' and true stay errors."""
    return int(value) if type(value) is float and value.is_integer() else value


Whole = Annotated[int, BeforeValidator(_whole_float)]
"""A whole number as YAML writes it (``2``, ``-1``); never text or true/false (the model is strict)."""


class Frozen(BaseModel):
    """Base for every model object: immutable, unknown fields are errors (typos surface), and strict:
    no value is silently converted (``'+1'`` is not the number 1, ``'no'`` is not false), so that the
    checker accepts exactly what the JSON Schema from ``branchbook schema`` accepts."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, str_strip_whitespace=False, defer_build=True)
