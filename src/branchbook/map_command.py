"""``branchbook map ID``: one scenario's decision map for its author, as SVG, PNG or DOT.

The same drawing as in the facilitator guide and on the scenario's page (section numbers as in
the packet, pause points marked), so an author can look at the shape of a scenario while writing.
"""

from __future__ import annotations

import difflib
import sys
from functools import reduce
from pathlib import Path

import click

from .messages import message
from .write import decision_map

SUFFIXES = {".svg": "svg", ".png": "png", ".dot": "dot", ".gv": "dot"}


def _scenario(loaded, scenario_id: str, report_problems, lang: str):
    """The scenario to draw: from the course; or, when other files of the course have errors, from its own
    file if that checked clean (an author drawing the scenario they work on while another file is half-written)."""
    from .deferred import model_of
    from .problems import display_path

    if loaded.course is not None:
        scenarios = {s.id: s for s in loaded.course.scenarios}
    else:
        broken = {problem.file for problem in loaded.report.errors}
        shown = {item.id: display_path(file, loaded.root) for kind, _, file, item in loaded.parts if kind == "scenario"}
        if scenario_id not in shown or shown[scenario_id] in broken:
            report_problems(loaded, strict=False)
            raise click.ClickException(message("cli.map.course_errors", lang))
        click.echo(message("cli.map.drawn_alone_one_broken" if len(broken) == 1 else "cli.map.drawn_alone", lang,
                           file=shown[scenario_id], broken=", ".join(sorted(broken))), err=True)
        return next(model_of(item) for kind, _, _, item in loaded.parts if kind == "scenario" and item.id == scenario_id)
    if scenario_id not in scenarios:
        near = difflib.get_close_matches(scenario_id, list(scenarios), n=1)
        hint = message("check.did_you_mean", lang, id=near[0]) if near else \
            message("cli.map.scenarios_are", lang, ids=", ".join(scenarios))
        raise click.UsageError(message("cli.map.no_scenario", lang, id=scenario_id, root=loaded.course.root, hint=hint))
    return scenarios[scenario_id]


@click.command("map")
@click.argument("scenario_id")
@click.argument("course", type=click.Path(path_type=Path), default=".", required=False)
@click.option("--format", "fmt", type=click.Choice(decision_map.FORMATS), default=None,
              help="svg (default), png, or dot (the Graphviz source). Taken from -o's suffix when not given.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: standard output; a PNG needs a file or a pipe).")
def map_command(scenario_id: str, course: Path, fmt: str | None, output: Path | None) -> None:
    """Draw the decision map of scenario SCENARIO_ID in COURSE (default: the current folder)."""
    from .cli import _load, report_problems
    from .output import write_atomic

    loaded = _load(course)
    lang = loaded.language  # the course's: its lines are worded in it
    scenario = _scenario(loaded, scenario_id, report_problems, lang)
    if fmt is None and output is not None and output.suffix.lower() not in SUFFIXES:
        names = reduce(lambda left, right: message("words.or", lang, left=left, right=right),
                       ("*" + s for s in SUFFIXES))
        raise click.UsageError(message("cli.map.no_format", lang, name=output.name, suffixes=names))
    if fmt is None:
        fmt = SUFFIXES[output.suffix.lower()] if output is not None else "svg"
    if output is None and fmt == "png" and sys.stdout.isatty():
        raise click.UsageError(message("cli.map.png_terminal", lang))
    try:
        drawing = decision_map.render(decision_map.dot_source(scenario, decision_map.Options.of(scenario, pauses=True)),
                                      fmt)
    except decision_map.MapError as error:
        raise click.ClickException(str(error)) from None
    if output is None:
        click.echo(drawing, nl=False)
    else:
        write_atomic(output, drawing)
        click.echo(message("cli.wrote", lang, path=output), err=True)
