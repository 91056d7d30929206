"""The broken-input corpus (tests/broken/*.case): each case must produce exactly the problems it lists."""

from __future__ import annotations

import pytest

from branchbook.load import load_course
from broken_cases import all_cases, unmatched

CASES = all_cases()


def test_the_corpus_is_large_and_every_case_says_what_it_expects():
    assert len(CASES) >= 45
    for case in CASES:
        assert case.expected, f"{case.name} lists no expected problem"
        assert case.files, f"{case.name} changes no file"
        assert case.path.read_text(encoding="utf-8").startswith("# "), f"{case.name} has no description line"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_broken_case(case, tmp_path):
    loaded = load_course(case.make_course(tmp_path))
    problems = loaded.report.errors + loaded.report.warnings
    missing, extra = unmatched(case.expected, problems)
    shown = "\n".join(p.format() for p in problems)
    assert not missing, f"not reported: {[str(m) for m in missing]}\nreported:\n{shown}"
    assert not extra, f"reported but not expected:\n" + "\n".join(p.format() for p in extra)
    # A course is built only when there is no error; warnings alone do not stop it.
    assert (loaded.course is None) == bool(loaded.report.errors)
    for problem in problems:
        assert problem.line >= 1 and problem.col >= 1
