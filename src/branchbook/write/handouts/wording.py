"""Conditions and effects in plain words, for print: a packet is played without a computer, so
``when: trust >= 1`` reads "only if trust is at least 1"."""

from __future__ import annotations

from ...model import conditions

_SAY = {">=": "is at least", "<=": "is at most", ">": "is more than", "<": "is less than", "==": "is", "!=": "is not"}
_NEGATE = {">=": "<", "<=": ">", ">": "<=", "<": ">=", "==": "!=", "!=": "=="}
_FLIP = {">=": "<=", "<=": ">=", ">": "<", "<": ">", "==": "==", "!=": "!="}


def condition_words(tree: conditions.Tree, inside: str | None = None) -> str:
    """``["and", [">=", "trust", 1], ["not", "risk"]]`` → ``trust is at least 1 and risk is 0``."""
    if isinstance(tree, (bool, int)):
        return "always" if tree else "never"
    if isinstance(tree, str):
        return f"{tree} is not 0"
    op, *args = tree
    if op == "not":
        inner = args[0]
        if isinstance(inner, str):
            return f"{inner} is 0"
        if isinstance(inner, list) and inner[0] in _NEGATE:
            return condition_words([_NEGATE[inner[0]], inner[1], inner[2]], inside)
        if isinstance(inner, list) and inner[0] == "not":
            return condition_words(inner[1], inside)
        return f"it is not the case that ({condition_words(inner)})"
    if op in ("and", "or"):
        text = f"{condition_words(args[0], op)} {op} {condition_words(args[1], op)}"
        return f"({text})" if inside and inside != op else text
    left, right = args
    if isinstance(left, int) and isinstance(right, str):
        op, left, right = _FLIP[op], right, left
    return f"{left} {_SAY[op]} {right}"


def effect_words(effects: dict[str, int]) -> str:
    """``{"trust": 1, "risk": -2}`` → ``trust +1, risk −2``."""
    return ", ".join(f"{name} {'+' if value >= 0 else '−'}{abs(value)}" for name, value in effects.items())
