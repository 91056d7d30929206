"""The YAML reader: safe (no aliases, no tags, bounded), and exact about where every value was written."""

from __future__ import annotations

import re
import time

import pytest

from branchbook.load import load_course
from branchbook.read.yaml_source import MAX_BYTES, decode, parse
from branchbook.source_map import Mark, SourceMap


def only(problems):
    assert len(problems) == 1, [p.format() for p in problems]
    return problems[0]


def test_values_and_marks():
    data, marks, problems = parse("title: The favour\nnodes:\n  a:\n    text: Hi\nlist: [1, two]\n", "f.yml")
    assert problems == []
    assert data == {"title": "The favour", "nodes": {"a": {"text": "Hi"}}, "list": [1, "two"]}
    assert (marks[("title",)].line, marks[("title",)].col) == (1, 8)
    assert (marks[("nodes", "a", "[key]")].line, marks[("nodes", "a", "[key]")].col) == (3, 3)
    assert (marks[("list", 1)].line, marks[("list", 1)].col) == (5, 11)
    # a path that was never written falls back to its nearest written ancestor
    assert marks.find(("nodes", "a", "choices", 0)) == marks[("nodes", "a")]


def test_dates_stay_text_as_written():
    data, _, problems = parse("title: 2024-01-05\nwhen: 2024-01-05 10:00:00\n", "f.yml")
    assert problems == [] and data == {"title": "2024-01-05", "when": "2024-01-05 10:00:00"}


def test_billion_laughs_is_refused_before_expanding():
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 20):  # 10**20 strings if it were expanded
        prev, name = chr(ord("a") + i - 1), chr(ord("a") + i)
        levels.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 10) + "]")
    text = "\n".join(levels) + "\n"
    started = time.perf_counter()
    data, _, problems = parse(text, "bomb.yml")
    assert time.perf_counter() - started < 0.2
    assert data is None
    problem = only(problems)
    assert (problem.line, problem.col) == (2, 8)
    assert "an alias (*a) is used here; course files do not allow anchors and aliases" in problem.message


def test_a_bomb_in_a_course_file_is_refused_quickly(tmp_path, mini_course):
    bomb = "\n".join(['a: &a ["x","x","x","x","x","x","x","x","x","x"]'] +
                     [f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 10) + "]" for i in range(15)])
    (mini_course / "scenarios" / "the-favour.yml").write_text(bomb + "\n")
    started = time.perf_counter()
    loaded = load_course(mini_course)
    assert time.perf_counter() - started < 1.0
    errors = [p for p in loaded.report.errors if p.file == "scenarios/the-favour.yml"]
    assert [(p.line, p.col) for p in errors] == [(2, 8)]


def test_python_tags_are_refused_and_nothing_runs(tmp_path):
    sentinel = tmp_path / "pwned"
    text = (f"a: !!python/object/apply:os.system ['touch {sentinel}']\n"
            f"b: !!python/object/new:subprocess.Popen [['touch', '{sentinel}']]\n"
            "c: !!python/name:os.system\n"
            "d: !custom {x: 1}\n")
    data, marks, problems = parse(text, "evil.yml")
    assert not sentinel.exists()
    assert data == {"a": None, "b": None, "c": None, "d": None}
    assert [(p.line, p.col, p.message) for p in problems] == [
        (1, 4, "the tag '!!python/object/apply:os.system' is not allowed: course files hold plain data only"),
        (2, 4, "the tag '!!python/object/new:subprocess.Popen' is not allowed: course files hold plain data only"),
        (3, 4, "the tag '!!python/name:os.system' is not allowed: course files hold plain data only"),
        (4, 4, "the tag '!custom' is not allowed: course files hold plain data only"),
    ]
    assert marks.refused == {("a",), ("b",), ("c",), ("d",)}


def test_duplicate_keys_name_both_lines():
    data, _, problems = parse("id: a\ntitle: One\nid: b\n", "f.yml")
    assert data == {"id": "a", "title": "One"}  # the first is kept, and the second reported
    problem = only(problems)
    assert (problem.line, problem.col, problem.message) == (3, 1, "duplicate key 'id' (first written at line 1)")


def test_deep_nesting_is_refused_without_recursion_error():
    data, _, problems = parse("a: " + "[" * 5000 + "]" * 5000 + "\n", "deep.yml")
    assert data is None
    problem = only(problems)
    assert "nested more than" in problem.message and problem.line == 1


@pytest.mark.parametrize("text, line, col, message", [
    ("a: 1\n\tb: 2\n", 2, 1, "a tab character: YAML indentation must use spaces, not tabs"),
    ("a: 'open\nb: 2\n", 1, 4, "a quoted text starts here and is never closed"),
    ("label: Ask: why\n", 1, 11, "a ':' here would start a field, but no field can start here"),
    ("a: [1, 2\nb: 3\n", 2, 2, "expected ',' or ']' but found ':', inside the '[' that starts at line 1, column 4"),
    ("a: 1\n---\nb: 2\n", 2, 1, "a second YAML document starts here ('---')"),
    ("a: x\x07y\n", 1, 5, "the character U+0007 is not allowed in a YAML file"),
])
def test_syntax_errors_are_located_and_plain(text, line, col, message):
    _, _, problems = parse(text, "f.yml")
    problem = only(problems)
    assert (problem.file, problem.line, problem.col) == ("f.yml", line, col)
    assert message in problem.message


def test_line_offset_shifts_every_line():
    _, _, problems = parse("a: 1\nb: [x\n", "m.md", line_offset=1)
    assert "inside the '[' that starts at line 3, column 4" in only(problems).message
    _, _, problems = parse("a: 1\nb: 'x\n", "m.md", line_offset=1)
    assert (only(problems).line, only(problems).col) == (3, 4)
    _, marks, _ = parse("a: 1\nb: x\n", "m.md", line_offset=1)
    assert (marks[("b",)].line, marks.position(("b",), "x", 0)) == (3, (3, 4))


def test_decode_refuses_oversized_binary_and_non_utf8():
    big = b"a" * (MAX_BYTES + 1)
    started = time.perf_counter()
    text, problems = decode(big, "big.yml")
    assert time.perf_counter() - started < 0.1
    assert text is None
    assert [(p.line, p.col, p.message) for p in problems] == [(1, 1, "file is 1,000,001 bytes; the limit is 1,000,000")]
    assert decode(b"a: 1\n" + b"#" * (MAX_BYTES - 5), "just.yml")[0] is not None  # exactly the limit is fine

    text, problems = decode("a: 1\nb: caf\u00e9 \x00x\n".encode(), "nul.yml")
    assert text is None and [(p.line, p.col) for p in problems] == [(2, 9)]  # columns count characters, not bytes
    text, problems = decode("a: 1\nb: caf\u00e9 ".encode() + b"\xff\n", "latin.yml")
    assert text is None
    assert [(p.line, p.col, p.message) for p in problems] == [(2, 9, "file is not valid UTF-8 (byte 0xff)")]


def test_a_bom_is_a_warning_and_the_text_still_loads():
    text, problems = decode(b"\xef\xbb\xbfa: 1\n", "bom.yml")
    assert text == "a: 1\n"
    assert [(p.severity, p.line, p.col) for p in problems] == [("warning", 1, 1)]


def test_an_enormous_course_file_is_refused_before_parsing(mini_course):
    path = mini_course / "scenarios" / "the-favour.yml"
    path.write_bytes(path.read_bytes() + b"# padding\n" * (MAX_BYTES // 10 + 1))
    started = time.perf_counter()
    loaded = load_course(mini_course)
    assert time.perf_counter() - started < 1.0
    errors = [p for p in loaded.report.errors if p.file == "scenarios/the-favour.yml"]
    assert [(p.line, p.col) for p in errors] == [(1, 1)]
    assert re.fullmatch(r"file is 1,00\d,\d{3} bytes; the limit is 1,000,000", errors[0].message)
    # the module naming it is not also told that the scenario does not exist
    assert [p.file for p in loaded.report.errors] == ["scenarios/the-favour.yml"]


SOURCE = '''\
plain: one two three
quoted: "tab\\there \\x07 and \\u00e9 end"
single: 'it''s here'
literal: |
  first line
  second zz line
folded: >
  alpha
  beta zz
  gamma
'''


@pytest.mark.parametrize("path, needle, line, col", [
    (("plain",), "three", 1, 16),
    (("quoted",), "here", 2, 15),
    (("quoted",), "\x07", 2, 20),
    (("quoted",), "end", 2, 36),
    (("single",), "here", 3, 16),
    (("literal",), "zz", 6, 10),
    (("folded",), "zz", 9, 8),
    (("folded",), "gamma", 10, 3),
])
def test_position_of_text_inside_a_value(path, needle, line, col):
    data, marks, problems = parse(SOURCE, "f.yml")
    assert problems == []
    value = data[path[0]]
    assert marks.position(path, value, value.index(needle)) == (line, col)
    assert Mark(1, 1).line_of("a\nb", 2) == 2  # the estimate used where no source is known


def test_position_in_a_markdown_body_counts_lines_and_columns():
    marks = SourceMap("m.md")
    marks[("reading",)] = Mark(20, 1, "body")
    text = "# Title\n\nSome <b>bold</b>\n"
    assert marks.position(("reading",), text, text.index("<b>")) == (22, 6)
    assert marks.position(("reading",), text, 2) == (20, 3)


@pytest.mark.parametrize("escape", ["\\U00110000", "\\UFFFFFFFF", "\\U0011ffff"])
def test_an_escape_past_the_last_character_is_a_problem_at_it_not_a_crash(escape):
    data, _, problems = parse(f'title: ok\nnote: "see {escape}"\n', "scenarios/x.yml")
    assert data is None
    assert [(p.line, p.col, p.severity) for p in problems] == [(2, 12, "error")]
    assert escape in problems[0].message and "U0010FFFF" in problems[0].hint
