"""The authoring commands: `schema` for editors, `new scenario` / `new module` for a first file, `stats`."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from branchbook.cli import main
from branchbook.load import source_files

REPO = Path(__file__).parent.parent


def test_schema_accepts_every_shipped_scenario_and_rejects_a_typo():
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    validator = jsonschema.Draft202012Validator(schema)
    _, files = source_files(REPO)  # the scenarios, not their translations (scenarios/<id>.LL.yml)
    assert files
    for path in files:
        assert list(validator.iter_errors(yaml.safe_load(path.read_text()))) == [], path.name
    broken = yaml.safe_load(files[0].read_text())
    broken["tilte"] = broken.pop("title")
    messages = [e.message for e in validator.iter_errors(broken)]
    assert any("'title' is a required property" in m for m in messages)
    assert any("tilte" in m for m in messages)


def test_module_schema_describes_front_matter_without_the_reading():
    schema = json.loads(CliRunner().invoke(main, ["schema", "module"]).output)
    assert "reading" not in schema["properties"] and "objectives" in schema["required"]


def run(*args, cwd: Path | None = None):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_new_scenario_is_listed_last_in_its_module_and_checks_clean(mini_course: Path):
    module = mini_course / "modules" / "basics.md"
    before = module.read_text()
    result = run("new", "scenario", "first-draft", mini_course, "--module", "basics")
    assert result.exit_code == 0, result.output
    created = mini_course / "scenarios" / "first-draft.yml"
    assert "# " in created.read_text()  # commented for authors
    after = module.read_text()
    assert after == before.replace("scenarios: [noticeboard, the-favour]", "scenarios: [noticeboard, the-favour, first-draft]")
    check = run("check", "--strict", mini_course)
    assert check.exit_code == 0, check.output
    from branchbook.load import load_course

    course = load_course(mini_course).course
    assert [s.id for s in course.scenarios][-1] == "first-draft"
    assert course.scenario("first-draft").module == "basics"  # from the module's list: the file names none


def test_the_new_scenario_meets_the_default_bars(mini_course: Path):
    """With no rules: section (the defaults for a new course), the template raises no warning of its own."""
    settings = mini_course / "course.yml"
    settings.write_text(settings.read_text().split("\n# Tiny scenarios")[0] + "\n")
    assert run("new", "scenario", "first-draft", mini_course).exit_code == 0
    check = run("check", mini_course)
    assert check.exit_code == 0, check.output
    assert "first-draft" not in check.output
    assert "warning" in check.output  # the fixture's own tiny scenarios fall short of the defaults


def test_new_scenario_keeps_a_block_list_and_its_comments(mini_course: Path):
    module = mini_course / "modules" / "basics.md"
    module.write_text(module.read_text().replace(
        "scenarios: [noticeboard, the-favour]",
        "scenarios:            # in play order\n  - noticeboard   # warm-up\n  - the-favour\n# the end of the list"))
    assert run("new", "scenario", "first-draft", mini_course, "--module", "basics").exit_code == 0
    assert ("scenarios:            # in play order\n  - noticeboard   # warm-up\n  - the-favour\n  - first-draft\n"
            "# the end of the list") in module.read_text()
    assert run("check", "--strict", mini_course).exit_code == 0


def test_new_scenario_refuses_an_unknown_module_and_writes_nothing(mini_course: Path):
    before = sorted(p.name for p in mini_course.rglob("*"))
    result = run("new", "scenario", "first-draft", mini_course, "--module", "nosuch")
    assert result.exit_code == 2
    assert "unknown module 'nosuch'; known modules: basics" in result.stderr
    assert sorted(p.name for p in mini_course.rglob("*")) == before


def test_new_scenario_refuses_bad_ids_and_existing_files(mini_course: Path):
    assert run("new", "scenario", "../escape", mini_course).exit_code == 2
    assert not (mini_course.parent / "escape.yml").exists()
    result = run("new", "scenario", "noticeboard", mini_course)
    assert result.exit_code == 2 and "already exists" in result.stderr


def test_new_module_then_a_scenario_in_it(mini_course: Path):
    settings = mini_course / "course.yml"
    before = settings.read_text()
    result = run("new", "module", "second-steps", mini_course)
    assert result.exit_code == 0, result.output
    assert settings.read_text() == before.replace("modules: [basics]", "modules: [basics, second-steps]")
    assert "# " in (mini_course / "modules" / "second-steps.md").read_text()
    assert run("check", "--strict", mini_course).exit_code == 0
    assert run("new", "scenario", "next-one", mini_course, "--module", "second-steps").exit_code == 0
    check = run("check", "--strict", mini_course)
    assert check.exit_code == 0, check.output
    assert "2 modules, 3 scenarios" in check.output
    assert run("new", "module", "second-steps", mini_course).exit_code == 2
    assert run("new", "module", "Bad_Id", mini_course).exit_code == 2


def test_a_scenario_may_leave_out_its_module(mini_course: Path):
    scenario = mini_course / "scenarios" / "the-favour.yml"
    scenario.write_text(scenario.read_text().replace("module: basics\n", ""))
    assert run("check", "--strict", mini_course).exit_code == 0
    scenario.write_text(scenario.read_text().replace("title: The favour\n", "title: The favour\nmodule: other\n"))
    result = run("check", mini_course)
    assert result.exit_code == 1 and "unknown module 'other'" in result.stdout


def stats_json(course: Path) -> dict:
    result = run("stats", "--format", "json", course)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_stats_describes_each_scenario_and_what_is_uncovered(mini_course: Path):
    data = stats_json(mini_course)
    assert data["format"] == "branchbook-stats" and isinstance(data["version"], int)
    sources = {p.stem: yaml.safe_load(p.read_text()) for p in (mini_course / "scenarios").glob("*.yml")}
    assert [s["id"] for s in data["scenarios"]] == ["noticeboard", "the-favour"]  # the module's order
    for entry in data["scenarios"]:
        nodes = sources[entry["id"]]["nodes"].values()
        assert entry["scenes"] == len(nodes)
        assert entry["decisions"] == sum(1 for n in nodes if n.get("choices"))
        assert sum(entry["endings"].values()) == sum(1 for n in nodes if n.get("ending"))
        assert entry["failures"] == sources[entry["id"]]["provenance"]["failures"]
        assert 0 < entry["words"] and 0 < entry["reading_ease"] <= 121
    assert data["uncovered"] == {"failures": [], "principles": []}

    settings = mini_course / "course.yml"
    settings.write_text(settings.read_text().replace(
        "failures:\n", "failures:\n  - {id: F30, module: basics, title: A gap in the course}\n").replace(
        "principles:\n", "principles:\n  - {id: unused, name: Unused, group: G, description: Nobody names it.}\n"))
    data = stats_json(mini_course)
    assert data["uncovered"] == {"failures": [{"id": "F30", "title": "A gap in the course"}],
                                 "principles": [{"id": "unused", "name": "Unused"}]}
    text = run("stats", mini_course).stdout
    assert "F30 (A gap in the course)" in text and "Principles no choice upholds or violates: unused" in text
    assert all(f"  {s}" in text for s in sources)


def test_stats_from_a_subfolder_and_on_a_broken_course(mini_course: Path, monkeypatch):
    monkeypatch.chdir(mini_course / "scenarios")
    result = CliRunner().invoke(main, ["stats"])
    assert result.exit_code == 0 and "the-favour" in result.stdout
    (mini_course / "scenarios" / "the-favour.yml").write_text("id: [")
    result = CliRunner().invoke(main, ["stats"])
    assert result.exit_code == 1 and "branchbook check" in result.stderr


@pytest.mark.parametrize("command", [["export", "scorm", "-o", "x.zip"], ["export", "site", "-o", "site"]])
def test_the_exports_take_the_course_as_every_command_does_or_as_course(command, tmp_path):
    """COURSE as an argument, like check or build, or --course as before; both, and different, is refused."""
    missing = tmp_path / "no-course-here"
    for given in ([str(missing)], ["--course", str(missing)]):
        result = CliRunner().invoke(main, [*command, *given])
        assert result.exit_code == 2 and str(missing) in result.output, result.output
    both = CliRunner().invoke(main, [*command, str(missing), "--course", str(tmp_path)])
    assert both.exit_code == 2 and "given twice" in both.output
