"""``branchbook export site``: build the course in every language it lists and lay the sites out in one
folder to publish (the GitHub Pages workflow that ``init`` writes runs it).

The language switch links a page to the same page in the other language by a relative path into the
sibling site (``../html-fr/…``, :func:`layout.page_in_language`), so the sites are published side by side
as they are built, and a home page at the root leads to the original. A course in one language is
published at the root, as before.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from importlib import resources
from pathlib import Path

import click

from . import layout
from .cli import COURSE_ARG_OR_OPTION

MARK = ".branchbook-site"  # says a folder was made by this command, so that the next run may replace it


def built_site(course, handouts: bool, lang: str) -> Path:
    """Bring the site of ``course`` up to date (as ``build`` does) and return it; on failure, say so (in ``lang``)
    and exit 1."""
    from .build import build
    from .cli import err, stop
    from .messages import message
    from .output import OutputConflict
    from .site import SiteBuildFailed

    try:
        return build(course, handouts=handouts).site
    except OutputConflict as conflict:
        stop(conflict.problems, message("cli.export.not_up_to_date", lang))
    except SiteBuildFailed as failure:
        click.echo(failure.log, err=True)
        err.print("[bold red]✗[/] " + message("cli.export.sphinx_failed", lang))
        sys.exit(1)


def home_page(courses: list) -> bytes:
    """The published root of a translated course: a link to each language's site, leading to the original."""
    from jinja2 import Environment, select_autoescape

    from .write.language_switch import endonym

    template = resources.files("branchbook").joinpath("templates", "publish", "index.html").read_text("utf-8")
    sites = [{"language": c.settings.language, "name": endonym(c.settings.language), "title": c.settings.title,
              "href": f"{layout.published_folder(language, True)}/{layout.BOOK_ROOT_PAGE}.html"}
             for language, c in courses]
    html = Environment(autoescape=select_autoescape(default=True), keep_trailing_newline=True).from_string(template)
    return html.render(language=sites[0]["language"], title=sites[0]["title"], start=sites[0]["href"],
                       sites=sites).encode("utf-8")


@click.command("site")
@COURSE_ARG_OR_OPTION[0]
@COURSE_ARG_OR_OPTION[1]
@click.option("--strict", is_flag=True, help="Treat check warnings as errors.")
@click.option("--handouts/--no-handouts", default=True, show_default=True,
              help="Build the printable PDFs the pages link to.")
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="The folder to publish (new or empty, or made by this command before: it is replaced).")
def export_site(course: Path | None, course_option: Path | None, strict: bool, handouts: bool, out: Path) -> None:
    """Build COURSE and every translation course.yml lists (translations:), then copy the sites into OUT,
    ready to publish: the original at the root for a course in one language; for a translated course,
    each site in its own folder (html/, html-LL/, as the language switch links them) and a home page
    leading to the original."""
    from .check_output import language as course_language
    from .cli import _load, _load_language, err, language_at, one_course, report_problems
    from .messages import message

    course = one_course(course, course_option)

    if out.exists() and any(out.iterdir()) and not (out / MARK).is_file():
        raise click.BadParameter(message("cli.export.not_ours", language_at(course), out=out), param_hint="--out")
    original = _load(course)
    lang = course_language(original)
    if not report_problems(original, strict):
        err.print(message("cli.export.nothing_built", lang))
        sys.exit(1)
    courses = [(None, original.course)]
    for language in original.course.settings.translations:  # every language is checked before any is built
        loaded = _load_language(course, language)
        if not report_problems(loaded, strict):
            err.print(message("cli.export.translation_errors", lang, code=language))
            sys.exit(1)
        courses.append((language, loaded.course))
    translated = len(courses) > 1
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        for language, one in courses:
            site = built_site(one, handouts, lang)
            shutil.copytree(site.resolve(), staging / layout.published_folder(language, translated),
                            dirs_exist_ok=True)
        if translated:
            (staging / "index.html").write_bytes(home_page(courses))
        (staging / MARK).write_text("Made by `branchbook export site`; replaced by its next run.\n", "utf-8")
        if out.exists():
            shutil.rmtree(out)
        os.replace(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    click.echo(message("cli.export.site_wrote", lang, out=out,
                       languages=", ".join(one.settings.language for _, one in courses)))
