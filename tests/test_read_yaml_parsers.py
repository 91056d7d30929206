"""The YAML reader gives the same data, marks and problems with libyaml's C parser and with PyYAML's
pure-Python parser, so a course checks alike where PyYAML was built without libyaml; and every
reader rule (aliases, tags, duplicate keys, depth, positions, BOM, size) holds with the fallback."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from branchbook.read import markdown_source, yaml_source
from branchbook.source_map import SourceMap
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


_PLAIN_SCALARS = ["a", "word", "1", "-2", "0x1F", "31", "0o17", "1_000", "1.5", ".inf", ".NaN", "yes", "No", "on", "~",
                  "null", "''", '"x"', "'1'", "2024-01-05", "!!str 4", "!!int 3", "!!bool yes", "!!float 1",
                  "!!null ''", "! 12"]
_ODD_SCALARS = ["=", "<<", "!!int x", "!!bool maybe", "!!map x", "!!seq y", "!!binary aGk=", "!!timestamp 2024-01-05",
                "!local x", "!!python/name:os.system"]
_PLAIN_KEYS = ["a", "b", "key", "1", "-2", "0x1F", "31", "0o17", "''", '"x"', "'1'", "!!str 4", "!!int 3", "2024-01-05"]
_ODD_KEYS = ["1.5", "yes", "~", "null", "[a]", "{b: c}", "!!int x", "<<", "=", "!local k", "!!float 1"]
_COLLECTION_TAGS = [""] * 20 + ["!!map ", "!!seq ", "!!str ", "!!set ", "!!omap ", "!local "]


@st.composite
def tagged_texts(draw):
    """YAML in block or flow style made of the corners of the reader's rules: numbers, yes/no and nothing as
    keys, repeated keys, tags that fit their value or do not, text that cannot be read as its tag."""
    odd = draw(st.booleans())  # else plain data only, with no key written twice in a mapping (often read clean)
    keys = st.sampled_from(_PLAIN_KEYS * 3 + _ODD_KEYS if odd else _PLAIN_KEYS)  # a key drawn twice: a duplicate
    shapes = st.recursive(st.sampled_from(_PLAIN_SCALARS * 6 + _ODD_SCALARS if odd else _PLAIN_SCALARS),
                          lambda inner: st.tuples(st.sampled_from(_COLLECTION_TAGS if odd else [""]), st.one_of(
                              st.lists(inner, max_size=4),
                              st.lists(st.tuples(keys, inner), min_size=1, max_size=4,
                                       unique_by=None if odd else (lambda item: item[0])).map(tuple))),
                          max_leaves=16)

    def flow(shape) -> str:
        if isinstance(shape, str):
            return shape
        tag, items = shape
        if isinstance(items, list):
            return tag + "[" + ", ".join(flow(item) for item in items) + "]"
        return tag + "{" + ", ".join(f"{key}: {flow(value)}" for key, value in items) + "}"

    def block(shape, indent: int) -> str:  # the lines of a collection (scalars and empty ones are written in flow)
        _, items = shape
        lines = [(f"{key}:", value) for key, value in items] if isinstance(items, tuple) else [("-", i) for i in items]
        text = ""
        for lead, value in lines:
            if isinstance(value, str) or not value[1]:
                text += " " * indent + f"{lead} {flow(value)}\n"
            else:
                text += " " * indent + f"{lead} {value[0]}\n" + block(value, indent + 2)
        return text

    shape = draw(shapes)
    if isinstance(shape, str) or not shape[1] or draw(st.booleans()):
        return flow(shape) + "\n"
    return ("--- " + shape[0] + "\n" if shape[0] else "") + block(shape, 0)


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


def _composed_and_careful(text: str):
    """What the compiled composer's route gives (None: it left the text to the careful route), and the careful
    route's own parse with libyaml's events."""
    composed = yaml_source._parse_composed(text, "f.yml", 0, "en")
    careful = yaml_source._parse(yaml_source._LIBYAML, text, "f.yml", 0, "en")
    shown = lambda parsed: parsed and (parsed[0], dict(parsed[1]), parsed[1].refused, parsed[2])  # noqa: E731
    return shown(composed), shown(careful)


@needs_libyaml
@pytest.mark.parametrize("path", [p for p in COURSE_FILES if p.suffix == ".yml"],
                         ids=[str(p.relative_to(REPO)) for p in COURSE_FILES if p.suffix == ".yml"])
def test_the_compiled_composer_reads_course_files_as_the_careful_route(path):
    composed, careful = _composed_and_careful(path.read_text(encoding="utf-8"))
    assert composed == careful  # (and it takes them all: none is left to the careful route)


@needs_libyaml
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(yaml_texts(), tagged_texts()))
def test_the_compiled_composer_reads_random_yaml_as_the_careful_route_or_leaves_it(text):
    try:
        composed, careful = _composed_and_careful(text)
    except (yaml.YAMLError, ValueError):
        return  # the careful route raises here only for text that parse() then reads with the pure-Python parser
    assert composed is None or composed == careful


def _composed_tree(loader_class, text: str):
    loader = loader_class(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


@needs_libyaml
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(yaml_texts(), tagged_texts()))
@example("a: !!binary aGk=\n").via("a tag the safe constructor reads, that the reader refuses")
@example("a: !!timestamp 2024-01-05\n").via("a tag the safe constructor reads, that the reader refuses")
@example("{31: a, 0x1F: b}\n").via("one key written twice in two ways")
@example("{2: [1, {a: !!str [x]}], b: !!int 0o17}\n").via("a misfit deep down")
def test_the_plain_builder_gives_what_the_careful_builder_gives_or_leaves_it(text):
    """On one compiled composer's tree (with no anchor, as _parse_composed asks): _plain's data and marks are
    _build's wherever _build finds no problem, and it leaves a tree to _build only where _build finds one."""
    assume("&" not in text)
    try:
        root = _composed_tree(yaml_source._ComposedInC, text)
    except (yaml.YAMLError, ValueError):
        return
    assume(root is not None)
    careful_marks, problems = SourceMap("f.yml", 0, text), []
    try:
        careful = yaml_source._build(root, (), careful_marks, problems, yaml.constructor.SafeConstructor(), "en", set())
    except yaml_source._Unusual:
        careful = yaml_source._Unusual
    plain_marks = SourceMap("f.yml", 0, text)
    try:
        plain = yaml_source._plain(root, (), plain_marks, yaml.constructor.SafeConstructor())
    except yaml_source._Unusual:
        assert careful is yaml_source._Unusual or problems
    else:
        assert not problems and not careful_marks.refused
        assert repr(plain) == repr(careful)  # repr: 1, 1.0 and True are equal, but not the same data
        assert list(plain_marks.items()) == list(careful_marks.items())


_IMPLICIT_CORNERS = st.sampled_from([c.split(" ", 1)[-1] for c in _PLAIN_SCALARS + _ODD_SCALARS + _ODD_KEYS] + [
    "", "0", "+1", "0b101", "1:30", "190:20:30", "-.inf", "1e3", "1.0e+3", "6.8523015e+5", "Y", "n", "OFF", "NULL",
    "Null", "<<", "=", "2001-12-14t21:59:43.10-05:00", "!", "&a", "*a", "0x_", "1__0", "._"])


@needs_libyaml
@settings(max_examples=500, deadline=None)
@given(st.one_of(_IMPLICIT_CORNERS, st.text(max_size=12), st.from_regex(r"[-+]?[0-9._xobe:]{0,10}", fullmatch=True)),
       st.booleans(), st.booleans())
def test_the_compiled_composers_resolver_gives_the_resolvers_tags(value, plain, quoted):
    loader = yaml_source._ComposedInC("")
    try:
        for kind, implicit in [(yaml.ScalarNode, (plain, quoted)), (yaml.SequenceNode, plain),
                               (yaml.MappingNode, plain)]:
            assert loader.resolve(kind, value, implicit) == yaml_source._Resolver().resolve(kind, value, implicit)
    finally:
        loader.dispose()


@needs_libyaml
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(yaml_texts(), tagged_texts()))
def test_the_compiled_composer_tags_every_node_as_the_resolver_does(text):
    class Reference(yaml.cyaml.CParser, yaml_source._Resolver):  # the compiled composer, with _Resolver as it is
        def __init__(self, stream):
            yaml.cyaml.CParser.__init__(self, stream)
            yaml_source._Resolver.__init__(self)

    def shown(node, seen=()):
        if node is None:  # no document
            return None
        if id(node) in seen:  # an alias of an ancestor: not followed round again
            return "*"
        if isinstance(node, yaml.ScalarNode):
            return node.tag, node.value, node.style
        return node.tag, [tuple(shown(n, (*seen, id(node))) for n in pair) if isinstance(pair, tuple)
                          else shown(pair, (*seen, id(node))) for pair in node.value]

    try:
        reference = _composed_tree(Reference, text)
    except (yaml.YAMLError, ValueError):
        return
    assert shown(_composed_tree(yaml_source._ComposedInC, text)) == shown(reference)


@needs_libyaml
@pytest.mark.parametrize("text", [
    "a: &x [1, 2]\nb: *x\n",  # an alias of a list
    "a: &x 1\nb: *x\n",  # of a scalar
    "&k key: 1\n*k : 2\n",  # as a key
    "a: &x {b: 1}\nc: [*x, *x]\n",
    "x:\n" + "".join(" " * i + "- \n" for i in range(1, 70)),  # nested past the bound, in blocks
    "x: " + "[" * 70 + "]" * 70 + "\n",  # and in brackets
])
def test_aliases_and_deep_nesting_are_left_to_the_careful_route(text):
    assert yaml_source._parse_composed(text, "f.yml", 0, "en") is None
    data, marks, problems = yaml_source.parse(text, "f.yml")
    assert problems  # refused as before: the alias, or the depth


def test_text_nested_past_any_reason_is_refused_without_a_crash():
    import subprocess
    import sys

    program = ("from branchbook.read import yaml_source; "
               "print(yaml_source.parse('x: ' + '[' * 200000 + ']' * 200000, 'f.yml')[2][0].message)")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "nest" in done.stdout.lower(), done.stderr[-2000:]
