"""De-identification and markup checks at the level of one text: what is found, and where."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from branchbook.check import deidentify, markup
from branchbook.check.deidentify import contact_details, denylisted_spans, digest
from branchbook.model.course import Allowance
from branchbook.read.yaml_source import parse
from branchbook.source_map import Mark, SourceMap
from broken_cases import FIXTURE

DENYLIST = deidentify.load_denylist(FIXTURE / "denylist.sha256")


def test_the_fixture_denylist_holds_only_a_hash_of_the_made_up_phrase():
    assert DENYLIST == {digest("zanzibar quill")}
    assert "zanzibar" not in (FIXTURE / "denylist.sha256").read_text().split("\n", 1)[1].lower()


@pytest.mark.parametrize("text, found", [
    ("Ask Zanzibar-QUILL now.", ["Zanzibar-QUILL"]),
    ("ZANZIBAR   quill", ["ZANZIBAR   quill"]),
    ("zanzibar_quill, and zanzibar\nquill", ["zanzibar_quill", "zanzibar\nquill"]),
    ("\uff3a\uff41\uff4e\uff5a\uff49\uff42\uff41\uff52 Quill!",  # full-width letters
     ["\uff3a\uff41\uff4e\uff5a\uff49\uff42\uff41\uff52 Quill"]),
    ("Zanzibar alone, quill alone", []),
    ("zanzibarquill", []),
])
def test_denylisted_phrases_are_found_whatever_the_case_spacing_or_width(text, found):
    assert [text[s:e] for s, e in denylisted_spans(text, DENYLIST)] == found


def test_a_hit_shows_the_text_as_written_never_the_listed_phrase():
    data, marks, _ = parse("text: Then ZANZIBAR-Quill called.\n", "scenarios/x.yml")
    [problem] = deidentify.check_fields([(("text",), data["text"])], marks, DENYLIST, [])
    assert (problem.line, problem.col) == (1, 12)
    assert problem.message == "'ZANZIBAR-Quill' looks like a name on the de-identification denylist"
    assert "zanzibar quill" not in problem.message and "zanzibar quill" not in (problem.hint or "")


@pytest.mark.parametrize("text, what, found", [
    ("write to kit.moreau+club@example.org today", "an e-mail address", "kit.moreau+club@example.org"),
    ("call +44 20 7946 0958.", "a phone number", "+44 20 7946 0958"),
    ("call (555) 010-9999", "a phone number", "(555) 010-9999"),
    ("ring 07700 900123", "a phone number", "07700 900123"),
    ("see https://example.org/a?b=1.", "a URL", "https://example.org/a?b=1"),
    ("see www.example.org, then", "a URL", "www.example.org"),
    ("at 42 Acacia Avenue.", "a street address", "42 Acacia Avenue"),
    ("at 7 Old Mill Rd. today", "a street address", "7 Old Mill Rd."),
    ("elle habite au 14 rue des Lilas depuis mai", "a street address", "14 rue des Lilas"),
    ("écrire au 3 bis, avenue Berthe Lacombe.", "a street address", "3 bis, avenue Berthe Lacombe"),
    ("rendez-vous au 8 place d’Italie", "a street address", "8 place d’Italie"),
])
def test_contact_detail_detectors_fire(text, what, found):
    assert [(w, text[s:e]) for w, s, e in contact_details(text)] == [(what, found)]


@pytest.mark.parametrize("text", [
    "Between 1990-2000 and in 2019 (2020)",
    "On 2024-03-05 and 5/3/2024",
    "F09 and F21; 3.14159265; 12 people; room 101",
    "an @mention and a.b@c",
    "she lives at number 42 on the avenue",
    "il reste 3 places de parking et 2 rues à traverser",
    "sur 5 cours de la semaine",
])
def test_contact_detail_detectors_stay_quiet(text):
    assert list(contact_details(text)) == []


def test_detectors_do_not_backtrack_for_long():
    texts = ["a" * 20_000, "1 " * 10_000 + "x", "a." * 10_000, "1" * 20_000 + "x", "1-" * 10_000, "A1 " * 7_000]
    started = time.perf_counter()
    for text in texts:
        list(contact_details(text))
        list(denylisted_spans(text, DENYLIST))
    assert time.perf_counter() - started < 1.0


def test_allowances_match_normalised_text_and_their_file_only():
    data, marks, _ = parse("a: Mail help@example.org or Zanzibar Quill.\n", "scenarios/x.yml")
    fields = [(("a",), data["a"])]
    found = lambda allow: [p.message for p in deidentify.check_fields(fields, marks, DENYLIST, allow)]  # noqa: E731
    assert len(found([])) == 2
    assert found([Allowance(text="HELP@example.org", reason="reserved domain")]) == [
        "'Zanzibar Quill' looks like a name on the de-identification denylist"]
    assert found([Allowance(text="zanzibar-quill", file="scenarios/x.yml", reason="r")]) == [
        "'help@example.org' looks like an e-mail address"]
    assert len(found([Allowance(text="help@example.org", file="scenarios/other.yml", reason="r")])) == 2


@pytest.mark.parametrize("text, expected", [
    ("Then <script>alert(1)</script>.", ["raw HTML '<script>'", "raw HTML '</script>'"]),
    ("A `<b>` in code, and\n```html\n<div>x</div>\n```\n", []),
    ("[x](javascript:alert(1)) [y](https://ok.org) [z](#here) [m](mailto:a@b.org)",
     ["a link to a 'javascript:' address"]),
    ("<data:text/html,hi> and [f](FILE:///etc/passwd)", ["a link to a 'data:' address", "a link to a 'file:' address"]),
    ("{cite}`samhsa2014` and {raw}`<b>`", ["the MyST role '{cite}'", "the MyST role '{raw}'"]),
    ("```{include} /etc/passwd\n```", ["the MyST directive '{include}'"]),
    ("<!-- hidden -->", ["raw HTML '<!--'"]),
])
def test_markup_findings(text, expected):
    assert sorted(markup.words(kind, detail) for _, kind, detail in markup._findings(text)) == sorted(expected)


def test_readings_allow_citations_and_admonitions_but_not_raw_html_or_includes():
    text = "{cite}`a` and {cite:p}`b`\n\n:::{note}\nSafe.\n:::\n\n```{raw} html\n<b>x</b>\n```\n<i>y</i>\n"
    marks = SourceMap("modules/m.md")
    marks[("reading",)] = Mark(10, 1, "body")
    found = sorted((p.line, p.col, p.message) for p in markup.check_reading(text, marks))
    assert found == [
        (16, 4, "the MyST directive '{raw}' is not allowed in a reading"),
        (17, 1, "raw HTML '<b>' is not allowed in a reading"),  # a raw directive's HTML would be live
        (17, 5, "raw HTML '</b>' is not allowed in a reading"),
        (19, 1, "raw HTML '<i>' is not allowed in a reading"),
        (19, 5, "raw HTML '</i>' is not allowed in a reading"),
    ]


@settings(max_examples=400, deadline=None, database=None)
@given(st.lists(st.sampled_from(["a", "Main", "Street", "St", " ", "\n", "12", "٣", "+44", "(0)", "-", ".", "@", "x.org",
                                 "ann", "http", "HTTPS", "://", "hTTp://", "www", "WWW.", "ſ", "K", "/", "_", "2024",
                                 "1999-2001", "07700 900123"]), max_size=25).map("".join))
def test_a_text_skipped_by_the_quick_look_has_no_contact_detail(text):
    """The detectors run only on texts where a quick look finds what every detail holds: the same answers."""
    everything = [(what, m.start(), m.end()) for what, rx in deidentify.DETECTORS.items() for m in rx.finditer(text)]
    if not deidentify._ANY_DETAIL.search(text):
        assert everything == [] and list(contact_details(text)) == []


@settings(max_examples=400, deadline=None, database=None)
@given(st.lists(st.sampled_from(["a", " ", "\n", "{", "}", "{raw}", "`x`", "<", ">", "<b>", "]", "(", "](", "[a](",
                                 "javascript:", "```", ":::", "~~~", "{cite}`k`", "<!--", "<x:y>", "http:"]),
                max_size=25).map("".join))
def test_a_text_skipped_by_the_quick_look_has_no_markup(text):
    """Markup findings are looked for only where a quick look finds what each holds: the same answers."""
    if not markup._ANY_MARKUP.search(text):
        everything = [*markup._ROLE.finditer(text), *markup._HTML.finditer(text), *markup._LINK.finditer(text),
                      *markup._DIRECTIVE.finditer(text)]
        assert everything == [] and list(markup._findings(text)) == []
