"""Random scenarios, valid in shape but with random scenes, edges, endings, conditions and effects,
and random damage to a file's bytes: the checker never crashes, and every problem it reports points
at a real place in a real file."""

from __future__ import annotations

import shutil

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from branchbook.load import load_course
from broken_cases import FIXTURE

TARGET = "scenarios/the-favour.yml"
ROLES = ["officer", "reporter"]
VARIABLES = ["trust", "risk"]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("random") / "course"
    shutil.copytree(FIXTURE, root)
    return root


conditions = st.one_of(
    st.none(),
    st.sampled_from(["trust >= 1", "risk < 2 and not trust", "(trust > 0 or risk == 3)", "mood > 1"]),
)
effects = st.dictionaries(st.sampled_from(VARIABLES + ["mood"]), st.integers(-3, 3), max_size=2)


@st.composite
def scenarios(draw):
    count = draw(st.integers(1, 8))
    ids = [f"s{i}" for i in range(count)]
    targets = st.one_of(st.sampled_from(ids), st.sampled_from(["s99", "nowhere"]))
    nodes = {}
    for nid in ids:
        node: dict = {"text": f"Scene {nid}."}
        if draw(st.booleans()):
            node["speaker"] = draw(st.sampled_from(ROLES + ["ghost"]))
        kind = draw(st.sampled_from([None, None, "good", "mixed", "harmful"]))
        if kind:
            node["ending"] = {"kind": kind, "title": f"End {nid}", "debrief": "Why."}
        if not kind or draw(st.integers(0, 9)) == 0:  # now and then an ending that also has choices
            choices = []
            for i in range(draw(st.integers(0, 3))):
                choice = {"label": f"Go {i}", "goto": draw(targets)}
                if draw(st.booleans()):
                    choice["feedback"] = "Because."
                    choice[draw(st.sampled_from(["upholds", "violates"]))] = ["independence"]
                when = draw(conditions)
                if when:
                    choice["when"] = when
                change = draw(effects)
                if change:
                    choice["effects"] = change
                choices.append(choice)
            node["choices"] = choices
        nodes[nid] = node
    scenario = {
        "id": "the-favour", "title": "The favour", "module": "basics", "summary": "Random.",
        "content_notes": ["none"], "provenance": {"failures": ["F21"]},
        "learner_role": draw(st.sampled_from(ROLES)),
        "roles": [{"id": r, "name": r.title(), "title": "Member", "brief": "Plays.", "playable": r == "officer"}
                  for r in ROLES],
        "start": draw(st.sampled_from(ids + ["missing"])),
        "nodes": nodes,
        "debrief": ["What happened?"],
    }
    declared = draw(st.lists(st.sampled_from(VARIABLES), unique=True))
    if declared:
        scenario["variables"] = {v: {"initial": draw(st.integers(0, 3)), "min": 0, "max": draw(st.integers(0, 4))}
                                 for v in declared}
    return scenario


def assert_located(loaded, root):
    for problem in loaded.report.problems:
        path = root / problem.file
        assert path.is_file(), problem
        lines = path.read_text(encoding="utf-8", errors="replace").split("\n")
        assert 1 <= problem.line <= len(lines), problem.format()
        assert 1 <= problem.col <= len(lines[problem.line - 1]) + 1, problem.format()
        assert problem.severity in ("error", "warning") and problem.message
    assert (loaded.course is None) == bool(loaded.report.errors)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenarios())
def test_random_scenario_graphs_never_crash_and_every_problem_is_located(course, scenario):
    (course / TARGET).write_text(yaml.safe_dump(scenario, sort_keys=False, width=1000), encoding="utf-8")
    loaded = load_course(course)
    assert_located(loaded, course)
    messages = [p.message for p in loaded.report.errors]
    for nid, node in scenario["nodes"].items():
        for choice in node.get("choices", []):
            if choice["goto"] not in scenario["nodes"]:
                assert f"choice leads to unknown scene '{choice['goto']}'" in messages
    if scenario["start"] not in scenario["nodes"]:
        assert "start scene 'missing' does not exist" in messages


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_damaged_bytes_never_crash_and_every_problem_is_located(course, data):
    original = (FIXTURE / TARGET).read_bytes()
    damaged = bytearray(original)
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, len(damaged) - 1))
        how = data.draw(st.sampled_from(["replace", "insert", "delete"]))
        byte = data.draw(st.sampled_from(list(b" \t\n:-[]{}\"'#&*!|>%@`\\") + [0xE9, 0x00, 0x07]) | st.integers(0, 255))
        if how == "replace":
            damaged[at] = byte
        elif how == "insert":
            damaged.insert(at, byte)
        else:
            del damaged[at]
    (course / TARGET).write_bytes(bytes(damaged))
    assert_located(load_course(course), course)
