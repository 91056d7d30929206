"""The condition language of `when:`: parsing, precedence, evaluation, and errors with offsets."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from branchbook.model import conditions
from branchbook.model.conditions import ConditionError, evaluate, names, parse


@pytest.mark.parametrize("source, tree", [
    ("trust", "trust"),
    ("7", 7),
    ("-2", -2),
    ("trust >= 2", [">=", "trust", 2]),
    ("risk==-1", ["==", "risk", -1]),
    ("a != b", ["!=", "a", "b"]),
    ("  a<1  ", ["<", "a", 1]),
    ("not trust", ["not", "trust"]),
    ("NOT a AND b Or c", ["or", ["and", ["not", "a"], "b"], "c"]),
    # and binds tighter than or; not tighter than and; comparison tighter than not
    ("a or b and c", ["or", "a", ["and", "b", "c"]]),
    ("a and b or c", ["or", ["and", "a", "b"], "c"]),
    ("not a < 1 and b", ["and", ["not", ["<", "a", 1]], "b"]),
    ("not not a", ["not", ["not", "a"]]),
    ("(a or b) and c", ["and", ["or", "a", "b"], "c"]),
    ("a and (b or not (c > 2))", ["and", "a", ["or", "b", ["not", [">", "c", 2]]]]),
    # chains associate to the left
    ("a or b or c", ["or", ["or", "a", "b"], "c"]),
    ("a and b and c", ["and", ["and", "a", "b"], "c"]),
    ("risk >= 2 and not trust < 1", ["and", [">=", "risk", 2], ["not", ["<", "trust", 1]]]),
])
def test_parse(source, tree):
    assert parse(source) == tree


@pytest.mark.parametrize("source, values, result", [
    ("trust", {"trust": 0}, 0),
    ("trust", {"trust": 3}, 3),
    ("not trust", {"trust": 0}, 1),
    ("not trust", {"trust": -1}, 0),
    ("a or b and c", {"a": 1, "b": 0, "c": 0}, 1),
    ("(a or b) and c", {"a": 1, "b": 0, "c": 0}, 0),
    ("a == b", {"a": 2, "b": 2}, 1),
    ("a != b", {"a": 2, "b": 2}, 0),
    ("a < 2", {"a": 1}, 1),
    ("a <= 1", {"a": 1}, 1),
    ("a > 1", {"a": 1}, 0),
    ("a >= 1", {"a": 1}, 1),
    ("-1 < a", {"a": 0}, 1),
    ("not a < 1 and b", {"a": 5, "b": 2}, 1),
    ("not a < 1 and b", {"a": 0, "b": 2}, 0),
])
def test_evaluate(source, values, result):
    assert evaluate(parse(source), values) == result


def test_names_lists_every_variable_read():
    assert names(parse("a > 1 and (not b or c == a) or 3")) == {"a", "b", "c"}
    assert names(parse("2 < 3")) == set()


def test_an_unknown_name_is_a_key_error_at_evaluation():
    """Evaluation trusts the checker to have refused undeclared variables (tests/broken/cond-*)."""
    with pytest.raises(KeyError):
        evaluate(parse("ghost > 1"), {})
    with pytest.raises(KeyError):  # made for values by position: at once
        conditions.by_position(parse("ghost > 1 or 1"), ["trust"])


@pytest.mark.parametrize("source, offset, message", [
    ("", 0, "condition is empty"),
    ("   ", 0, "condition is empty"),
    ("trust => 1", 6, "unexpected character '='"),
    ("trust = 1", 6, "unexpected character '='"),
    ("a && b", 2, "unexpected character '&'"),
    ("a and", 5, "condition ends too early"),
    ("a >=", 4, "condition ends too early"),
    ("a < b < c", 6, "unexpected '<'"),
    ("a b", 2, "unexpected 'b'"),
    ("and", 0, "expected a variable or a number but found 'and'"),
    ("a or or b", 5, "expected a variable or a number but found 'or'"),
    ("(a or b", 0, "this '(' is never closed"),
    ("x and (a or b", 6, "this '(' is never closed"),
    ("(a b)", 3, "expected ')' but found 'b'"),
    ("()", 1, "expected a variable or a number but found ')'"),
    ("a)", 1, "unexpected ')'"),
    ("a -1", 2, "unexpected '-1'"),
    ("trust >= 2.5", 10, "unexpected character '.'"),
    ("__import__('os')", 11, "unexpected character \"'\""),
    ("a > 1; b", 5, "unexpected character ';'"),
])
def test_syntax_errors_say_where(source, offset, message):
    with pytest.raises(ConditionError) as caught:
        parse(source)
    assert message in str(caught.value)
    assert caught.value.offset == offset


@pytest.mark.parametrize("source, offset, instead", [
    ("a && b", 2, ("&&", "and")),
    ("a & b", 2, ("&", "and")),
    ("a || b", 2, ("||", "or")),
    ("trust => 1", 6, ("=>", ">=")),
    ("trust =< 1", 6, ("=<", "<=")),
    ("trust = 1", 6, ("=", "==")),
    ("!open", 0, ("!", "not")),
    ("a > 1; b", 5, None),
])
def test_another_languages_operator_is_named_with_this_ones(source, offset, instead):
    """What an author used to C, Python or spreadsheets writes is told apart, so the hint can say
    what to write instead (a character with no counterpart here says nothing more)."""
    with pytest.raises(ConditionError) as caught:
        parse(source)
    assert (caught.value.offset, caught.value.instead) == (offset, instead)


def test_length_and_depth_are_bounded():
    with pytest.raises(ConditionError, match="longer than 500"):
        parse("a or " * 100 + "a")
    with pytest.raises(ConditionError, match="more than 32 deep") as caught:
        parse("(" * 200 + "a" + ")" * 200)
    assert caught.value.offset == 32
    with pytest.raises(ConditionError, match="more than 32 deep"):
        parse("not " * 100 + "a")
    assert parse("(" * 32 + "a" + ")" * 32) == "a"


def test_error_offsets_point_into_the_source():
    for source in ("a >", "(((", "a and not", "1 2", "x ! y"):
        with pytest.raises(ConditionError) as caught:
            parse(source)
        assert 0 <= caught.value.offset <= len(source)


CONDITION_ALPHABET = st.sampled_from(list("ab_01-9 ()<>=!") + [" and ", " or ", "not ", "(", ")"])


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=80), st.lists(CONDITION_ALPHABET, max_size=40).map("".join),
                 st.text(alphabet="(not ", max_size=conditions.MAX_LENGTH)))
def test_random_strings_parse_or_raise_condition_error_only(source):
    try:
        tree = parse(source)
    except ConditionError as err:
        assert 0 <= err.offset <= len(source)
    else:  # whatever parses can be evaluated once its variables have values
        assert isinstance(evaluate(tree, {name: 1 for name in names(tree)}), int)


# Well-formed expressions, built as trees with a Python reference value, rendered with the fewest
# parentheses the precedence needs: parsing must give back the same tree, and evaluate the same value.
_OR, _AND, _NOT, _CMP, _ATOM = range(5)
VARS = ("a", "b", "trust")
_PY = {"==": int.__eq__, "!=": int.__ne__, "<": int.__lt__, "<=": int.__le__, ">": int.__gt__, ">=": int.__ge__}

atoms = st.one_of(st.sampled_from(VARS), st.integers(-20, 20))
comparisons = st.builds(lambda op, x, y: [op, x, y], st.sampled_from(list(_PY)), atoms, atoms)


def _grow(children):
    return st.one_of(
        st.builds(lambda x: ["not", x], children),
        st.builds(lambda x, y: ["and", x, y], children, children),
        st.builds(lambda x, y: ["or", x, y], children, children),
    )


trees = st.recursive(st.one_of(atoms, comparisons), _grow, max_leaves=12)


def _precedence(tree) -> int:
    if not isinstance(tree, list):
        return _ATOM
    return {"or": _OR, "and": _AND, "not": _NOT}.get(tree[0], _CMP)


def render(tree, need: int = _OR) -> str:
    if isinstance(tree, int):
        text = str(tree)
    elif isinstance(tree, str):
        text = tree
    elif tree[0] == "not":
        text = "not " + render(tree[1], _NOT)
    elif tree[0] in ("and", "or"):
        own = _precedence(tree)
        text = f"{render(tree[1], own)} {tree[0]} {render(tree[2], own + 1)}"
    else:
        text = f"{render(tree[1], _ATOM)} {tree[0]} {render(tree[2], _ATOM)}"
    return f"({text})" if _precedence(tree) < need else text


def reference(tree, values) -> int:
    if isinstance(tree, int):
        return tree
    if isinstance(tree, str):
        return values[tree]
    if tree[0] == "not":
        return int(not reference(tree[1], values))
    if tree[0] == "and":
        return int(bool(reference(tree[1], values)) and bool(reference(tree[2], values)))
    if tree[0] == "or":
        return int(bool(reference(tree[1], values)) or bool(reference(tree[2], values)))
    return int(_PY[tree[0]](reference(tree[1], values), reference(tree[2], values)))


@settings(max_examples=300, deadline=None)
@given(trees, st.fixed_dictionaries({v: st.integers(-5, 5) for v in VARS}))
def test_well_formed_expressions_parse_back_and_evaluate(tree, values):
    source = render(tree)
    parsed = parse(source)
    assert parsed == tree, source
    assert evaluate(parsed, values) == reference(tree, values)
    assert names(parsed) <= set(VARS)


@settings(max_examples=300, deadline=None)
@given(trees, st.permutations([*VARS, "other"]), st.lists(st.integers(-5, 5), min_size=4, max_size=4))
def test_a_condition_made_for_values_by_position_gives_what_evaluate_gives(tree, order, packed):
    """The state search's shortcut: the same integer as ``evaluate``, whatever the order of the names (and with a
    name the condition does not read among them)."""
    made = conditions.by_position(tree, order)(tuple(packed))
    assert made == evaluate(tree, dict(zip(order, packed, strict=True)))
    assert type(made) is int
