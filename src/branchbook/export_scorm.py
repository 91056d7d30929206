"""``branchbook export scorm``: bring the site up to date, then package it for an LMS."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .cli import COURSE_ARG_OR_OPTION


@click.command("scorm")
@COURSE_ARG_OR_OPTION[0]
@COURSE_ARG_OR_OPTION[1]
@click.option("--version", "version", type=click.Choice(["1.2", "2004"]), default="1.2", show_default=True,
              help="SCORM edition the LMS imports (2004 means 4th edition).")
@click.option("--module", "module_ids", multiple=True, metavar="ID",
              help="Package only this module (repeat for several). Default: every module.")
@click.option("--single", is_flag=True,
              help="One SCO for the whole course (or the modules chosen) instead of one per module.")
@click.option("--handouts/--no-handouts", default=True, show_default=True,
              help="Build the printable PDFs the pages link to.")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The .zip file to write.")
@click.option("--language", metavar="LL", help="Package the course's translation into LL (listed under "
              "translations: in course.yml), built into book/_build/html-LL, instead of the original.")
def export_scorm(course: Path | None, course_option: Path | None, version: str, module_ids: tuple[str, ...],
                 single: bool, handouts: bool, out: Path, language: str | None) -> None:
    """Write a SCORM package (.zip) of the course that an LMS imports as is: one SCO per module,
    reporting completion and, for a module with a 'mastery' score, the knowledge-check score.
    A package holds one language (--language LL for a translation): its pages carry no language switch.
    Learners' choices are sent only when course.yml opts in (lms: report_choices: true)."""
    from .check_output import language as course_language
    from .cli import _load_language, err, one_course, report_problems, require_known
    from .export_site import built_site
    from .messages import message
    from .output import write_atomic
    from .write import scorm

    loaded = _load_language(one_course(course, course_option), language)
    lang = course_language(loaded)
    if not report_problems(loaded, strict=False):
        err.print(message("cli.export.nothing_exported", lang))
        sys.exit(1)
    require_known(module_ids, [m.id for m in loaded.course.modules], "cli.unknown_modules", "--module", lang)
    site = built_site(loaded.course, handouts, lang)
    data = scorm.package(loaded.course, site, version, list(module_ids) or None, single)
    unchanged = out.is_file() and out.read_bytes() == data
    if not unchanged:
        write_atomic(out, data)
    units = scorm.units(loaded.course, list(module_ids) or None, single)
    click.echo(message("cli.export.scorm_unchanged" if unchanged else "cli.export.scorm_wrote", lang, out=out,
                       version=version, n=len(units), ids=", ".join(u.id for u in units)))
