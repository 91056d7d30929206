"""The message catalogue: every string the generated pages and the player show, in one file per language."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=None)
def catalogue(language: str = "en") -> dict[str, str]:
    name = f"{language}.json"
    folder = resources.files(__package__)
    if not folder.joinpath(name).is_file():
        name = "en.json"
    return json.loads(folder.joinpath(name).read_text(encoding="utf-8"))


def message(key: str, language: str = "en", **values: object) -> str:
    return catalogue(language)[key].format(**values)
