"""A model rule's failure that ``check`` can word in the course's language.

Validators raise :func:`broken`: pydantic then reports it in English (what the model says outside
``check``) and carries the catalogue key and its values, so that ``check/schema.py`` words it
again in the course's language, from ``check.model.KEY`` and ``check.model.KEY_hint``. The English
text comes from the same catalogue, so there is one wording per language."""

from __future__ import annotations

from pydantic_core import PydanticCustomError

from ..messages import catalogue, message

KIND = "branchbook_rule"  # pydantic's error type for these


def words(key: str, language: str, values: dict) -> tuple[str, str | None]:
    """The problem and its hint (None when the catalogue has none) in ``language``."""
    hint = f"check.model.{key}_hint"
    return (message(f"check.model.{key}", language, **values),
            message(hint, language, **values) if hint in catalogue(language) else None)


def broken(key: str, **values: str | int) -> PydanticCustomError:
    said, hint = words(key, "en", values)
    english = said if hint is None else f"{said}; {hint}"
    return PydanticCustomError(KIND, english, {"key": key, **values})
