"""The course's content bars are `check` rules (``rules:`` in course.yml): each is tried here on a
copy of tests/fixtures/mini that meets it and one that does not; then the shipped course must pass
``check --strict`` with its own bars."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import networkx
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from branchbook.check import measures, states
from branchbook.cli import main
from branchbook.load import load_course
from branchbook.model import Scenario

REPO = Path(__file__).parent.parent
MINI = Path(__file__).parent / "fixtures" / "mini"
SHARED_DENYLIST = REPO.parent / "shared" / "denylist.sha256"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    target = tmp_path / "mini"
    shutil.copytree(MINI, target)
    return target


def set_rules(root: Path, **values) -> None:
    """Replace course.yml's ``rules:`` section (the fixture's is the file's last block)."""
    path = root / "course.yml"
    text = path.read_text(encoding="utf-8")
    current = yaml.safe_load(text).get("rules") or {}
    head = text[:text.index("\nrules:")] if "\nrules:" in text else text
    path.write_text(head.rstrip("\n") + "\n" + yaml.safe_dump({"rules": {**current, **values}}, sort_keys=False),
                    encoding="utf-8")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def warnings(root: Path, containing: str) -> list[str]:
    loaded = load_course(root)
    assert loaded.report.errors == [], "\n".join(p.format() for p in loaded.report.errors)
    return [p.format() for p in loaded.report.warnings if containing in p.message]


def line_of(path: Path, text: str) -> int:
    """1-based line of the one line of ``path`` that contains ``text``."""
    lines = [i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line]
    assert len(lines) == 1, (text, lines)
    return lines[0]


FAVOUR = "scenarios/the-favour.yml"
NOTICE = "scenarios/noticeboard.yml"


def test_the_fixture_meets_its_own_bars(root):
    assert load_course(root).report.warnings == []


def test_min_scenes(root):
    assert warnings(root, "scenes;") == []
    set_rules(root, min_scenes=4)
    at = line_of(root / FAVOUR, "nodes:")
    assert warnings(root, "scenes;") == [
        f"{FAVOUR}:{at}:1: warning: the scenario has 3 scenes; the course asks for at least 4\n"
        "    hint: add the consequences of a choice and a later decision that depends on it, "
        "or lower rules.min_scenes in course.yml"]


def test_decisions_on_every_path_respect_conditions(root):
    """A shortcut that its condition never offers does not count as a path."""
    edit(root / NOTICE, "    choices:\n      - label: Say plainly", """    choices:
      - label: Close the matter at once
        goto: fair
        when: trust >= 3
        feedback: Closing it before anyone is heard is not a process.
        violates: [respondent-fairness]
      - label: Say plainly""")
    set_rules(root, min_decisions_per_path=2)
    assert [w for w in warnings(root, "decision(s)") if NOTICE in w] == []
    edit(root / NOTICE, "when: trust >= 3", "when: trust >= 2")  # now offered at the start
    assert warnings(root, "ending 'fair'") == [
        f"{NOTICE}:{line_of(root / NOTICE, '  fair:')}:3: warning: ending 'fair' is reached after 1 decision(s) "
        "(ask#1 → fair); the course asks for at least 2 on every path\n"
        "    hint: put another decision on this path (e.g. a scene where the consequence has to be handled), "
        "or lower rules.min_decisions_per_path in course.yml"]


def test_every_ending_is_measured_by_its_own_shortest_path(root):
    set_rules(root, min_decisions_per_path=3)
    found = warnings(root, "decision(s)")
    assert any("ending 'fair' is reached after 2 decision(s) (ask#1 → listen#1 → fair)" in w for w in found)
    assert any("ending 'recused' is reached after 1 decision(s) (assigned#1 → recused)" in w for w in found)


def test_share_of_decisions_with_three_options(root):
    set_rules(root, min_share_three_options=0.5)
    assert any(w.startswith(f"{NOTICE}:") and "0 of 4 decisions offer three or more options" in w
               for w in warnings(root, "three or more"))
    extra = """      - label: Ask a colleague to sit in
        goto: harmful-end
        feedback: Another face changes the meeting without asking Jo.
        violates: [trustworthiness]
"""
    for after in ("  ambush:\n", "  promise:\n"):
        edit(root / NOTICE, after, extra + after)
    assert [w for w in warnings(root, "three or more") if w.startswith(f"{NOTICE}:")] == []


def test_required_ending_kinds(root):
    assert warnings(root, "ending") == []
    set_rules(root, require_ending_kinds=["good", "mixed", "harmful"])
    assert [w.split(": warning: ")[1].split("\n")[0] for w in warnings(root, "no 'mixed' ending")] == \
        ["the scenario has no 'mixed' ending"]
    assert warnings(root, "no 'mixed' ending")[0].startswith(f"{FAVOUR}:")


def test_feedback_and_a_principle_on_every_choice(root):
    assert warnings(root, "feedback") == warnings(root, "principle") == []
    edit(root / FAVOUR, "        feedback: Declaring a tie and stepping aside protects everyone.\n"
                        "        upholds: [independence]\n", "")
    at = line_of(root / FAVOUR, "Declare that the respondent")
    assert [w.split("\n")[0] for w in warnings(root, "choice")] == [
        f"{FAVOUR}:{at}:16: warning: choice has no feedback",
        f"{FAVOUR}:{at}:16: warning: choice names no principle it upholds or violates"]


def test_reading_ease_names_the_hardest_scene(root):
    assert warnings(root, "reading ease") == []
    edit(root / FAVOUR, "text: Someone with no ties takes the case.",
         "text: Notwithstanding organisational considerations, responsibility for adjudicating "
         "the complainant's allegations is subsequently reallocated to an independent, "
         "appropriately qualified investigator, whose determination, incorporating comprehensive "
         "evidentiary documentation, institutional policy interpretation and procedural "
         "proportionality considerations, constitutes the definitive organisational resolution.")
    found = warnings(root, "reading ease")
    assert len(found) == 1 and found[0].startswith(f"{FAVOUR}:{line_of(root / FAVOUR, 'title: The favour')}:")
    assert "is below the course's 50" in found[0] and "hardest scenes: 'recused'" in found[0]
    set_rules(root, min_reading_ease=None)
    assert warnings(root, "reading ease") == []


def test_label_length(root):
    assert warnings(root, "label") == []
    long = " ".join(["Tell Jo plainly"] * 9)  # 27 words
    edit(root / NOTICE, "label: Let it drop", f"label: {long}")
    at = line_of(root / NOTICE, long)
    assert [w.split("\n")[0] for w in warnings(root, "label")] == [
        f"{NOTICE}:{at}:16: warning: choice label has 27 words; the course allows 25"]
    set_rules(root, max_label_words=30)
    assert warnings(root, "label") == []


def test_the_person_harmed_is_scripted_where_the_course_opts_in(root):
    edit(root / NOTICE, "brief: Jo asked to talk., playable: false}", "brief: Jo asked to talk.}")
    assert warnings(root, "playable") == []  # not asked for
    set_rules(root, require_scripted_role=True)
    assert [w.split("\n")[0] for w in warnings(root, "playable")] == [
        f"{NOTICE}:{line_of(root / NOTICE, 'roles:')}:1: warning: every role is playable, "
        "so a participant would play the person harmed"]


def test_a_private_brief_where_the_course_opts_in(root):
    set_rules(root, require_private_brief=True)
    found = warnings(root, "private brief")
    assert [w.split(":")[0] for w in found] == [NOTICE]  # the-favour has one
    edit(root / NOTICE, "brief: You chair the garden committee.}",
         "brief: You chair the garden committee., private: You once sat on a panel with the respondent.}")
    assert warnings(root, "private brief") == []


def test_module_duration_against_the_time_its_scenarios_need(root):
    assert warnings(root, "duration") == []
    edit(root / "modules" / "basics.md", "duration: 45", "duration: 2")
    found = warnings(root, "duration")
    assert len(found) == 1 and found[0].startswith("modules/basics.md:4:11: warning: duration 2 minutes is less than")
    assert "noticeboard" in found[0] and "the-favour" in found[0]
    set_rules(root, minutes_per_decision=0, words_per_minute=10_000)
    assert warnings(root, "duration") == []


def test_one_person_per_name(root):
    assert warnings(root, "name '") == []
    edit(root / FAVOUR, "name: Kit Moreau", "name: Jo Moreau")
    at = line_of(root / FAVOUR, "Jo Moreau")
    col = (root / FAVOUR).read_text().splitlines()[at - 1].index("Jo Moreau") + 1
    assert [w.split("\n")[0] for w in warnings(root, "name '")] == [
        f"{FAVOUR}:{at}:{col}: warning: the name 'Jo' is also used in {NOTICE} (Jo Tanaka)"]
    set_rules(root, one_person_per_name=False)
    assert warnings(root, "name '") == []


def test_a_reused_name_is_blamed_on_the_scenario_added_later_in_the_course(root):
    """A new scenario whose file name sorts first, added last to its module, gets the warning:
    the author who added it should rename, not the author of the scenario already there."""
    assert CliRunner().invoke(main, ["new", "scenario", "aaa-new", str(root), "--module", "basics"]).exit_code == 0
    edit(root / "scenarios" / "aaa-new.yml", "name: an invented name", "name: Jo Invented")
    found = warnings(root, "name 'Jo'")
    assert len(found) == 1 and found[0].startswith("scenarios/aaa-new.yml:"), found


def test_numbers_and_findings_in_readings_carry_a_citation(root):
    module = root / "modules" / "basics.md"
    assert warnings(root, "citation") == []
    module.write_text(module.read_text() + """
In 2019 the committee wrote its first policy. Steps:

1. Listen.
2. Write it down {cite}`samhsa2014`.

About 40% of people who report say nobody followed up {cite}`samhsa2014`. Research shows that
most people never report. Fewer than 3 in 10 reports reach a panel.
""")
    found = [w.split("\n")[0] for w in warnings(root, "citation")]
    lines = module.read_text().splitlines()
    research = next(i for i, line in enumerate(lines, 1) if "Research shows" in line)
    assert found == [
        f"modules/basics.md:{research}:{lines[research - 1].index('Research') + 1}: warning: this sentence states a "
        "number or a finding without a citation: 'Research shows that most people never report.'",
        f"modules/basics.md:{research + 1}:{lines[research].index('3 in 10') + 1}: warning: this sentence states a number or a finding without a "
        "citation: 'Fewer than 3 in 10 reports reach a panel.'"]
    set_rules(root, cite_findings=False)
    assert warnings(root, "citation") == []


def test_a_french_course_knows_french_findings_and_an_unknown_language_still_its_numbers(root):
    """The phrases that state a finding are the course language's: a French course's "des études montrent" needs a
    citation; "research shows" in a course whose language has no known phrases is not looked for, its numbers are."""
    module = root / "modules" / "basics.md"
    reading = module.read_text(encoding="utf-8")
    course = root / "course.yml"
    settings = course.read_text(encoding="utf-8")
    french = "\nDes études montrent que la plupart des victimes ne signalent rien. Selon vous, que faire ?\n"
    for language, added, flagged in (("fr", french, ["Des études montrent"]),
                                     ("pt", "\nResearch shows that most people never report. Fewer than 3 in 10 do.\n",
                                      ["Fewer than 3 in 10"])):
        course.write_text(f"language: {language}\n" + settings, encoding="utf-8")
        module.write_text(reading + added, encoding="utf-8")
        found = [w for w in (p.message for p in load_course(root).report.warnings) if "citation" in w]
        assert [next(f for f in flagged if f in w) for w in found] == flagged, found


def module_warnings(root: Path) -> list[str]:
    return [w.split(": warning: ")[1].split("\n")[0] for w in warnings(root, "") if w.startswith("modules/")]


def test_module_bars(root):
    assert module_warnings(root) == []
    set_rules(root, min_scenarios_per_module=3, min_objectives_per_module=2, min_checks_per_module=2,
              min_reading_words=50)
    assert sorted(module_warnings(root)) == [
        "the module has 1 knowledge-check questions; the course asks for at least 2",
        "the module has 1 objectives; the course asks for at least 2",
        "the module has 2 scenarios; the course asks for at least 3",
        "the reading has 12 words; the course asks for at least 50"]  # "Why purpose matters" + a 9-word sentence
    set_rules(root, min_scenarios_per_module=2, min_objectives_per_module=1, min_checks_per_module=1,
              min_reading_words=12, max_reading_words=8)
    assert module_warnings(root) == ["the reading has 12 words; the course allows 8"]


def test_every_failure_pattern_is_taught(root):
    assert warnings(root, "failure pattern") == []
    edit(root / FAVOUR, "provenance: {failures: [F21]}", "provenance: {failures: [F09]}")
    at = line_of(root / "course.yml", "id: F21")
    assert [w.split("\n")[0] for w in warnings(root, "failure pattern")] == [
        f"course.yml:{at}:10: warning: no scenario teaches failure pattern F21"]


def test_required_glossary_terms(root):
    set_rules(root, require_glossary_terms=["recusal"])
    assert warnings(root, "glossary") == []
    set_rules(root, require_glossary_terms=["recusal", "DARVO"])
    assert [w.split("\n")[0].split(": warning: ")[1] for w in warnings(root, "glossary")] == [
        "the glossary does not define 'DARVO'"]


def test_the_shipped_course_meets_its_own_bars_strictly():
    result = CliRunner().invoke(main, ["check", "--strict", str(REPO)])
    assert result.exit_code == 0, result.stdout


def test_the_shipped_course_declares_its_bars():
    """Its bars are the course's own, in course.yml, not the defaults for a first draft."""
    declared = yaml.safe_load((REPO / "course.yml").read_text(encoding="utf-8"))["rules"]
    assert declared["require_scripted_role"] and declared["require_private_brief"]


@pytest.mark.skipif(not SHARED_DENYLIST.exists(), reason="the shared denylist is not beside this checkout")
def test_course_denylist_is_the_shared_one():
    settings = yaml.safe_load((REPO / "course.yml").read_text(encoding="utf-8"))
    ours = (REPO / settings["deidentification"]["denylist"]).read_text().split()
    shared = SHARED_DENYLIST.read_text().split()
    assert {h for h in shared if len(h) == 64} <= set(ours)


TESTIMONY = REPO.parent / "shared" / "source" / "testimony.txt"


@pytest.mark.skipif(not TESTIMONY.exists(), reason="the source testimony is not beside this checkout")
def test_no_sentence_of_the_source_is_quoted():
    """No run of five words from the testimony appears in any course or project text file."""
    words = lambda text: re.sub(r"[^a-z0-9' ]+", " ", text.lower().replace("\u2019", "'")).split()  # noqa: E731
    source = words(TESTIMONY.read_text(encoding="utf-8"))
    shingles = {tuple(source[i:i + 5]) for i in range(len(source) - 4)}
    found = {}
    for path in [*REPO.glob("scenarios/*.yml"), *REPO.glob("modules/*.md"), REPO / "course.yml",
                 *REPO.glob("book/*.md"), *REPO.glob("docs/*.md"), REPO / "README.md"]:
        text = words(path.read_text(encoding="utf-8"))
        hits = {" ".join(text[i:i + 5]) for i in range(len(text) - 4) if tuple(text[i:i + 5]) in shingles}
        if hits:
            found[path.name] = sorted(hits)
    assert found == {}


@st.composite
def free_graphs(draw):
    """Scenario graphs without conditions: the fewest decisions to each ending is a plain shortest path."""
    count = draw(st.integers(2, 9))
    ids = [f"s{i}" for i in range(count)]
    nodes = {}
    for nid in ids:
        if nid != "s0" and draw(st.integers(0, 2)) == 0:
            nodes[nid] = {"text": "End.", "ending": {"kind": "good", "title": "End", "debrief": "Why."}}
        else:
            nodes[nid] = {"text": "Scene.", "choices": [{"label": "Go", "goto": draw(st.sampled_from(ids))}
                                                        for _ in range(draw(st.integers(1, 3)))]}
    return Scenario.model_validate({
        "id": "random", "title": "Random", "summary": "Random.", "content_notes": ["none"],
        "provenance": {"failures": ["F01"]}, "learner_role": "a", "roles": [{"id": "a", "name": "A", "title": "A",
                                                                             "brief": "A."}],
        "start": "s0", "nodes": nodes, "debrief": ["Why?"]})


@given(free_graphs())
@settings(max_examples=200, deadline=None)
def test_shortest_playthroughs_agree_with_a_shortest_path_search(scenario):
    graph = networkx.DiGraph((nid, c.goto) for nid, node in scenario.nodes.items() for c in node.choices)
    graph.add_nodes_from(scenario.nodes)
    distance = networkx.single_source_shortest_path_length(graph, scenario.start)
    found = measures.shortest_playthroughs(scenario, states.explore(scenario))
    assert {e: len(p.steps) for e, p in found.items()} == {e: distance[e] for e in scenario.endings if e in distance}


def test_a_mistyped_rule_is_an_error_with_a_hint(root):
    edit(root / "course.yml", "  min_scenes: 3\n", "  min_sceens: 3\n")
    loaded = load_course(root)
    at = line_of(root / "course.yml", "min_sceens")
    assert [(p.line, p.message, p.hint) for p in loaded.report.errors] == [
        (at, "unknown field 'min_sceens'", "did you mean 'min_scenes'?")]
