"""The ``branchbook`` command: check, build, serve, handouts, new, schema."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console

from . import __version__, layout
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
@COURSE_ARG
@click.option("--strict", is_flag=True, help="Treat check warnings as errors.")
@click.option("--force", is_flag=True, help="Overwrite generated files that were edited by hand.")
@click.option("--all", "rebuild_all", is_flag=True, help="Rebuild every page, not only those that changed.")
@click.option("--handouts/--no-handouts", default=True, show_default=True, help="Also build the printable PDFs.")
@click.option("--paper", type=click.Choice(["a4", "us-letter"]), default="a4", show_default=True)
def build(course: Path, strict: bool, force: bool, rebuild_all: bool, handouts: bool, paper: str) -> None:
    """Check COURSE, generate the book sources, and build the online book (book/_build/html).

    Nothing is written if the check finds errors; the previous site stays live until the new
    one is complete.
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from .build import build as run_build, start_site_build
    from .load import find_root
    from .output import OutputConflict
    from .site import SiteBuildFailed

    try:  # Sphinx starts up (in a child) while the course is checked
        started = start_site_build(find_root(course), strict=True, rebuild_all=rebuild_all)
    except CourseNotFound:
        started = None
    try:
        loaded = _load(course)
    except BaseException:
        if started:
            started.cancel()
        raise
    if not report_problems(loaded, strict):
        if started:
            started.cancel()
        err.print("Nothing was written.")
        sys.exit(1)
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                  TimeElapsedColumn(), console=err, transient=not err.is_terminal) as progress:
        task = progress.add_task("generating", total=100)

        def on_progress(stage: str, amount: float) -> None:
            progress.update(task, description=stage, completed=amount if stage in (
                "reading sources", "writing output", "generated") else progress.tasks[task].completed)

        try:
            result = run_build(loaded.course, handouts=handouts, paper=paper, force=force,
                               rebuild_all=rebuild_all, on_progress=on_progress, started=started)
        except OutputConflict as conflict:
            progress.stop()
            for line in conflict.problems:
                click.echo(f"error: {line}", err=True)
            err.print("[bold red]✗[/] build stopped before writing anything; the previous site is unchanged.")
            sys.exit(1)
        except SiteBuildFailed as failure:
            progress.stop()
            click.echo(failure.log, err=True)
            err.print("[bold red]✗[/] the Sphinx build failed (log above); the previous site is unchanged.")
            sys.exit(1)
    err.print(f"[green]✓[/] {len(result.written)} file(s) generated, {result.unchanged} unchanged, "
              f"{len(result.deleted)} removed")
    if result.stale_handouts:
        err.print("Handouts were not remade (--no-handouts): the site links the PDFs of the last build that "
                  "made them, which may be out of date. Build without --no-handouts to remake them.")
    click.echo(f"Site: {result.site / 'index.html'}")


@main.command("serve")
@COURSE_ARG
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True,
              help="Port on 127.0.0.1 (the preview is never reachable from other machines).")
@click.option("--scenario", "scenario_id", metavar="ID",
              help="Preview one scenario alone: open on its page (the player and its debrief); its saves "
                   "update that page without rebuilding the rest of the site.")
@click.option("--open", "open_browser", is_flag=True, help="Open the preview in your web browser.")
def serve_command(course: Path, port: int, scenario_id: str | None, open_browser: bool) -> None:
    """Build COURSE, serve it on http://127.0.0.1:PORT, and follow every save.

    Watches course.yml, modules/, scenarios/ and book/ (your files, not what the build writes).
    On each save it checks the course (problems print here as `check` prints them, and show in a
    banner on every open page, while the last good version stays on show), regenerates what
    changed and reloads the open pages: a scenario edit shows at once, the rest of the site
    follows when Sphinx has rebuilt it (a few seconds). Handouts are not remade (run `build`).
    Ctrl-C stops it.
    """
    from .check.problems import did_you_mean
    from .load import find_root, source_files
    from .serve import PortBusy, serve

    try:
        root = find_root(course)
    except CourseNotFound as error:
        raise click.UsageError(str(error)) from None
    known = [p.stem for p in source_files(root)[1]]
    if scenario_id is not None and scenario_id not in known:
        hint = did_you_mean(scenario_id, known)
        raise click.BadParameter(f"no scenario '{scenario_id}' in {root / 'scenarios'}" + (f"; {hint}" if hint else ""),
                                 param_hint="--scenario")
    try:
        serve(root, port=port, scenario=scenario_id, open_browser=open_browser,
              say=lambda text: click.echo(text, err=True), report=report_problems)
    except PortBusy as busy:
        raise click.ClickException(str(busy)) from None


@main.group()
def new() -> None:
    """Start a new file from a commented template."""


@new.command("scenario")
@click.argument("scenario_id")
@COURSE_ARG
@click.option("--module", "module_id", help="Module it belongs to (default: the course's first module).")
def new_scenario(scenario_id: str, course: Path, module_id: str | None) -> None:
    """Write scenarios/SCENARIO_ID.yml: a small, valid scenario with every field explained."""
    import re
    from importlib import resources

    from .load import find_root
    from .model.types import ID_PATTERN

    if not re.fullmatch(ID_PATTERN, scenario_id):
        raise click.BadParameter("use lower-case letters, digits and inner hyphens, e.g. 'the-wrong-meeting'",
                                 param_hint="SCENARIO_ID")
    try:
        root = find_root(course)
    except CourseNotFound as error:
        raise click.UsageError(str(error)) from None
    target = root / "scenarios" / f"{scenario_id}.yml"
    if target.exists():
        raise click.UsageError(f"{target} already exists; choose another id")
    if module_id is None:
        import yaml

        module_id = (yaml.safe_load((root / "course.yml").read_text(encoding="utf-8")) or {}).get("modules", ["?"])[0]
    template = resources.files("branchbook").joinpath("templates", "new", "scenario.yml").read_text(encoding="utf-8")
    target.parent.mkdir(exist_ok=True)
    target.write_text(template.replace("{id}", scenario_id).replace("{module}", module_id), encoding="utf-8")
    click.echo(f"Wrote {target}")
    click.echo(f"Next: add '{scenario_id}' to 'scenarios:' in modules/{module_id}.md, then run `branchbook check`.")


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


@main.command("handouts")
@COURSE_ARG
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the PDFs (default: book/_build/handouts in the course).")
@click.option("--paper", type=click.Choice(["a4", "us-letter"]), default="a4", show_default=True)
@click.option("--strict", is_flag=True, help="Treat check warnings as errors.")
def handouts_command(course: Path, out: Path | None, paper: str, strict: bool) -> None:
    """Check COURSE and make its printable handouts (PDF): packets, role cards, quick-reference
    cards, facilitator guides and a certificate. Files are written only when every PDF compiled."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from .output import write_atomic
    from .write import handouts as handout_writer

    loaded = _load(course)
    if not report_problems(loaded, strict):
        err.print("Nothing was written.")
        sys.exit(1)
    target = out if out is not None else loaded.course.root / "book" / "_build" / "handouts"
    jobs = handout_writer.plan(loaded.course, paper)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=err, transient=not err.is_terminal) as progress:
        task = progress.add_task("handouts", total=len(jobs))
        try:
            files = handout_writer.write(
                loaded.course, paper=paper, on_progress=lambda name: progress.update(task, advance=1, description=name))
        except handout_writer.HandoutError as error:
            progress.stop()
            click.echo(f"error: {error}", err=True)
            err.print("[bold red]✗[/] a handout failed to compile; nothing was written.")
            sys.exit(1)
    for name, data in files.items():
        write_atomic(target / Path(name).relative_to(layout.HANDOUTS_DIR), data)
    err.print(f"[green]✓[/] {len(files)} PDF(s), {paper}, in {target}")


if __name__ == "__main__":
    main()
