"""The story rules of branchbook.model.story: the start, what a scene offers, effects added and
clamped, and the replay of a saved path, which stops at the first step that is no longer valid.
On the fixture course's noticeboard (trust 2 in 0..3; 'Apologise' needs trust >= 1) and on random
graphs, where every state the checker's search reaches replays to the same scene and values."""

from __future__ import annotations


import pytest
from course_support import FAST, MINI, conditions, random_course, scenarios
from hypothesis import given
from hypothesis import strategies as st

from branchbook.check import states
from branchbook.load import load_course
from branchbook.model import Choice, Variable, story


@pytest.fixture(scope="module")
def noticeboard():
    return load_course(MINI).course.scenario("noticeboard")


def keys(scenario, scene: str) -> dict[str, str]:
    """{label: key} for a scene's choices."""
    node = scenario.nodes[scene]
    return {c.label: k for c, k in zip(node.choices, story.choice_keys(scene, node.choices), strict=True)}


def test_a_play_through_starts_at_the_initial_values_and_is_over_at_an_ending(noticeboard):
    assert story.start(noticeboard) == {"trust": 2}
    assert [nid for nid, node in noticeboard.nodes.items() if story.is_over(node)] == list(noticeboard.endings)


def test_effects_are_added_then_clamped_to_the_range(noticeboard):
    listen, ambush = noticeboard.nodes["ask"].choices
    assert story.take(noticeboard, listen, {"trust": 2}) == {"trust": 3}
    assert story.take(noticeboard, listen, {"trust": 3}) == {"trust": 3}       # max 3
    assert story.take(noticeboard, ambush, {"trust": 0}) == {"trust": 0}       # min 0
    values = {"trust": 1}
    story.take(noticeboard, ambush, values)
    assert values == {"trust": 1}                                              # a new dict; the old one stands


def test_a_condition_switches_a_choice_off(noticeboard):
    node = noticeboard.nodes["ambush"]
    assert story.offered(node, {"trust": 0}) == [1]
    assert story.offered(node, {"trust": 1}) == [0, 1]
    assert story.offered(noticeboard.nodes["ask"], {"trust": 0}) == [0, 1]     # no conditions: all offered


def test_a_path_of_keys_replays_step_by_step(noticeboard):
    path = [keys(noticeboard, "ask")['Call Jo to a meeting "about the rota" and raise it there'],
            keys(noticeboard, "ambush")["Apologise and start again, saying what the meeting is for"],
            keys(noticeboard, "listen")["Explain the process and the respondent's right to reply"]]
    walked = story.replay(noticeboard, path)
    assert walked.node == "fair" and walked.values == {"trust": 1}
    assert [(s.node, s.index, s.key, s.values) for s in walked.steps] == [
        ("ask", 1, path[0], {"trust": 2}), ("ambush", 0, path[1], {"trust": 1}), ("listen", 0, path[2], {"trust": 1})]
    assert story.replay(noticeboard, [1, 0, 0], positions=True) == walked


def test_a_replay_stops_at_the_first_step_no_longer_valid(noticeboard):
    ask, ambush = keys(noticeboard, "ask"), keys(noticeboard, "ambush")
    to_ambush = ask['Call Jo to a meeting "about the rota" and raise it there']
    apologise = ambush["Apologise and start again, saying what the meeting is for"]
    # An unknown key (the choice was reworded or removed): nothing after it counts.
    assert story.replay(noticeboard, ["ask:ambush:00000000", apologise]).node == "ask"
    # A key of another scene, a position out of range, a key read as a position: no step.
    assert story.replay(noticeboard, [apologise]).steps == ()
    assert story.replay(noticeboard, [2], positions=True).steps == ()
    assert story.replay(noticeboard, [True], positions=True).steps == ()
    assert story.replay(noticeboard, [to_ambush], positions=True).steps == ()
    # A condition no longer holding: with trust starting at 1, the ambush leaves it at 0.
    lower = noticeboard.model_copy(update={"variables": {"trust": Variable(initial=1, min=0, max=3)}})
    walked = story.replay(lower, [to_ambush, apologise])
    assert (walked.node, walked.values, len(walked.steps)) == ("ambush", {"trust": 0}, 1)
    # Past an ending nothing more is taken.
    ending = story.replay(noticeboard, [0, 0, 0], positions=True)
    assert ending.node == "fair" and len(ending.steps) == 2


def test_a_step_to_a_missing_scene_is_not_taken(noticeboard):
    node = noticeboard.nodes["ask"]
    moved = node.model_copy(update={"choices": [node.choices[0].model_copy(update={"goto": "gone"}), node.choices[1]]})
    broken = noticeboard.model_copy(update={"nodes": {**noticeboard.nodes, "ask": moved}})
    assert story.replay(broken, [0], positions=True).steps == ()
    assert story.replay(broken, [1], positions=True).node == "ambush"


@FAST
@given(scenario=scenarios())
def test_every_state_the_checker_reaches_replays_to_itself(scenario):
    """The checker's search and a replay of its shortest path to each state agree on random graphs."""
    course = random_course(scenario)
    if course is None:
        return
    model = course.scenario("s")
    found = states.explore(model)
    for state in found.seen:
        steps = found.path_to(state)
        walked = story.replay(model, [i for _, i in steps], positions=True)
        assert [(s.node, s.index) for s in walked.steps] == steps
        assert (walked.node, tuple(walked.values[n] for n in found.names)) == state


@FAST
@given(data=st.data())
def test_the_rules_made_for_values_by_position_give_what_the_rules_give(noticeboard, data):
    """The state search's shortcuts (``offer_by_position``, ``take_by_position``) against ``is_offered`` and
    ``take``: random conditions and effects, variables in any order, values in and out of their range (an initial
    value outside it is reported, but searched), and ranges whose min is above their max (reported too)."""
    names = data.draw(st.lists(st.sampled_from(["trust", "risk", "heard", "x_1"]), min_size=1, unique=True))
    variables = {name: Variable(min=data.draw(st.integers(-3, 5)), max=data.draw(st.integers(-3, 5)))
                 for name in names}
    choice = Choice(label="Go", goto="ask", when=data.draw(st.none() | conditions(names)),
                    effects=data.draw(st.dictionaries(st.sampled_from(names), st.integers(-4, 4), max_size=3)))
    scenario = noticeboard.model_copy(update={"variables": variables})
    order = tuple(data.draw(st.permutations(names)))
    packed = tuple(data.draw(st.lists(st.integers(-6, 8), min_size=len(names), max_size=len(names))))
    values = dict(zip(order, packed, strict=True))
    offer = story.offer_by_position(choice, order)
    assert (offer is None or bool(offer(packed))) == story.is_offered(choice, values)
    take = story.take_by_position(scenario, choice, order)
    after = story.take(scenario, choice, values)
    assert (packed if take is None else take(packed)) == tuple(after[name] for name in order)
