"""The state search gives what the plain breadth-first search over the story rules gives (same states in the
same order, same first steps, same stuck scenes, same offered choices), on random scenarios, the fixture
course and the shipped course, also when the bound cuts it short; and a check searches each scenario once."""

from __future__ import annotations

import shutil
from collections import deque
from pathlib import Path

from course_support import FAST, MINI, scenarios
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import ValidationError

from branchbook import parallel
from branchbook.check import states
from branchbook.load import load_course
from branchbook.model import Scenario, story
from branchbook.source_map import SourceMap

REPO = Path(__file__).resolve().parent.parent


def reference(scenario: Scenario, limit: int):
    """The search as the story rules state it: every reachable state once, breadth first, each choice taken
    with ``story.offered`` and ``story.take`` (this was the checker's own code before it was made faster)."""
    names = list(scenario.variables)
    seen, offered, stuck = {}, set(), {}
    initial = story.start(scenario)
    start = (scenario.start, tuple(initial[n] for n in names))
    seen[start] = None
    queue = deque([start])
    while queue:
        state = queue.popleft()
        node_id, packed = state
        values = dict(zip(names, packed))
        node = scenario.nodes[node_id]
        if story.is_over(node) or not node.choices:
            continue
        options = story.offered(node, values)
        if not options:
            stuck.setdefault(node_id, state)
        for i in options:
            offered.add((node_id, i))
            choice = node.choices[i]
            if choice.goto not in scenario.nodes:
                continue
            after = story.take(scenario, choice, values)
            reached = (choice.goto, tuple(after[n] for n in names))
            if reached not in seen:
                if len(seen) >= limit:
                    return seen, offered, stuck, False
                seen[reached] = (state, i)
                queue.append(reached)
    return seen, offered, stuck, True


def assert_same_search(scenario: Scenario, limit: int = states.STATE_LIMIT) -> None:
    states._last = None  # a fresh search, not the kept one
    found = states.explore(scenario, limit)
    if found is None:
        return
    seen, offered, stuck, complete = reference(scenario, limit)
    assert list(found.seen.items()) == list(seen.items())  # the order matters: it makes the shortest paths
    assert found.stuck == stuck and found.complete == complete
    if complete:  # (a search cut short reports only that it was cut short)
        assert found.offered == offered


def shipped_and_fixture_scenarios() -> list[Scenario]:
    return [*load_course(MINI).course.scenarios, *load_course(REPO).course.scenarios]


def test_the_course_scenarios_are_searched_as_the_rules_say():
    for scenario in shipped_and_fixture_scenarios():
        assert_same_search(scenario)
        assert_same_search(scenario, limit=25)  # cut short, somewhere in the middle


@FAST
@given(scenarios(), st.integers(1, 60))
def test_random_scenarios_are_searched_as_the_rules_say(scenario, limit):
    try:
        model = Scenario.model_validate(scenario)
    except ValidationError:
        assume(False)
    assert_same_search(model)
    assert_same_search(model, limit)


def test_a_check_searches_each_scenario_once(monkeypatch, tmp_path):
    calls = []
    search = states._explore
    monkeypatch.setattr(states, "_explore", lambda scenario, limit: calls.append(scenario.id) or search(scenario, limit))
    monkeypatch.setattr(parallel, "MIN_ITEMS", 10**9)  # in this process, where the calls are counted
    loaded = load_course(shutil.copytree(MINI, tmp_path / "mini", ignore=shutil.ignore_patterns("_build")))
    assert loaded.course is not None
    # each scenario once, though both the state rules and the content bars (playing time) need its states
    assert sorted(calls) == sorted(s.id for s in loaded.course.scenarios)


def test_an_equal_scenario_that_is_another_object_is_searched_again():
    scenario = load_course(MINI).course.scenarios[0]
    first = states.explore(scenario)
    assert states.explore(scenario) is first
    again = states.explore(scenario.model_copy())
    assert again is not first and list(again.seen) == list(first.seen)


@FAST
@given(scenarios())
def test_on_random_scenarios_the_scenes_no_play_reaches_are_the_errors(scenario):
    """A scene the graph reaches from the start but the plain search never does is an error, each once; and none
    is said when the search was cut short or stopped at a scene with every choice switched off."""
    try:
        model = Scenario.model_validate(scenario)
    except ValidationError:
        assume(False)
    states._last = None
    if states.explore(model) is None:
        return
    seen, _, stuck, complete = reference(model, states.STATE_LIMIT)
    edges = {nid: [c.goto for c in node.choices if c.goto in model.nodes] for nid, node in model.nodes.items()}
    on_paper, queue = {model.start}, deque([model.start])
    while queue:
        for target in edges[queue.popleft()]:
            if target not in on_paper:
                on_paper.add(target)
                queue.append(target)
    played = {node_id for node_id, _ in seen}
    expected = sorted(on_paper - played) if complete and not stuck else []
    marks = SourceMap("scenarios/x.yml")
    said = [p.message for p in states.check(model, marks) if "is never reached" in p.message]
    assert said == [f"scene '{nid}' is never reached: conditions switch off every choice that leads to it"
                    for nid in sorted(expected, key=list(model.nodes).index)]
