"""Property-based tests: random scenario graphs and random text never crash the checker or the
writers, and every graph the checker accepts can be played to every scene.

Reachability is judged by "clicking" through the generated player data with the walker in
``course_support`` (written from the JSON alone, an independent witness for the checker).
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, seed, settings

from branchbook import layout
from branchbook.build import build, generated_files
from branchbook.load import load_course
from branchbook.write import WriteOptions

from course_support import (FAST, MINI, evaluate, html_fields, offered, play, safe_fragment_problems, scenarios,
                            text, write_course)


def _unplayable_is_warned(report) -> bool:
    return any("never offered" in p.message or "stopped exploring" in p.message for p in report.warnings)


def _check_accepted(course, report) -> dict:
    """The writers succeed on an accepted course; every scene can be reached by clicking; no reachable
    state leaves the reader without an option; every HTML fragment the player inserts is inert."""
    files = generated_files(course, WriteOptions(handouts=False))
    data = json.loads(files[layout.player_json("s")])
    walked = play(data)
    assert walked.stuck == [], f"the reader is left without an option: {walked.stuck[:3]}"
    if not _unplayable_is_warned(report):
        assert set(walked.paths) == set(data["nodes"]), \
            f"scenes no click reaches: {sorted(set(data['nodes']) - set(walked.paths))}"
    for fragment in html_fields(data):
        assert safe_fragment_problems(fragment) == [], fragment
    return files


# ---------------------------------------------------------------- the properties



@FAST
@given(scenario=scenarios(), module_title=text)
def test_random_courses_never_crash_and_accepted_ones_are_fully_playable(scenario, module_title):
    with tempfile.TemporaryDirectory() as tmp:
        root = write_course(Path(tmp) / "course", scenario, module_title)
        loaded = load_course(root)  # must not raise, whatever the text and graph
        for problem in loaded.report.problems:
            assert problem.file and problem.line >= 1, problem
        if loaded.course is not None:
            _check_accepted(loaded.course, loaded.report)


@FAST
@given(source=text)
def test_any_text_in_a_scene_renders_inert(source):
    """The scene renderer alone, on any text: only Markdown's own tags come out."""
    from branchbook.write import markdown

    for rendered in (markdown.to_html(source), markdown.to_inline_html(source)):
        assert safe_fragment_problems(rendered) == [], rendered


@pytest.mark.slow
@seed(20240611)
@settings(max_examples=2, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(scenario=scenarios())
def test_random_accepted_courses_build_with_sphinx(scenario):
    with tempfile.TemporaryDirectory() as tmp:
        root = write_course(Path(tmp) / "course", scenario)
        loaded = load_course(root)
        assume(loaded.course is not None)
        _check_accepted(loaded.course, loaded.report)
        site = build(loaded.course, handouts=False).site
        page = (site / "scenarios" / "s.html").read_text(encoding="utf-8")
        assert re.findall(r'data-bb-node="([^"]+)"', page) == list(scenario["nodes"])


def test_the_walker_agrees_with_the_checker_on_a_known_scenario():
    """The walker on the fixture course: every scene of 'noticeboard' is reached, 'ambush' offers its
    'Apologise' option only while trust >= 1, and a path to each scene replays in the player's order."""
    course = load_course(MINI).course
    data = json.loads(generated_files(course, WriteOptions(handouts=False))[layout.player_json("noticeboard")])
    walked = play(data)
    assert set(walked.paths) == set(data["nodes"]) and walked.stuck == []
    assert walked.paths["ask"] == [] and walked.paths["listen"] == [0] and walked.paths["ambush"] == [1]
    ambush = data["nodes"]["ambush"]
    assert offered(ambush, {"trust": 0}) == [1] and offered(ambush, {"trust": 1}) == [0, 1]
    assert evaluate(["and", [">=", "trust", 1], ["not", "risk"]], {"trust": 1}) == 1  # unknown name → 0
    assert evaluate(["and", 1], {}) == 1 and evaluate(["??", 1, 1], {}) == 0 and evaluate([], {}) == 0


def test_a_scenario_without_variables_cannot_switch_every_option_off(tmp_path):
    scenario = {
        "id": "s", "title": "Stuck", "module": "m", "summary": "Both options are always off.",
        "content_notes": ["none"], "provenance": {"failures": ["F01"]}, "learner_role": "me",
        "roles": [{"id": "me", "name": "Me", "title": "Chair", "brief": "Chairs."}], "start": "s0",
        "nodes": {
            "s0": {"text": "Decide.", "choices": [
                {"label": "Good", "goto": "e0", "when": "1 > 2", "feedback": "Why.", "upholds": ["p1"]},
                {"label": "Bad", "goto": "e1", "when": "0", "feedback": "Why.", "violates": ["p1"]}]},
            "e0": {"text": "End.", "ending": {"kind": "good", "title": "Good", "debrief": "Why."}},
            "e1": {"text": "End.", "ending": {"kind": "harmful", "title": "Bad", "debrief": "Why."}},
        },
        "debrief": ["What happened?"],
    }
    loaded = load_course(write_course(tmp_path / "course", scenario))
    assert loaded.course is None
    assert [p.message for p in loaded.report.errors] == [
        "at scene 's0' every choice can be switched off (every condition here is false)"]
