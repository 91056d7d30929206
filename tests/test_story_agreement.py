"""The player's story rules (``bb-story.js``) and the checker's (``branchbook.model.story``) give the
same answers: conditions, the choices offered in every reachable state (and in states no path
reaches), effects with clamping, which scenes end a play-through, and the replay of saved paths by
key and by position, including where a replay must stop short.

The JavaScript runs in headless Chromium, the player's engine, loaded from the package's static
folder on a blank page; it reads the player data the build writes for each scenario. Scenarios:
the fixture course's, one made by ``branchbook new scenario``, and random graphs (Hypothesis).
"""

from __future__ import annotations

import random

import pytest
from browser_support import (
    STATIC,
    Guard,
    _guarded_context,
    browser,  # noqa: F401 - fixture (one Chromium for the session)
)
from click.testing import CliRunner
from course_support import MINI, scenarios
from course_support import conditions as condition_texts
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from branchbook.check import states
from branchbook.cli import main
from branchbook.load import load_course
from branchbook.model import Scenario, conditions, story
from branchbook.write import player_data

pytestmark = pytest.mark.browser

AGREEMENT = settings(max_examples=40, deadline=None, database=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                            HealthCheck.filter_too_much])

JS_ANSWERS = """([data, cases]) => {
  const s = branchbook.story;
  return {
    start: s.start(data),
    over: Object.keys(data.nodes).filter(id => s.isOver(data.nodes[id])).sort(),
    offered: cases.states.map(([id, values]) => s.offered(data.nodes[id], values)),
    taken: cases.takes.map(([id, i, values]) => s.take(data, data.nodes[id].choices[i], values)),
    replays: cases.paths.map(([path, positions]) => {
      const r = s.replay(data, path, positions);
      return {node: r.node, values: r.values, steps: r.steps.map(t => [t.node, t.index, t.key, t.values])};
    })
  };
}"""


@pytest.fixture(scope="module")
def mini():
    """The fixture course, loaded once: the course-wide settings player data needs."""
    return load_course(MINI).course


@pytest.fixture(scope="module")
def rules(browser):  # noqa: F811 - browser_support's shared Chromium
    """A blank page with bb-story.js and nothing else (the guard fails the tests on any script error)."""
    guard = Guard()
    context = _guarded_context(browser, guard)
    page = context.new_page()
    page.set_content("<!DOCTYPE html><html lang='en'><head><title>story rules</title></head><body></body></html>")
    page.add_script_tag(path=str(STATIC / "bb-story.js"))
    yield page
    context.close()
    guard.check()


# ---------------------------------------------------------------- the cases, and Python's answers


def random_values(scenario: Scenario, rng: random.Random) -> dict[str, int]:
    return {name: rng.randint(var.min, var.max) for name, var in scenario.variables.items()}


def random_walk(scenario: Scenario, rng: random.Random, length: int) -> tuple[list[str], list[int]]:
    """Keys and positions of choices taken at random, *ignoring* conditions; past an ending or a
    missing scene it takes a choice of some other scene. Replays must stop where a step is invalid."""
    everywhere = [(nid, i) for nid, node in scenario.nodes.items() for i in range(len(node.choices))]
    keys, positions, node_id = [], [], scenario.start
    for _ in range(length):
        node = scenario.nodes.get(node_id)
        if node is not None and node.choices:
            at, index = node_id, rng.randrange(len(node.choices))
        else:
            at, index = rng.choice(everywhere)
        choices = scenario.nodes[at].choices
        keys.append(story.choice_keys(at, choices)[index])
        positions.append(index)
        node_id = choices[index].goto
    return keys, positions


def cases(scenario: Scenario, rng: random.Random) -> dict:
    """States to ask what is offered, choices to take, and paths to replay, for one scenario."""
    found = states.explore(scenario)
    assert found is not None
    reached = [(nid, dict(zip(found.names, packed, strict=True))) for nid, packed in found.seen]
    deciding = [nid for nid, node in scenario.nodes.items() if node.choices and not story.is_over(node)]
    unreached = [(nid, random_values(scenario, rng)) for nid in deciding for _ in range(3)]
    bounds = [(nid, {n: getattr(v, end) for n, v in scenario.variables.items()})
              for nid in deciding for end in ("min", "max")]
    asked = reached + unreached + bounds
    takes = [(nid, i, values) for nid, values in asked for i in range(len(scenario.nodes[nid].choices))]
    paths = [([story.choice_keys(nid, scenario.nodes[nid].choices)[i] for nid, i in found.path_to(state)], False)
             for state in found.seen]                       # the checker's shortest way to each state
    for _ in range(8 if deciding else 0):
        keys, positions = random_walk(scenario, rng, rng.randint(1, 8))
        spoiled = list(keys)
        spoiled[rng.randrange(len(spoiled))] = "gone:gone:00000000"
        paths += [(keys, False), (positions, True), (spoiled, False), (keys, True),
                  ([*positions[:-1], rng.choice([-1, 99, 1.5])], True)]
    return {"states": asked, "takes": takes, "paths": paths}


def python_answers(scenario: Scenario, asked: dict) -> dict:
    def replayed(path, positions):
        r = story.replay(scenario, path, positions)
        return {"node": r.node, "values": r.values, "steps": [[s.node, s.index, s.key, s.values] for s in r.steps]}

    return {
        "start": story.start(scenario),
        "over": sorted(nid for nid, node in scenario.nodes.items() if story.is_over(node)),
        "offered": [story.offered(scenario.nodes[nid], values) for nid, values in asked["states"]],
        "taken": [story.take(scenario, scenario.nodes[nid].choices[i], values) for nid, i, values in asked["takes"]],
        "replays": [replayed(path, positions) for path, positions in asked["paths"]],
    }


def assert_agree(rules, data: dict, scenario: Scenario, seed: int) -> dict:
    asked = cases(scenario, random.Random(seed))
    wanted = python_answers(scenario, asked)
    got = rules.evaluate(JS_ANSWERS, [data, asked])
    for part in wanted:
        assert got[part] == wanted[part], part
    return asked


def clamped(scenario: Scenario, asked: dict) -> int:
    """How many of the cases' choices hit a variable's min or max (so clamping was put to the test)."""
    return sum(1 for nid, i, values in asked["takes"] for name, delta in scenario.nodes[nid].choices[i].effects.items()
               if not scenario.variables[name].min <= values[name] + delta <= scenario.variables[name].max)


# ---------------------------------------------------------------- the tests


@given(st.lists(st.tuples(condition_texts(["a", "b", "c"]),
                          st.fixed_dictionaries({n: st.integers(-3, 6) for n in "abc"})), min_size=1, max_size=40))
@AGREEMENT
def test_conditions_evaluate_alike(rules, examples):
    trees = [[conditions.parse(text), values] for text, values in examples]
    got = rules.evaluate("cases => cases.map(([tree, values]) => branchbook.story.evaluate(tree, values))", trees)
    assert got == [conditions.evaluate(tree, values) for tree, values in trees]
    assert rules.evaluate("branchbook.story.evaluate(null, {})") == 1


def test_the_fixture_course_plays_alike(rules, mini):
    course = mini
    hits = 0
    for scenario in course.scenarios:
        asked = assert_agree(rules, player_data.scenario_data(course, scenario), scenario, seed=len(scenario.id))
        hits += clamped(scenario, asked)
    assert hits > 0, "no case took a variable past its range: clamping went untested"


def test_a_new_authors_scenario_plays_alike(rules, mini_course):
    assert CliRunner().invoke(main, ["new", "scenario", "first-draft", str(mini_course)]).exit_code == 0
    module = mini_course / "modules" / "basics.md"
    module.write_text(module.read_text().replace("[noticeboard, the-favour]", "[noticeboard, the-favour, first-draft]"))
    course = load_course(mini_course).course
    scenario = course.scenario("first-draft")
    assert_agree(rules, player_data.scenario_data(course, scenario), scenario, seed=7)


@given(written=scenarios(), seed=st.integers(0, 2**16))
@AGREEMENT
def test_random_scenarios_play_alike(rules, mini, written, seed):
    """Any scenario the model accepts, checked or not: dangling targets, switched-off scenes and
    all (the fixture course supplies the course-wide settings the player data needs)."""
    try:
        scenario = Scenario.model_validate(written)
    except ValidationError:
        assume(False)
    assert_agree(rules, player_data.scenario_data(mini, scenario), scenario, seed)
