"""A tiny, safe condition language for choices: integers, variables, comparisons, and/or/not.

Authors write ``risk >= 2 and not trust < 1``. It is parsed here into a JSON-ready tree
(``["and", [">=", "risk", 2], ["not", ["<", "trust", 1]]]``) that Python (the checker's state
exploration) and JavaScript (the player) both evaluate with a few lines each: no ``eval``
anywhere, and one grammar for both.

Grammar::

    expr   := and ("or" and)*
    and    := unary ("and" unary)*
    unary  := "not" unary | "(" expr ")" | compare
    compare:= atom (OP atom)?          OP is one of == != < <= > >=
    atom   := NAME | INTEGER
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Mapping, Union

from ..messages import message

Tree = Union[int, str, list]

_TOKEN = re.compile(r"\s*(?:(?P<int>-?\d+)|(?P<name>[a-z_][a-z0-9_]*)|(?P<op>==|!=|<=|>=|<|>|\(|\)))", re.I)
_KEYWORDS = {"and", "or", "not"}
COMPARISONS = ("==", "!=", "<=", ">=", "<", ">")
_COMPARE = {"==": operator.eq, "!=": operator.ne, "<=": operator.le, ">=": operator.ge,
            "<": operator.lt, ">": operator.gt}
MAX_LENGTH = 500
MAX_DEPTH = 32


_INSTEAD = (("&&", "and"), ("||", "or"), ("=>", ">="), ("=<", "<="), ("&", "and"), ("|", "or"), ("=", "=="),
            ("!", "not"))
"""Operators other languages write that this one spells otherwise, longest first: an author who writes
``trust >= 2 && open`` is told to write ``and``, not only that ``&`` is unexpected."""


class ConditionError(ValueError):
    """A condition that does not parse; ``offset`` points into the source text. Its text is English;
    ``key`` and ``values`` word it in another language (``check.condition.KEY`` in the catalogue).
    ``instead``: (what was written, what this language writes) when the author used another
    language's operator, else None."""

    def __init__(self, key: str, offset: int, instead: tuple[str, str] | None = None, **values: str | int):
        super().__init__(message(f"check.condition.{key}", "en", **values))
        self.key, self.offset, self.values, self.instead = key, offset, values, instead

    def words(self, language: str) -> str:
        return message(f"check.condition.{self.key}", language, **self.values)


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    offset: int


def _tokenize(source: str) -> list[_Token]:
    if len(source) > MAX_LENGTH:
        raise ConditionError("too_long", 0, max=MAX_LENGTH)
    tokens, pos = [], 0
    while pos < len(source):
        if source[pos:].strip() == "":
            break
        match = _TOKEN.match(source, pos)
        if not match:
            at = pos + len(source[pos:]) - len(source[pos:].lstrip())
            instead = next(((wrong, right) for wrong, right in _INSTEAD if source.startswith(wrong, at)), None)
            raise ConditionError("unexpected_character", at, instead, char=repr(source[at]))
        kind = match.lastgroup or "op"
        text, offset = match.group(kind), match.start(kind)
        if kind == "name" and text.lower() in _KEYWORDS:
            kind = "kw"
            text = text.lower()
        tokens.append(_Token(kind, text, offset))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, source: str):
        self.source = source
        self.tokens = _tokenize(source)
        self.i = 0
        self.depth = 0

    def _peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def _take(self) -> _Token:
        tok = self._peek()
        if tok is None:
            raise ConditionError("ends_early", len(self.source))
        self.i += 1
        return tok

    def parse(self) -> Tree:
        if not self.tokens:
            raise ConditionError("empty", 0)
        tree = self._or()
        extra = self._peek()
        if extra is not None:
            raise ConditionError("unexpected", extra.offset, text=repr(extra.text))
        return tree

    def _or(self) -> Tree:
        left = self._and()
        while (tok := self._peek()) and tok.text == "or":
            self._take()
            left = ["or", left, self._and()]
        return left

    def _and(self) -> Tree:
        left = self._unary()
        while (tok := self._peek()) and tok.text == "and":
            self._take()
            left = ["and", left, self._unary()]
        return left

    def _unary(self) -> Tree:
        tok = self._peek()
        if tok and tok.text in ("not", "("):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise ConditionError("too_deep", tok.offset, max=MAX_DEPTH)
            try:
                return self._nested(tok)
            finally:
                self.depth -= 1
        left = self._atom()
        tok = self._peek()
        if tok and tok.text in COMPARISONS:
            self._take()
            return [tok.text, left, self._atom()]
        return left

    def _nested(self, tok: _Token) -> Tree:
        if tok.text == "not":
            self._take()
            return ["not", self._unary()]
        self._take()
        inner = self._or()
        close = self._peek()
        if close is None:
            raise ConditionError("unclosed", tok.offset)
        if close.text != ")":
            raise ConditionError("expected_close", close.offset, text=repr(close.text))
        self._take()
        return inner

    def _atom(self) -> Tree:
        tok = self._take()
        if tok.kind == "int":
            return int(tok.text)
        if tok.kind == "name":
            return tok.text
        raise ConditionError("expected_operand", tok.offset, text=repr(tok.text))


def parse(source: str) -> Tree:
    """Parse a condition; raises :class:`ConditionError` with an offset on bad syntax."""
    return _Parser(source).parse()


def names(tree: Tree) -> set[str]:
    """The variable names a condition reads."""
    if isinstance(tree, str):
        return {tree}
    if isinstance(tree, list):
        return set().union(*(names(part) for part in tree[1:]))
    return set()


def evaluate(tree: Tree, values: Mapping[str, int]) -> int:
    """Evaluate to an integer; non-zero is true. Unknown names are a KeyError (the checker prevents them)."""
    if isinstance(tree, bool):
        return int(tree)
    if isinstance(tree, int):
        return tree
    if isinstance(tree, str):
        return values[tree]
    op, *args = tree
    if op == "not":
        return int(not evaluate(args[0], values))
    if op == "and":
        return int(bool(evaluate(args[0], values)) and bool(evaluate(args[1], values)))
    if op == "or":
        return int(bool(evaluate(args[0], values)) or bool(evaluate(args[1], values)))
    a, b = evaluate(args[0], values), evaluate(args[1], values)
    return int(_COMPARE[op](a, b))


def by_position(tree: Tree, names: Sequence[str]) -> Callable[[Sequence[int]], int]:
    """``evaluate`` made once into a function of values given by position in ``names``.

    The checker's state search evaluates each condition in thousands of states, each held as a tuple of values:
    walking the tree and making a dict for every state was most of the search's time. The function gives what
    ``evaluate`` gives (``tests/test_conditions.py`` holds the two equal on random conditions and values), except
    that a name not in ``names`` is a KeyError at once rather than when it is reached. No ``eval``: it is made of
    closures, one a node of the tree."""
    index = {name: i for i, name in enumerate(names)}

    def made(tree: Tree) -> Callable[[Sequence[int]], int]:
        if isinstance(tree, int):
            constant = int(tree)  # (a bool is 0 or 1, as evaluate reads it)
            return lambda values: constant
        if isinstance(tree, str):
            return operator.itemgetter(index[tree])
        op, *args = tree
        if op in _COMPARE and isinstance(args[0], str) and type(args[1]) is int:  # 'trust >= 2': nearly every condition
            compare, i, constant = _COMPARE[op], index[args[0]], args[1]
            return lambda values: 1 if compare(values[i], constant) else 0
        if op == "not":
            inner = made(args[0])
            return lambda values: 0 if inner(values) else 1
        left, right = made(args[0]), made(args[1])
        if op == "and":
            return lambda values: 1 if left(values) and right(values) else 0
        if op == "or":
            return lambda values: 1 if left(values) or right(values) else 0
        compare = _COMPARE[op]
        return lambda values: 1 if compare(left(values), right(values)) else 0

    return made(tree)
