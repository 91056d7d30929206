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


def test_a_file_with_many_hits_reports_each_at_its_place():
    lines = [f"f{i}: {'the quill' if i % 2 else 'no name here'} and more\n" for i in range(200)]
    data, marks, _ = parse("".join(lines), "scenarios/x.yml")
    fields = [((key,), value) for key, value in data.items()]
    denylist = frozenset({hashlib.sha256(b"the quill").hexdigest()})
    problems = list(deidentify.check_fields(fields, marks, denylist, []))
    assert [(p.line, p.col) for p in problems] == [(i + 1, len(f"f{i}: ") + 1) for i in range(1, 200, 2)]
