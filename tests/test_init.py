"""`branchbook init`: a new course that checks and builds with no edit, from scratch or from the shipped course."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from branchbook.cli import main
from branchbook.load import load_course


def init(*args: str):
    return CliRunner().invoke(main, ["init", *args])


def test_a_new_course_says_truly_how_check_can_warn_about_its_placeholder_contacts(tmp_path: Path):
    """A new course checks clean, yet its support contacts are placeholders that learners in distress
    would read: its course.yml says how to have `check` list them, and doing what it says does."""
    folder = tmp_path / "our-course"
    assert init(str(folder)).exit_code == 0
    assert not load_course(folder).report.warnings
    settings = (folder / "course.yml").read_text(encoding="utf-8")
    assert "\n# localise_warnings: true\n" in settings, "the switch is written, off, where the comment says"
    (folder / "course.yml").write_text(settings.replace("\n# localise_warnings: true\n", "\nlocalise_warnings: true\n"),
                                       encoding="utf-8")
    loaded = load_course(folder)
    warned = [p for p in loaded.report.warnings if "localise: true" in p.message]
    placeholders = [s.name for s in loaded.course.settings.support if s.localise]
    assert placeholders and len(warned) == len(placeholders)


@pytest.mark.slow
def test_a_new_course_checks_strictly_builds_and_leaves_only_author_files_for_git(tmp_path: Path):
    folder = tmp_path / "our-course"
    result = init(str(folder), "--title", 'Reports: "what now?"')
    assert result.exit_code == 0, result.output
    loaded = load_course(folder)
    assert loaded.course is not None and not loaded.report.failed(strict=True), \
        [p.format() for p in loaded.report.problems]
    assert loaded.course.settings.title == 'Reports: "what now?"'
    assert loaded.course.settings.principles, "the principles vocabulary comes with a new course"
    assert (folder / "book" / "_config.yml").is_file(), "book settings (privacy) are written by init"

    built = CliRunner().invoke(main, ["build", str(folder), "--no-handouts"])
    assert built.exit_code == 0, built.output
    site = folder / "book" / "_build" / "html"
    assert (site / "index.html").is_file()
    assert (site / "scenarios" / "first-scenario.html").is_file()

    # .gitignore keeps every generated file out of version control
    subprocess.run(["git", "init", "-q", str(folder)], check=True)
    listed = subprocess.run(["git", "-C", str(folder), "status", "--porcelain", "--untracked-files=all"],
                            check=True, capture_output=True, text=True).stdout.split("\n")
    paths = sorted(line[3:] for line in listed if line)
    assert paths == sorted(["course.yml", "denylist.sha256", "README.md", ".gitignore", ".github/workflows/pages.yml",
                            "modules/first-module.md", "scenarios/first-scenario.yml", "book/references.bib",
                            "book/_config.yml", "book/intro.md", "scenario.schema.json"])


def test_the_schema_a_new_scenario_points_editors_to_is_in_the_course(tmp_path: Path):
    """Every new scenario's first line sends VS Code's YAML extension to a schema file: in a new course
    it exists, and it is what `branchbook schema` prints, so autocomplete works from the first edit."""
    folder = tmp_path / "course"
    assert init(str(folder)).exit_code == 0
    assert CliRunner().invoke(main, ["new", "scenario", "second", str(folder)]).exit_code == 0
    for scenario in ("first-scenario", "second"):
        first = (folder / "scenarios" / f"{scenario}.yml").read_text(encoding="utf-8").splitlines()[0]
        named = first.removeprefix("# yaml-language-server: $schema=")
        assert named != first, first
        schema = (folder / "scenarios" / named).resolve()
        assert schema.read_text(encoding="utf-8") == CliRunner().invoke(main, ["schema"]).stdout


def test_the_publishing_workflow_uploads_files_not_the_site_link(tmp_path: Path):
    folder = tmp_path / "course"
    assert init(str(folder)).exit_code == 0
    workflow = yaml.safe_load((folder / ".github" / "workflows" / "pages.yml").read_text())
    steps = workflow["jobs"]["build"]["steps"]
    commands = " ".join(step.get("run", "") for step in steps)
    upload = next(step for step in steps if "upload-pages-artifact" in step.get("uses", ""))
    # the artefact is the folder export site lays out (tests/test_publish_languages.py runs it)
    assert "branchbook export site --strict -o _site" in commands and upload["with"]["path"] == "_site"
    assert "graphviz" in commands
    assert "deploy-pages" in str(workflow["jobs"]["deploy"])


@pytest.mark.parametrize("existing", ["course.yml", "notes.txt"])
def test_init_refuses_a_folder_that_is_not_empty_and_writes_nothing(tmp_path: Path, existing: str):
    folder = tmp_path / "taken"
    folder.mkdir()
    (folder / existing).write_text("mine\n")
    result = init(str(folder))
    assert result.exit_code == 2
    assert "empty folder" in result.output
    assert sorted(p.name for p in folder.iterdir()) == [existing]
    assert (folder / existing).read_text() == "mine\n"
    assert not any(p.name.endswith("branchbook-init") for p in tmp_path.iterdir())


@pytest.mark.slow
def test_from_shipped_warns_about_each_contact_to_replace_until_it_is_replaced(tmp_path: Path):
    folder = tmp_path / "adapted"
    result = init(str(folder), "--from-shipped")
    assert result.exit_code == 0, result.output
    loaded = load_course(folder)
    assert loaded.course is not None and not loaded.report.errors
    to_replace = [s.name for s in loaded.course.settings.support if s.localise]
    assert to_replace, "the shipped course marks contacts to localise"
    warned = [p for p in loaded.report.warnings if "localise: true" in p.message]
    assert len(warned) == len(to_replace) and all(p.file == "course.yml" for p in warned)

    # replacing one entry silences its warning, and the course still builds
    settings = (folder / "course.yml").read_text(encoding="utf-8")
    settings = settings.replace("    localise: true", "    localise: false", 1)
    (folder / "course.yml").write_text(settings, encoding="utf-8")
    assert len([p for p in load_course(folder).report.warnings if "localise: true" in p.message]) == len(warned) - 1
    built = CliRunner().invoke(main, ["build", str(folder), "--no-handouts"])
    assert built.exit_code == 0, built.output
    assert (folder / "book" / "_build" / "html" / "index.html").is_file()
