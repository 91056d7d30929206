"""The reading ease is measured in the course's language, with textstat's formula and pyphen's syllables for it,
and a course in a language the measure does not know is told so once instead of being measured as English."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from course_support import MINI
from textstat.textstat import textstatistics

from branchbook.check import measures
from branchbook.load import load_course
from branchbook.stats import course_stats

FRENCH = ("Le comité a reçu le signalement lundi. Personne ne l'avait lu avant la réunion, et la présidente "
          "a demandé à chacun de se taire jusqu'à la fin de l'enquête.")
ENGLISH = "The committee got the report on Monday. Nobody had read it before the meeting began."


def plain(text: str, locale: str | None = None) -> float:
    """textstat itself, with no memo of ours."""
    stats = textstatistics()
    if locale:
        stats.set_lang(locale)
    return round(stats.flesch_reading_ease(text), 1)


def test_each_language_is_measured_with_its_own_formula_and_syllables():
    assert measures.reading_ease(ENGLISH) == measures.reading_ease(ENGLISH, "en") == plain(ENGLISH)
    assert measures.reading_ease(FRENCH, "fr") == plain(FRENCH, "fr")
    assert measures.reading_ease(FRENCH, "fr") != measures.reading_ease(FRENCH, "en")  # not English rules


@pytest.mark.parametrize("language", ["pt", "ja"])  # no formula (pyphen has Portuguese), neither
def test_a_language_without_a_formula_is_not_measured(language):
    assert measures.reading_ease(FRENCH, language) is None


def course_in(tmp_path: Path, language: str, least_ease: int) -> Path:
    root = tmp_path / language
    shutil.copytree(MINI, root)
    course = root / "course.yml"
    text = course.read_text(encoding="utf-8").replace("rules:\n", f"rules:\n  min_reading_ease: {least_ease}\n", 1)
    course.write_text(f"language: {language}\n" + text, encoding="utf-8")
    return root


def test_check_measures_a_french_course_in_french_and_says_when_it_cannot_measure(tmp_path):
    french = load_course(course_in(tmp_path, "fr", 101)).report  # no text reads that easily
    assert french.warnings and all("Flesch" in p.message for p in french.warnings)
    assert not [p for p in french.notices if "min_reading_ease" in p.message]

    portuguese = load_course(course_in(tmp_path, "pt", 101))
    assert not portuguese.report.warnings and not portuguese.report.errors
    told = [p for p in portuguese.report.notices if "min_reading_ease" in p.message]
    assert len(told) == 1 and "'pt'" in told[0].message and "fr" in told[0].hint
    assert all(s["reading_ease"] is None for s in course_stats(portuguese.course)["scenarios"])
