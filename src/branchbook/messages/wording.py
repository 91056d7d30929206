"""Conditions and effects in plain words, from the message catalogue.

A learner playing from the page without JavaScript (or from paper) keeps the trackers by hand, so
each choice must say in words when it is offered and what it changes. The words come from the
catalogue (``words.*`` keys) so a translation changes them without touching code.
"""

from __future__ import annotations

from ..model import conditions
from . import message

_COMPARE = {">=": "words.at_least", "<=": "words.at_most", ">": "words.more_than", "<": "words.less_than",
            "==": "words.equals", "!=": "words.not_equals"}
_NEGATE = {">=": "<", "<=": ">", ">": "<=", "<": ">=", "==": "!=", "!=": "=="}
_FLIP = {">=": "<=", "<=": ">=", ">": "<", "<": ">", "==": "==", "!=": "!="}


def condition_words(tree: conditions.Tree, language: str = "en", inside: str | None = None) -> str:
    """``["and", [">=", "trust", 1], ["not", "risk"]]`` → ``trust is at least 1 and risk is 0``.

    ``inside`` is the connective this part sits in: a mix of ``and`` and ``or`` gets parentheses.
    """
    if isinstance(tree, (bool, int)):
        return message("words.always" if tree else "words.never", language)
    if isinstance(tree, str):
        return message("words.not_zero", language, name=tree)
    op, *args = tree
    if op == "not":
        inner = args[0]
        if isinstance(inner, str):
            return message("words.zero", language, name=inner)
        if isinstance(inner, list) and inner[0] in _NEGATE:
            return condition_words([_NEGATE[inner[0]], inner[1], inner[2]], language, inside)
        if isinstance(inner, list) and inner[0] == "not":
            return condition_words(inner[1], language, inside)
        if isinstance(inner, list) and inner[0] in ("and", "or"):  # De Morgan: plain words need no "not (…)"
            return condition_words(["or" if inner[0] == "and" else "and", ["not", inner[1]], ["not", inner[2]]],
                                   language, inside)
        return message("words.never" if inner else "words.always", language)
    if op in ("and", "or"):
        text = message(f"words.{op}", language, left=condition_words(args[0], language, op),
                       right=condition_words(args[1], language, op))
        return message("words.group", language, condition=text) if inside and inside != op else text
    left, right = args
    if isinstance(left, int) and isinstance(right, str):
        op, left, right = _FLIP[op], right, left
    return message(_COMPARE[op], language, left=left, right=right)


def effect_words(effects: dict[str, int], language: str = "en") -> str:
    """``{"trust": 1, "risk": -2}`` → ``trust +1, risk −2`` (as the printed packet writes them)."""
    parts = [message("words.raise" if value >= 0 else "words.lower", language, name=name, amount=abs(value))
             for name, value in effects.items()]
    return message("words.list_separator", language).join(parts)
