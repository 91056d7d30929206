"""The YAML reader gives the same data, marks and problems with libyaml's C parser and with PyYAML's
pure-Python parser, so a course checks alike where PyYAML was built without libyaml; and every
reader rule (aliases, tags, duplicate keys, depth, positions, BOM, size) holds with the fallback."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from branchbook.read import markdown_source, yaml_source
from test_check_broken import test_broken_case  # noqa: F401 - run again below with the fallback forced
from test_read_yaml import *  # noqa: F401,F403 - every reader test, run again below with the fallback forced

REPO = Path(__file__).parent.parent
COURSE_FILES = sorted([REPO / "course.yml", *REPO.glob("scenarios/*.yml"), *REPO.glob("modules/*.md"),
                       *(REPO / "tests" / "fixtures").glob("**/*.yml"), *(REPO / "tests" / "fixtures").glob("**/*.md")])


@pytest.fixture(autouse=True)
def pure_python_parser(monkeypatch, request):
    """The tests imported above run again here with the pure-Python parser (as without libyaml)."""
    if request.function.__module__ != __name__:
        monkeypatch.setattr(yaml_source, "_LIBYAML", None)


PARSERS = {"libyaml": yaml_source._LIBYAML, "pure-python": None}
needs_libyaml = pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML was built without libyaml here")


def _read_with(parser, path: Path):
    read = markdown_source.read if path.suffix == ".md" else yaml_source.read
    original = yaml_source._LIBYAML
    yaml_source._LIBYAML = parser
    try:
        data, marks, problems = read(path, path.name)[:3]
    finally:
        yaml_source._LIBYAML = original
    return data, dict(marks), marks.refused, problems


def _parse_with(parser, text: str):
    original = yaml_source._LIBYAML
    yaml_source._LIBYAML = parser
    try:
        data, marks, problems = yaml_source.parse(text, "f.yml")
    finally:
        yaml_source._LIBYAML = original
    return data, dict(marks), marks.refused, problems


@needs_libyaml
def test_libyaml_is_used_when_installed():
    assert yaml_source._LIBYAML is not None


@needs_libyaml
@pytest.mark.parametrize("path", COURSE_FILES, ids=[str(p.relative_to(REPO)) for p in COURSE_FILES])
def test_both_parsers_read_course_files_alike(path):
    assert _read_with(yaml_source._LIBYAML, path) == _read_with(None, path)


_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                     st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30))
_DATA = st.recursive(_SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                     max_leaves=20)


@st.composite
def yaml_texts(draw):
    """YAML as PyYAML writes it in one of its styles, sometimes with a character inserted or removed."""
    style = draw(st.sampled_from([None, "'", '"', "|", ">"]))
    text = yaml.safe_dump(draw(_DATA), default_style=style, default_flow_style=draw(st.sampled_from([None, True, False])),
                          allow_unicode=draw(st.booleans()), width=draw(st.sampled_from([20, 80])))
    if text and draw(st.booleans()):
        at = draw(st.integers(0, len(text) - 1))
        if draw(st.booleans()):
            text = text[:at] + text[at + 1:]
        else:
            text = text[:at] + draw(st.sampled_from(list(":-#'\"[]{},&*!|>?\t\n \u00e9\u2028\r"))) + text[at:]
    return text


@needs_libyaml
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(yaml_texts())
def test_both_parsers_read_random_yaml_alike(text):
    fast, pure = _parse_with(yaml_source._LIBYAML, text), _parse_with(None, text)
    if pure[3]:
        # libyaml is more lenient in a few corners (a '?' inside a plain scalar in brackets, a comment
        # right after a block scalar's '>-'); there it reads the text as written. Otherwise the same problems.
        assert fast == pure or not fast[3]
    else:
        assert fast == pure


@pytest.mark.parametrize("parser", PARSERS)
@pytest.mark.parametrize("text, col, message", [
    ("a: 0x_\n", 4, "'0x_' cannot be read as !!int"),
    ("a: !!int\n", 4, "'' cannot be read as !!int"),
    ("a: !!bool perhaps\n", 4, "'perhaps' cannot be read as !!bool"),
    ("a: !!map text\n", 4, "the tag '!!map' does not fit this value"),
    ("a: !!str [1]\n", 4, "the tag '!!str' does not fit this value"),
    ("!!int x: 1\n", 1, "a key must be plain text or a number"),
])
def test_a_value_that_does_not_fit_its_tag_is_a_problem_not_a_crash(parser, text, col, message):
    if parser == "libyaml" and not yaml.__with_libyaml__:
        pytest.skip("PyYAML was built without libyaml here")
    _, _, _, problems = _parse_with(PARSERS[parser], text)
    assert [(p.line, p.col, p.message) for p in problems] == [(1, col, message)]
