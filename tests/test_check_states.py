"""State exploration: (scene, variable values) pairs, bounded, with located problems."""

from __future__ import annotations

import textwrap

from branchbook.check import graph, schema, states
from branchbook.model import Scenario
from branchbook.read import yaml_source

HEAD = """\
id: counting
title: Counting
module: basics
summary: Two counters that choices raise.
content_notes: [none]
provenance: {failures: [F09]}
learner_role: chair
roles:
  - {id: chair, name: Alex Rivera, title: Chair, brief: You chair.}
"""


def load(text: str):
    data, marks, problems = yaml_source.parse(textwrap.dedent(text), "scenarios/counting.yml")
    assert not problems, problems
    scenario, problems = schema.validate(Scenario, data, marks, "scenario")
    assert scenario is not None, [p.format() for p in problems]
    return scenario, marks


GRID = HEAD + """\
variables:
  x: {initial: 0, min: 0, max: 40}
  y: {initial: 0, min: 0, max: 40}
start: a
nodes:
  a:
    text: Count.
    choices:
      - {label: More x, goto: a, effects: {x: 1}}
      - {label: More y, goto: a, effects: {y: 1}}
      - {label: Stop well, goto: good, when: x == 40 and y == 40}
      - {label: Stop badly, goto: bad}
  good: {text: Done., ending: {kind: good, title: Good, debrief: Good.}}
  bad: {text: Done., ending: {kind: harmful, title: Bad, debrief: Bad.}}
debrief: ['Why?']
"""


def test_the_bound_is_reported_as_a_warning_at_the_variables():
    scenario, marks = load(GRID)
    found = list(states.check(scenario, marks, limit=50))
    assert [(p.line, p.col, p.severity) for p in found] == [(10, 1, "warning")]
    assert found[0].file == "scenarios/counting.yml"
    assert "stopped exploring after 50 states" in found[0].message
    assert "some combinations of variable values were not checked" in found[0].message
    # cut short, it cannot claim that a choice is never offered (x == 40 and y == 40 is never reached)


def test_without_the_bound_the_grid_is_explored_completely():
    scenario, marks = load(GRID)
    assert list(states.check(scenario, marks)) == []  # 41 × 41 states: well under STATE_LIMIT


def test_the_default_bound_is_stated_in_the_message():
    scenario, marks = load(GRID.replace("max: 40}", "max: 400}"))
    found = list(states.check(scenario, marks))
    assert len(found) == 1 and f"after {states.STATE_LIMIT:,} states" in found[0].message


STUCK = HEAD + """\
variables:
  trust: {initial: 2, min: 0, max: 3}
start: a
nodes:
  a:
    text: Start.
    choices:
      - {label: Lose trust, goto: b, effects: {trust: -5}}
      - {label: Keep it, goto: b}
  b:
    text: Then.
    choices:
      - {label: Only with trust, goto: good, when: trust >= 1}
      - {label: Only with much trust, goto: bad, when: trust > 2}
  good: {text: Done., ending: {kind: good, title: Good, debrief: Good.}}
  bad: {text: Done., ending: {kind: harmful, title: Bad, debrief: Bad.}}
debrief: ['Why?']
"""


def test_a_state_with_every_choice_off_is_an_error_naming_the_values():
    scenario, marks = load(STUCK)
    found = list(states.check(scenario, marks))
    assert [(p.line, p.col, p.severity) for p in found] == [(22, 7, "error"), (23, 56, "warning")]
    assert found[0].message == "at scene 'b' every choice can be switched off: reached with trust=0"
    assert found[0].hint.endswith("one way there: a#1 → b")  # the first choice at 'a', counted as authors count
    # trust starts at 2 and only falls: 'trust > 2' never holds (the effect is clamped at min 0)
    assert found[1].message.startswith("this choice is never offered: 'trust > 2'")


def test_graph_rules_see_no_problem_in_these_scenarios():
    for text in (GRID, STUCK):
        scenario, marks = load(text)
        assert [p for p in graph.check(scenario, marks) if p.severity == "error"] == []

