"""Twine in and out: Twee 3 export read back by a real Twee parser (extwee), and export → import round trips."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings

from branchbook.cli import main
from branchbook.load import load_course
from branchbook.model import Scenario
from branchbook.read import twee as twee_reader
from branchbook.write import twee as twee_writer
from course_support import scenarios as random_scenarios

REPO = Path(__file__).parent.parent
EXTWEE = REPO / "node_modules" / "extwee"
needs_extwee = pytest.mark.skipif(not EXTWEE.is_dir() or shutil.which("node") is None,
                                  reason="extwee (npm ci) and node are needed")


def normalised(scenario: Scenario) -> dict:
    """The scenario as data, with the ends of every text trimmed (Twine keeps no trailing newline)."""
    def trim(value):
        if isinstance(value, str):
            return value.strip()
        if isinstance(value, dict):
            return {k: trim(v) for k, v in value.items()}
        if isinstance(value, list):
            return [trim(v) for v in value]
        return value
    return trim(scenario.model_dump(mode="json"))


def round_trip(course_id: str, scenario: Scenario) -> Scenario:
    story = twee_reader.parse(twee_writer.scenario_twee(course_id, scenario))
    return Scenario.model_validate(twee_reader.scenario_data(story))


@pytest.fixture(scope="module")
def shipped():
    loaded = load_course(REPO)
    assert loaded.course is not None
    return loaded.course


def test_every_shipped_scenario_survives_export_and_import(shipped):
    for scenario in shipped.scenarios:
        assert normalised(round_trip(shipped.settings.id, scenario)) == normalised(scenario), scenario.id


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(random_scenarios())
def test_random_scenarios_survive_export_and_import(data):
    try:
        scenario = Scenario.model_validate(data)
    except ValueError:
        assume(False)
    texts = [n.text for n in scenario.nodes.values()]
    assume(not any("[[" in t or "]]" in t or "<!--" in t or "\\::" in t or "\r" in t or not t.strip() for t in texts))
    assert normalised(round_trip("c", scenario)) == normalised(scenario)


def test_the_ifid_is_stable_and_differs_per_scenario():
    assert twee_writer.ifid("c", "a") == twee_writer.ifid("c", "a") != twee_writer.ifid("c", "b")


EXTWEE_DUMP = """
import { readFileSync } from 'node:fs';
import { parseTwee, compileTwine2ArchiveHTML } from 'EXTWEE';
const out = {};
for (const file of process.argv.slice(2)) {
  const story = parseTwee(readFileSync(file, 'utf-8'));
  out[file] = {name: story.name, ifid: story.IFID, start: story.start,
               passages: story.passages.map(p => ({name: p.name, tags: p.tags, text: p.text})),
               archive: compileTwine2ArchiveHTML([story])};
}
console.log(JSON.stringify(out));
"""


@needs_extwee
def test_a_real_twee_parser_reads_every_scene_link_and_ending(shipped, tmp_path: Path):
    result = CliRunner().invoke(main, ["export", "twee", "--course", str(REPO), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    script = tmp_path / "dump.mjs"
    script.write_text(EXTWEE_DUMP.replace("EXTWEE", (EXTWEE / "index.js").as_uri()))
    files = sorted((tmp_path / "out").glob("*.twee"))
    assert [f.stem for f in files] == sorted(s.id for s in shipped.scenarios)
    parsed = json.loads(subprocess.run(["node", str(script), *map(str, files)], cwd=REPO, check=True,
                                       capture_output=True, text=True, timeout=120).stdout)
    for file in files:
        scenario, story = shipped.scenario(file.stem), parsed[str(file)]
        assert story["name"] == scenario.title and story["start"] == scenario.start
        assert story["ifid"] == twee_writer.ifid(shipped.settings.id, scenario.id)
        passages = {p["name"]: p for p in story["passages"]}
        assert set(scenario.nodes) <= set(passages)
        for node_id, node in scenario.nodes.items():
            links = [target for _, target in twee_reader._links(passages[node_id]["text"])]
            assert links == [c.goto for c in node.choices], (scenario.id, node_id)
            tags = passages[node_id]["tags"]
            assert (("ending" in tags and node.ending.kind in tags) if node.ending else "ending" not in tags)
        # and Twine 2 archive HTML written by extwee imports to the same scenario
        archived = Scenario.model_validate(twee_reader.scenario_data(twee_reader.parse(story["archive"])))
        assert normalised(archived) == normalised(scenario), scenario.id


SKETCH = """:: StoryTitle
The late agenda

:: StoryData
{"ifid": "D674C58C-DEFA-4F70-B7A2-27742230C0FC", "format": "Harlowe", "start": "An email arrives"}

:: An email arrives {"position":"100,100"}
A member writes that the chair's friend has been added to the panel.
[[Ask the friend to step out->Stepped out]]
[[Keep the panel as it is|Kept]]
[[Kept<-Say nothing for now]]

:: Stepped out [ending good]
The panel is independent.

:: Kept [ending harmful]
The member stops replying.
"""


def test_a_twine_sketch_becomes_a_scenario_whose_gaps_check_lists(mini_course: Path, tmp_path: Path):
    sketch = tmp_path / "sketch.twee"
    sketch.write_text(SKETCH)
    result = CliRunner().invoke(main, ["import", "twee", str(sketch), "--course", str(mini_course),
                                       "--module", "basics"])
    assert result.exit_code == 0, result.output
    written = mini_course / "scenarios" / "the-late-agenda.yml"
    assert written.is_file() and "TODO" in written.read_text()
    # it is listed last in its module; check reports the gaps at their lines, nothing else breaks
    assert "the-late-agenda]" in (mini_course / "modules" / "basics.md").read_text()
    first = [p for p in load_course(mini_course).report.errors if p.file == "scenarios/the-late-agenda.yml"]
    assert [p.line for p in first if "provenance, failures" in p.message] == [
        n for n, line in enumerate(written.read_text().split("\n"), 1) if line.strip() == "failures: []"]
    # the author names the failure pattern; then every gap left is reported where it is
    written.write_text(written.read_text().replace("failures: []", "failures: [F09]"))
    loaded = load_course(mini_course)
    mine = [p for p in loaded.report.problems if p.file == "scenarios/the-late-agenda.yml"]
    assert not [p for p in mine if p.severity == "error"], [p.format() for p in mine]
    gaps = [p for p in mine if "still to be written" in p.message]
    lines = written.read_text().split("\n")
    assert sorted(p.line for p in gaps) == [n for n, line in enumerate(lines, 1) if "TODO" in line and
                                            not line.startswith("#")]
    assert any("feedback" in p.message for p in mine), [p.format() for p in mine]
    data = twee_reader.scenario_data(twee_reader.parse(SKETCH))
    assert data["start"] == "an-email-arrives"
    choices = data["nodes"]["an-email-arrives"]["choices"]
    assert [(c["label"], c["goto"]) for c in choices] == [
        ("Ask the friend to step out", "stepped-out"), ("Keep the panel as it is", "kept"),
        ("Say nothing for now", "kept")]
    assert data["nodes"]["kept"]["ending"]["kind"] == "harmful"


def test_export_delete_import_gives_back_the_same_listed_scenario(mini_course: Path, tmp_path: Path):
    before = load_course(mini_course)
    assert CliRunner().invoke(main, ["export", "twee", "the-favour", "--course", str(mini_course),
                                     "-o", str(tmp_path)]).exit_code == 0
    module = mini_course / "modules" / "basics.md"
    listing = module.read_text()
    (mini_course / "scenarios" / "the-favour.yml").unlink()
    result = CliRunner().invoke(main, ["import", "twee", str(tmp_path / "the-favour.twee"), "--course",
                                       str(mini_course), "--module", "basics"])
    assert result.exit_code == 0, result.output
    assert module.read_text() == listing, "a scenario still listed in its module is not listed twice"
    after = load_course(mini_course)
    assert [p.format() for p in after.report.problems] == [p.format() for p in before.report.problems]
    assert normalised(after.course.scenario("the-favour")) == normalised(before.course.scenario("the-favour"))


def test_a_choice_relabelled_in_twine_keeps_its_feedback(shipped):
    scenario = shipped.scenarios[0]
    node_id, node = next((k, n) for k, n in scenario.nodes.items() if n.choices)
    text = twee_writer.scenario_twee("c", scenario)
    old = twee_writer._link(node.choices[0].label, node.choices[0].goto)
    edited = text.replace(old, f"[[A new label->{node.choices[0].goto}]]", 1)
    imported = twee_reader.scenario_data(twee_reader.parse(edited))["nodes"][node_id]["choices"][0]
    assert imported["label"] == "A new label"
    assert imported["feedback"] == node.choices[0].feedback


def test_import_refuses_what_is_not_a_story(mini_course: Path, tmp_path: Path):
    page = tmp_path / "page.html"
    page.write_text("<html><body>not a story</body></html><tw-storydata")
    result = CliRunner().invoke(main, ["import", "twee", str(page), "--course", str(mini_course)])
    assert result.exit_code == 2 and "page.html" in result.output
    assert sorted(p.name for p in (mini_course / "scenarios").iterdir()) == ["noticeboard.yml", "the-favour.yml"]
