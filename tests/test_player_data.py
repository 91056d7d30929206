"""Player data that saved progress and the no-JavaScript page rely on: stable choice keys, and
conditions and effects in plain words (tested on the fixture course, on a scenario made by
`branchbook new scenario`, and on random scenarios)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given

from branchbook.cli import main
from branchbook.load import load_course
from branchbook.messages.wording import condition_words, effect_words
from branchbook.model import conditions, story
from branchbook.write import player_data
from course_support import FAST, conditions as condition_texts, random_course, scenarios


def keyed_choices(data: dict) -> dict[str, dict[str, tuple[str, str]]]:
    """{scene: {key: (goto, label)}} from a scenario's player data."""
    return {sid: {c["key"]: (c["goto"], c["label"]) for c in node["choices"]} for sid, node in data["nodes"].items()}


def edited(course_root: Path, change) -> dict:
    """Player data of the noticeboard after ``change`` edits its scenes (the file is put back after)."""
    path = course_root / "scenarios" / "noticeboard.yml"
    original = path.read_text(encoding="utf-8")
    data = yaml.safe_load(original)
    change(data["nodes"])
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    try:
        course = load_course(course_root).course
        return player_data.scenario_data(course, course.scenario("noticeboard"))
    finally:
        path.write_text(original, encoding="utf-8")


def assert_keys_sound(data: dict) -> None:
    for sid, node in data["nodes"].items():
        keys = [c["key"] for c in node["choices"]]
        assert len(set(keys)) == len(keys), (sid, keys)
        assert all(k.startswith(f"{sid}:{c['goto']}:") for k, c in zip(keys, node["choices"]))


def test_keys_follow_choices_when_they_are_reordered_and_change_when_reworded(mini_course):
    before = edited(mini_course, lambda nodes: None)
    assert_keys_sound(before)

    def reverse(nodes):
        for node in nodes.values():
            node.get("choices", []).reverse()
    after = edited(mini_course, reverse)
    assert keyed_choices(after) == keyed_choices(before)          # every key stays with its choice
    assert [c["key"] for c in after["nodes"]["ask"]["choices"]] == [c["key"] for c in before["nodes"]["ask"]["choices"]][::-1]

    def reword(nodes):
        nodes["ambush"]["choices"][1]["label"] = "Let the matter drop"
    reworded = keyed_choices(edited(mini_course, reword))
    old = keyed_choices(before)
    assert len(set(reworded["ambush"]) & set(old["ambush"])) == 1  # the reworded choice has a new key
    assert reworded["ask"] == old["ask"]

    def retarget(nodes):
        nodes["promise"]["choices"][1]["goto"] = "mixed-end"
    retargeted = keyed_choices(edited(mini_course, retarget))
    assert len(set(retargeted["promise"]) & set(old["promise"])) == 1
    assert retargeted["ambush"] == old["ambush"]


def test_identical_choices_in_one_scene_get_distinct_keys():
    class Choice:
        def __init__(self, label, goto):
            self.label, self.goto = label, goto

    keys = story.choice_keys("s", [Choice("Wait", "a"), Choice("Wait ", "a"), Choice("Go", "a"), Choice("Wait", "a")])
    assert len(set(keys)) == 4
    assert keys[1] == keys[0] + ":2" and keys[3] == keys[0] + ":3"


def test_a_new_authors_scenario_gets_sound_keys_and_words(mini_course):
    assert CliRunner().invoke(main, ["new", "scenario", "first-draft", str(mini_course)]).exit_code == 0
    module = mini_course / "modules" / "basics.md"
    module.write_text(module.read_text().replace("[noticeboard, the-favour]", "[noticeboard, the-favour, first-draft]"))
    course = load_course(mini_course).course
    data = player_data.scenario_data(course, course.scenario("first-draft"))
    assert_keys_sound(data)
    for node in data["nodes"].values():
        for choice in node["choices"]:
            assert bool(choice["whenWords"]) == (choice["when"] is not None)
            assert bool(choice["effectsWords"]) == bool(choice["effects"])


@FAST
@given(scenario=scenarios())
def test_random_scenarios_get_one_key_per_choice(scenario):
    course = random_course(scenario)
    if course is not None:
        assert_keys_sound(player_data.scenario_data(course, course.scenario("s")))


@pytest.mark.parametrize("source, words", [
    ("trust >= 2", "trust is at least 2"),
    ("2 < risk", "risk is more than 2"),
    ("not trust", "trust is 0"),
    ("risk and not trust < 1", "risk is not 0 and trust is at least 1"),
    ("not (trust < 1 or risk >= 2)", "trust is at least 1 and risk is less than 2"),
    ("trust == 1 or risk != 0 and trust > 0", "trust is 1 or (risk is not 0 and trust is more than 0)"),
    ("0", "never"),
])
def test_conditions_in_plain_words(source, words):
    assert condition_words(conditions.parse(source)) == words


def test_effects_in_plain_words():
    assert effect_words({"trust": 1, "risk": -2}) == "trust +1, risk \u22122"
    assert effect_words({}) == ""


@FAST
@given(source=condition_texts(["trust", "risk"]))
def test_words_name_every_tracker_a_condition_reads_and_never_say_not_before_a_group(source):
    tree = conditions.parse(source)
    words = condition_words(tree)
    assert all(name in words for name in conditions.names(tree))
    assert "not (" not in words and words.count("(") == words.count(")")
