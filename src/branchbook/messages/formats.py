"""Numbers and percentages as the course's language writes them (``1 234`` and ``45 %`` in French),
by Babel's CLDR data: the outputs never format a number for people with ``str`` or an f-string."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError
from babel.numbers import format_decimal, format_percent

from . import REFERENCE, catalogue


def locale(language: str) -> Locale:
    """The Babel locale of a course language tag (``fr``, ``fr-CA``); English if Babel does not know it."""
    try:
        return Locale.parse(language, sep="-")
    except (UnknownLocaleError, ValueError):
        return Locale.parse(REFERENCE)


def number(value: int | float, language: str) -> str:
    return format_decimal(value, locale=locale(language))


def percent(part: int, whole: int, language: str) -> str:
    """``part`` of ``whole`` as a whole percentage, or a dash when there is nothing to divide."""
    return format_percent(part / whole, locale=locale(language)) if whole else "–"


def count(key: str, n: int, language: str) -> str:
    """``3 errors``: the catalogue's ``key.one`` or ``key.other`` as the language's plural rule picks
    (French says ``0 erreur``); a CLDR category a catalogue does not carry reads ``other``."""
    words = catalogue(language)
    form = locale(language).plural_form(n)
    return words.get(f"{key}.{form}", words[f"{key}.other"]).format(n=number(n, language))
