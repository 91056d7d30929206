"""De-identification finds exactly the windows its definition names: every run of 1–4 words (after
NFKC, casefolding and collapsing everything else to one space) whose SHA-256 is on the denylist."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from branchbook.check import deidentify
from branchbook.read.yaml_source import parse

WORDS = ["Zanzibar", "QUILL", "quill", "stra\u00dfe", "Stra\u00dfe", "caf\u00e9", "cafe\u0301", "\uff21\uff22", "ab",
         "the", "at", "42", "x_y", "\u00c5ngstr\u00f6m"]
GAPS = [" ", "  ", "-", "_", ", ", "\n", " \u2014 ", "'", "."]


def reference_windows(text: str, denylist: frozenset[str]) -> list[str]:
    """The definition, written plainly: every window of the normalised text hashed, one at a time."""
    words = deidentify.normalise(text).split()
    return [" ".join(words[i:i + k]) for i in range(len(words)) for k in range(1, deidentify.MAX_WINDOW + 1)
            if i + k <= len(words) and hashlib.sha256(" ".join(words[i:i + k]).encode()).hexdigest() in denylist]


texts = st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(GAPS)), max_size=14).map(
    lambda parts: "".join(word + gap for word, gap in parts))


@settings(max_examples=300, deadline=None)
@given(texts, st.data())
def test_hits_are_the_windows_whose_hash_is_listed(text, data):
    words = deidentify.normalise(text).split()
    start = data.draw(st.integers(0, max(len(words) - 1, 0)))
    length = data.draw(st.integers(1, deidentify.MAX_WINDOW))
    listed = {deidentify.digest(" ".join(words[start:start + length]))} if words else set()
    listed |= {deidentify.digest(w) for w in data.draw(st.lists(st.sampled_from(WORDS), max_size=2))}
    denylist = frozenset(listed)
    found = [deidentify.normalise(text[s:e]) for s, e in deidentify.denylisted_spans(text, denylist)]
    assert sorted(found) == sorted(reference_windows(text, denylist))
    assert (not words) or found  # the window drawn above is always found


@settings(max_examples=2000, deadline=None)
@given(st.text(st.one_of(st.characters(max_codepoint=0x2FF), st.characters(min_codepoint=0x2000, max_codepoint=0x206F),
                         st.sampled_from(["\u0301", "\u0327", "\u1100", "\u1161", "\u0bbe", "\u0bc6", "\uff21"])),
               max_size=30))
def test_a_text_folds_the_same_whole_or_mark_by_mark(text):
    """The shortcut for texts of Latin letters and punctuation folds as the walk that keeps every offset."""
    assert deidentify._fold(text) == deidentify._folded(text)[0]


def test_a_file_with_many_hits_reports_each_at_its_place():
    lines = [f"f{i}: {'the quill' if i % 2 else 'no name here'} and more\n" for i in range(200)]
    data, marks, _ = parse("".join(lines), "scenarios/x.yml")
    fields = [((key,), value) for key, value in data.items()]
    denylist = frozenset({hashlib.sha256(b"the quill").hexdigest()})
    problems = list(deidentify.check_fields(fields, marks, denylist, []))
    assert [(p.line, p.col) for p in problems] == [(i + 1, len(f"f{i}: ") + 1) for i in range(1, 200, 2)]


files = st.lists(st.lists(texts, min_size=1, max_size=4), min_size=1, max_size=6)


@settings(max_examples=200, deadline=None)
@given(files, st.lists(st.sampled_from(WORDS), max_size=3), st.integers(0, 200), st.data())
def test_what_earlier_files_taught_changes_no_hit(checked_files, listed_words, most_chars, data):
    """Files checked one after the other, with the process remembering the texts it found clean (bounded, here
    small enough that it also starts again), find exactly what each file finds on its own and what the
    definition names."""
    phrases = set(listed_words)
    for fields in checked_files:  # and now and then a 2–3-word phrase of some file
        words = deidentify.normalise(" ".join(fields)).split()
        if len(words) > 3 and data.draw(st.booleans()):
            at = data.draw(st.integers(0, len(words) - 3))
            phrases.add(" ".join(words[at:at + data.draw(st.integers(2, 3))]))
    denylist = frozenset(deidentify.digest(p) for p in phrases)
    deidentify.forget()
    limit = deidentify.MEMO_CHARS
    deidentify.MEMO_CHARS = most_chars
    try:
        remembered = [sorted(spans(fields, denylist)) for fields in checked_files]
        assert sum(map(len, deidentify._clean.texts)) <= most_chars  # what it keeps is bounded
    finally:
        deidentify.MEMO_CHARS = limit
    alone = []
    for fields in checked_files:
        deidentify.forget()
        alone.append(sorted(spans(fields, denylist)))
    assert remembered == alone
    assert alone == [sorted((i, w) for i, text in enumerate(fields) for w in reference_windows(text, denylist))
                     for fields in checked_files]


def spans(fields: list[str], denylist: frozenset[str]) -> list[tuple[int, str]]:
    """(field, normalised window) of each hit in one file's fields, found as the check finds them."""
    return [(i, deidentify.normalise(fields[i][s:e])) for i, what, s, e in deidentify.hits(fields, denylist)
            if what == "a name on the de-identification denylist"]


def test_a_contact_detail_is_found_in_every_file_and_a_clean_text_is_not_scanned_again(monkeypatch):
    deidentify.forget()
    stock, phone = "What would you do differently next time?", "Call the office on 01632 960 123 after six."
    first = deidentify.hits([stock, phone], frozenset())
    scanned: list[str] = []
    original = deidentify.contact_details
    monkeypatch.setattr(deidentify, "contact_details", lambda text: scanned.append(text) or original(text))
    again = deidentify.hits([phone, stock], frozenset())
    assert [(what, s, e) for _, what, s, e in first] == [(what, s, e) for _, what, s, e in again]
    assert [i for i, *_ in first] == [1] and [i for i, *_ in again] == [0]  # reported each time, where it is
    assert scanned == [phone]  # the stock question, found clean in the first file, is not scanned again


class CountedSha256:
    def __init__(self, monkeypatch):
        self.hashed: list[bytes] = []
        monkeypatch.setattr(deidentify, "_SHA256", self)

    def __call__(self, data: bytes):
        self.hashed.append(data)
        return hashlib.sha256(data)


def test_a_text_found_clean_in_one_file_is_not_hashed_again_in_the_next(monkeypatch):
    hashes = CountedSha256(monkeypatch)
    denylist = frozenset({deidentify.digest("Quill Zanzibar")})
    deidentify.forget()
    stock = "What would you do differently next time?"
    list(deidentify.check_fields([(("text",), "The chair listens to Quill."), (("debrief", 0), stock)], marks_for("x"),
                                 denylist, []))
    assert b"the chair" in hashes.hashed and b"differently next time" in hashes.hashed
    hashes.hashed.clear()
    problems = list(deidentify.check_fields([(("text",), "The chair listens to Quill Zanzibar today."),
                                             (("debrief", 0), stock)], marks_for("y"), denylist, []))
    assert len(problems) == 1  # the listed phrase is found
    # the new text's windows are hashed, each once; the stock question, seen whole and clean, is not split again
    assert b"the chair" in hashes.hashed and b"differently next time" not in hashes.hashed
    assert len(hashes.hashed) == len(set(hashes.hashed))
    again = list(deidentify.check_fields([(("text",), "The chair listens to Quill Zanzibar today.")],
                                         marks_for("y"), denylist, []))
    assert [p.message for p in again] == [p.message for p in problems]  # a text with a hit is never remembered clean
    hashes.hashed.clear()
    other = frozenset({deidentify.digest("Quill")})  # another course's denylist: nothing carried over
    assert len(list(deidentify.check_fields([(("text",), "The chair listens to Quill.")], marks_for("x"), other, []))) == 1
    assert b"the chair" in hashes.hashed


def marks_for(text: str):
    return parse(f"text: {text}\n", "scenarios/x.yml")[1]
