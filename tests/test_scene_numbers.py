"""One numbering per scenario: the number the player shows for a scene ("Scene 6"), the one the
no-JavaScript gamebook shows, the one the decision map's text alternative gives it (§6), the
printed packet's section and the session report's scene are the same number, so a learner or
facilitator comparing the screen, the map and the paper finds the same scene under it.

Each output's numbers are read from its own data (the page, the player JSON, the packet's JSON);
``section_numbers`` is only the reference they must all equal.
"""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from course_support import FAST, MINI, random_course, scenarios
from hypothesis import given
from test_translations import french_mini

from branchbook.build import build
from branchbook.cli import main
from branchbook.load import load_course
from branchbook.messages import catalogue
from branchbook.write import decision_map, notebooks, player_data
from branchbook.write.handouts.data import packet_data
from branchbook.write.markdown import to_blocks
from branchbook.write.sections import section_numbers

# ---------------------------------------------------------------- the data each output is made from


def assert_one_numbering(course, scenario) -> dict[str, int]:
    """The player's numbers are the packet's section numbers, one per scene, and the map's text
    alternative, the packet and the session report give every scene (and every choice's target)
    that same number. Returns the player's numbers."""
    player = player_data.scenario_data(course, scenario)["nodes"]
    shown = {nid: node["number"] for nid, node in player.items()}
    assert shown == section_numbers(scenario)
    assert sorted(shown.values()) == list(range(1, len(scenario.nodes) + 1)) and shown[scenario.start] == 1

    words = decision_map.text_alternative(scenario, decision_map.Options.of(scenario).numbers)
    assert {scene["id"]: scene["section"] for scene in words} == shown
    assert all(c["section"] == shown[c["to"]] for scene in words for c in scene["choices"])

    packet = {section["n"]: section for section in packet_data(course, scenario, "a4")["sections"]}
    assert set(packet) == set(shown.values())
    for nid, node in scenario.nodes.items():
        section = packet[shown[nid]]                        # §N on paper is the scene the player calls N
        assert section["text"] == to_blocks(node.text)
        assert [c["to"] for c in section["choices"]] == [shown[c.goto] for c in node.choices]
        assert (section["ending"] or {}).get("title") == (node.ending.title if node.ending else None)

    report = notebooks.scenario_data(scenario)["scenes"]
    assert {nid: scene["number"] for nid, scene in report.items()} == shown
    return shown


def test_the_fixture_course_has_one_numbering():
    course = load_course(MINI).course
    for scenario in course.scenarios:
        assert_one_numbering(course, scenario)


def test_a_translation_numbers_its_scenes_as_the_original_does(tmp_path: Path):
    """A French and an English facilitator comparing packets find the same scene under §N."""
    root = french_mini(tmp_path)
    original, french = load_course(root).course, load_course(root, language="fr").course
    for scenario in french.scenarios:
        assert assert_one_numbering(french, scenario) == assert_one_numbering(original, original.scenario(scenario.id))


def new_scenario_last(root: Path, scenario_id: str = "zz-new-scene") -> str:
    """``branchbook new scenario`` added last to the fixture's first module."""
    module = load_course(root).course.modules[0].id
    result = CliRunner().invoke(main, ["new", "scenario", scenario_id, str(root), "--module", module])
    assert result.exit_code == 0, result.output
    assert load_course(root).course.module(module).scenarios[-1] == scenario_id
    return scenario_id


def test_a_new_scenario_added_last_has_one_numbering(mini_course: Path):
    scenario_id = new_scenario_last(mini_course)
    course = load_course(mini_course).course
    assert_one_numbering(course, course.scenario(scenario_id))


@FAST
@given(scenario=scenarios())
def test_random_graphs_have_one_numbering(scenario):
    course = random_course(scenario)
    if course is not None:
        assert_one_numbering(course, course.scenario("s"))


def test_saved_progress_does_not_depend_on_the_numbers():
    """Saved progress stores the choice keys of the player data. A scene added to a scenario
    renumbers its sections; every key stays what it was."""
    course = load_course(MINI).course
    before = course.scenario("noticeboard")
    after = before.model_copy(update={"nodes": {"aside": before.nodes["promise"], **before.nodes}})
    edited = course.model_copy(update={"scenarios": tuple(after if s is before else s for s in course.scenarios)})
    old, new = player_data.scenario_data(course, before)["nodes"], player_data.scenario_data(edited, after)["nodes"]
    assert any(old[nid]["number"] != new[nid]["number"] for nid in old), "the new scene should renumber one"
    for nid in old:
        assert [c["key"] for c in old[nid]["choices"]] == [c["key"] for c in new[nid]["choices"]]


# ---------------------------------------------------------------- what a built page shows


class _Page(HTMLParser):
    """The built scenario page as a reader compares it: the gamebook's scene headings and "go to"
    numbers, and the paragraphs of the decision map's text alternative (after the map's image)."""

    def __init__(self):
        super().__init__()
        self.scene: str | None = None
        self.capture: str | None = None
        self.headings: dict[str, str] = {}
        self.go_to: dict[str, list[str]] = {}
        self.in_map = False
        self.map_lines: list[str] = []
        self.text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "section" and "data-bb-node" in attrs:
            self.scene = attrs["data-bb-node"]
            self.go_to[self.scene] = []
        elif "bb-scene-title" in classes or "bb-goto" in classes:
            self.capture, self.text = tag, ""
            self.kind = "title" if "bb-scene-title" in classes else "goto"
        elif tag == "img" and "bb-decision-map" in classes:
            self.in_map = True
        elif tag == "p" and self.in_map:
            self.capture, self.text, self.kind = "p", "", "map"

    def handle_endtag(self, tag):
        if tag == "details":
            self.in_map = False
        if self.capture == tag:
            text = " ".join(self.text.split())
            if self.kind == "title":
                self.headings[self.scene] = text
            elif self.kind == "goto":
                self.go_to[self.scene].append(text)
            else:
                self.map_lines.append(text)
            self.capture = None

    def handle_data(self, data):
        if self.capture:
            self.text += data


def _pattern(template: str, whole: bool = True, **groups: str) -> re.Pattern:
    """A catalogue message as a regular expression, its placeholders as named groups (``whole``:
    the line is the message and nothing more)."""
    out = re.escape(template)
    for name, group in groups.items():
        out = out.replace(re.escape("{" + name + "}"), f"(?P<{name}>{group})")
    return re.compile(out + ("$" if whole else ""))


def assert_page_agrees(site: Path, course, scenario):
    """On the built page, for every scene: the player's number (its data on the page), the
    gamebook's heading and "go to" links, and the text alternative of the decision map agree,
    and agree with the packet (checked on its data by assert_one_numbering)."""
    source = (site / "scenarios" / f"{scenario.id}.html").read_text(encoding="utf-8")
    found = re.search(r'<script type="application/json" class="bb-player-data">(.*?)</script>', source, re.S)
    player = {nid: node["number"] for nid, node in json.loads(html.unescape(found.group(1)))["nodes"].items()}
    assert player == assert_one_numbering(course, scenario)
    page = _Page()
    page.feed(source)
    say = catalogue(course.settings.language)

    assert page.headings == {nid: say["gamebook.scene"].format(n=n) for nid, n in player.items()}
    for nid, node in scenario.nodes.items():
        go_to = ["(" + say["gamebook.go_to"].format(n=player[c.goto]) for c in node.choices]
        assert len(page.go_to[nid]) == len(go_to), nid
        assert all(line.startswith(want) for line, want in zip(page.go_to[nid], go_to, strict=True)), page.go_to[nid]

    heads = [_pattern(say[key], n=r"\d+", id=r"\S+") for key in ("page.map_start", "page.map_scene")]
    ending = _pattern(say["page.map_ending"], n=r"\d+", kind=".+?", title=".+")
    arrow = _pattern(say["page.map_choice"], False, letter="[A-Z]", label=".+", to=r"\d+")  # then "(offered only if …)"
    by_number = {n: nid for nid, n in player.items()}
    current, seen = None, set()
    for line in page.map_lines:
        scene = next((m for m in (p.match(line) for p in heads) if m), None)
        if scene:
            current = scene["id"]
            assert int(scene["n"]) == player[current], line
        elif match := ending.match(line):
            current = by_number[int(match["n"])]
            node = scenario.nodes[current].ending
            assert node is not None and match["kind"] == say[f"page.map_{node.kind}"], line
        else:
            match = arrow.match(line)
            assert match, line
            choice = scenario.nodes[current].choices[ord(match["letter"]) - ord("A")]
            assert int(match["to"]) == player[choice.goto], line
            continue
        seen.add(current)
    assert seen == set(scenario.nodes)


@pytest.mark.slow
def test_a_built_page_shows_one_numbering(built_mini: Path):
    course = load_course(MINI).course
    for scenario in course.scenarios:
        assert_page_agrees(built_mini, course, scenario)


@pytest.mark.slow
def test_a_built_page_of_a_new_scenario_added_last_shows_one_numbering(mini_course: Path):
    scenario_id = new_scenario_last(mini_course)
    course = load_course(mini_course).course
    site = build(course, handouts=False).site
    assert_page_agrees(site, course, course.scenario(scenario_id))
