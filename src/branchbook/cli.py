"""The ``branchbook`` command: check, build, handouts, new, schema."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console

from . import __version__
from .load import CourseNotFound, Loaded, load_course

err = Console(stderr=True, highlight=False)
COURSE_ARG = click.argument("course", type=click.Path(path_type=Path), default=".", required=False)


def _load(course: Path) -> Loaded:
    try:
        return load_course(course)
    except CourseNotFound as error:
        raise click.UsageError(str(error)) from None


def report_problems(loaded: Loaded, strict: bool) -> bool:
    """Print errors, then warnings, then a summary line; True when the course may go on to be built."""
    report = loaded.report
    for problem in report.errors:
        click.echo(problem.format(), err=True)
    if report.warnings:
        click.echo("" if not report.errors else "", err=True)
        for problem in report.warnings:
            click.echo(problem.format(), err=True)
    failed = report.failed(strict)
    summary = f"{len(report.errors)} error(s), {len(report.warnings)} warning(s)"
    if failed:
        err.print(f"[bold red]✗[/] {summary}" + (" (warnings are fatal with --strict)" if strict and not report.errors else ""))
    else:
        course = loaded.course
        err.print(f"[green]✓[/] {len(course.modules)} modules, {len(course.scenarios)} scenarios: {summary}")
    return not failed


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="branchbook")
def main() -> None:
    """Turn branching role-play scenarios (YAML) into a training course.

    COURSE is the folder holding course.yml (default: the current folder, which in this
    repository is the shipped course). Exit status: 0 clean, 1 problems found, 2 usage error.
    """


@main.command()
@COURSE_ARG
@click.option("--strict", is_flag=True, help="Treat warnings (e.g. a choice without feedback) as errors.")
def check(course: Path, strict: bool) -> None:
    """Check every file of COURSE and list every problem as file:line:col."""
    if not report_problems(_load(course), strict):
        sys.exit(1)


@main.command()
@click.argument("what", type=click.Choice(["scenario", "module", "course"]), default="scenario")
def schema(what: str) -> None:
    """Print the JSON Schema of a scenario file (or module front matter, or course.yml) for editors."""
    from .model import CourseSettings, Module, Scenario

    model = {"scenario": Scenario, "module": Module, "course": CourseSettings}[what]
    document = model.model_json_schema()
    if what == "module":
        document["properties"].pop("reading", None)
        document["required"] = [r for r in document.get("required", []) if r != "reading"]
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    click.echo(json.dumps(document, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
