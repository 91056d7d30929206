"""Module files (front matter + Markdown reading) and the BibTeX key reader."""

from __future__ import annotations

from branchbook.check import markup
from branchbook.read import bibtex_keys, markdown_source

MODULE = """\
---
id: basics
title: The basics
---


## Reading

Body with <b>bold</b>.
"""


def write(tmp_path, text: str | bytes):
    path = tmp_path / "m.md"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return markdown_source.read(path, "modules/m.md")


def test_front_matter_lines_are_file_lines_and_the_reading_starts_at_its_first_line(tmp_path):
    data, marks, problems, body_line = write(tmp_path, MODULE)
    assert problems == []
    assert data == {"id": "basics", "title": "The basics", "reading": "## Reading\n\nBody with <b>bold</b>.\n"}
    assert (marks[("title",)].line, marks[("title",)].col) == (3, 8)
    assert body_line == 7  # two blank lines after the closing '---' are not part of the reading
    found = list(markup.check_reading(data["reading"], marks))
    assert [(p.line, p.col) for p in found] == [(9, 11), (9, 18)]


def test_windows_line_ends_and_bom(tmp_path):
    data, marks, problems, body_line = write(tmp_path, b"\xef\xbb\xbf" + MODULE.replace("\n", "\r\n").encode())
    assert [p.severity for p in problems] == ["warning"]
    assert data["title"] == "The basics" and body_line == 7
    assert data["reading"] == "## Reading\n\nBody with <b>bold</b>.\n"
    found = list(markup.check_reading(data["reading"], marks))
    assert [(p.line, p.col) for p in found] == [(9, 11), (9, 18)]


def test_a_form_feed_does_not_shift_line_numbers(tmp_path):
    data, marks, problems, body_line = write(tmp_path, MODULE.replace("## Reading", "## Re\fading"))
    assert body_line == 7
    assert [(p.line, p.col) for p in markup.check_reading(data["reading"], marks)] == [(9, 11), (9, 18)]


def test_front_matter_problems(tmp_path):
    cases = {
        "# no front matter\n": (1, 1, "a module file must start with a '---' line"),
        "---\nid: x\ntitle: y\n\nBody\n": (1, 1, "the front matter opened here is never closed"),
        "---\n- a list\n---\nBody\n": (2, 1, "the front matter must be a mapping of fields"),
        "---\nid: x\ntitle: 'open\n---\nBody\n": (3, 8, "a quoted text starts here and is never closed"),
        "---\nid: x\nreading: no\n---\nBody\n": (3, 1, "unknown field 'reading' in the front matter"),
    }
    for text, (line, col, message) in cases.items():
        _, _, problems, _ = write(tmp_path, text)
        assert [(p.line, p.col) for p in problems] == [(line, col)], (text, problems)
        assert message in problems[0].message


def test_bibtex_keys(tmp_path):
    bib = tmp_path / "refs.bib"
    bib.write_text("@comment{ignored, x}\n@Article{ key-one ,\n title={A}}\n  @misc{b:2,}\n@string{s = {x}}\n")
    assert bibtex_keys.keys(bib) == ("key-one", "b:2")
    assert bibtex_keys.keys(tmp_path / "missing.bib") == ()
