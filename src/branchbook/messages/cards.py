"""The product's own printed texts, one data file per language: the quick-reference cards
(``templates/typst/quickref/NN-id.yml``) and the facilitator guide's ground rules and room-safety
protocol (``templates/typst/facilitator.yml``). A translation sits beside its original with the
language before the extension (``facilitator.fr.yml``); where none is shipped the original is used.
The handouts writer prints them and the workshop page links the cards by title, so both read them here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "typst"
QUICKREF = TEMPLATES / "quickref"


def _translated(original: Path, language: str) -> Path:
    """``facilitator.yml`` → ``facilitator.fr.yml`` for ``fr`` or ``fr-CA``, when it exists."""
    for name in (language, language.partition("-")[0]):
        path = original.with_name(f"{original.stem}.{name}{original.suffix}")
        if path.is_file():
            return path
    return original


def _read(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def quickref_cards(language: str = "en") -> list[dict[str, Any]]:
    """The quick-reference cards in file-name order, each in ``language`` where translated."""
    cards = []
    for path in sorted(p for p in QUICKREF.glob("*.yml") if "." not in p.stem):
        card = _read(_translated(path, language))
        card["id"] = path.stem.split("-", 1)[1] if path.stem[:2].isdigit() else path.stem
        cards.append(card)
    return cards


def facilitator_protocol(language: str = "en") -> dict[str, Any]:
    """Ground rules, room-safety protocol and materials for the facilitator guide."""
    return _read(_translated(TEMPLATES / "facilitator.yml", language))
