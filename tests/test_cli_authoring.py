"""The authoring commands: `schema` for editors and `new scenario` for a first file."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml
from click.testing import CliRunner

from branchbook.cli import main

REPO = Path(__file__).parent.parent


def test_schema_accepts_every_shipped_scenario_and_rejects_a_typo():
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    validator = jsonschema.Draft202012Validator(schema)
    files = sorted(REPO.glob("scenarios/*.yml"))
    assert len(files) >= 15
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


def test_new_scenario_is_valid_once_listed_in_its_module(mini_course: Path):
    runner = CliRunner()
    result = runner.invoke(main, ["new", "scenario", "first-draft", str(mini_course)])
    assert result.exit_code == 0, result.output
    created = mini_course / "scenarios" / "first-draft.yml"
    assert "# " in created.read_text()  # commented for authors
    check = runner.invoke(main, ["check", str(mini_course)])
    assert check.exit_code == 1 and "scenario 'first-draft' is in no module" in check.output
    module = mini_course / "modules" / "basics.md"
    module.write_text(module.read_text().replace("[noticeboard, the-favour]", "[noticeboard, the-favour, first-draft]"))
    check = runner.invoke(main, ["check", "--strict", str(mini_course)])
    assert check.exit_code == 0, check.output


def test_new_scenario_refuses_bad_ids_and_existing_files(mini_course: Path):
    runner = CliRunner()
    assert runner.invoke(main, ["new", "scenario", "../escape", str(mini_course)]).exit_code == 2
    assert not (mini_course.parent / "escape.yml").exists()
    result = runner.invoke(main, ["new", "scenario", "noticeboard", str(mini_course)])
    assert result.exit_code == 2 and "already exists" in result.output
