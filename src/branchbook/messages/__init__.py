"""The message catalogue: every string the outputs show, in one JSON file per language (``en.json`` is
the reference; every other catalogue has exactly its keys and placeholders, which a test enforces)."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

REFERENCE = "en"


def languages() -> list[str]:
    """The languages a catalogue ships for, reference first."""
    names = sorted(p.name[:-5] for p in resources.files(__package__).iterdir() if p.name.endswith(".json"))
    return [REFERENCE] + [n for n in names if n != REFERENCE]


def shipped(language: str) -> str:
    """The shipped catalogue for a course language: ``fr-CA`` reads ``fr``; one not shipped reads English."""
    for name in (language, language.partition("-")[0]):
        if name in languages():
            return name
    return REFERENCE


@lru_cache(maxsize=None)
def catalogue(language: str = REFERENCE) -> dict[str, str]:
    name = f"{shipped(language)}.json"
    return json.loads(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"))


def message(key: str, language: str = REFERENCE, /, **values: object) -> str:
    return catalogue(language)[key].format(**values)
