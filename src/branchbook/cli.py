"""The ``branchbook`` command: check, build, serve, handouts, new, stats, map, schema, init, export, import."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from functools import cached_property
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from . import __version__

if TYPE_CHECKING:
    from .load import Loaded

# Each command imports what it needs when it runs: `--version` imports no part of the pipeline, and
# `check` none of the writers (start-up is most of a warm check's time).


class _Stderr:
    """rich's console on stderr, made on first use: `check` prints without it, and importing rich is slow."""

    @cached_property
    def console(self):
        from rich.console import Console

        return Console(stderr=True, highlight=False)

    def print(self, *objects, **options) -> None:
        """Each message on one line in a log or a pipe (CI), where rich would cut it at 80 columns and a
        path or sentence cut in two can be neither searched nor copied; a terminal wraps it at words."""
        self.console.print(*objects, soft_wrap=not self.console.is_terminal, **options)

    def __getattr__(self, name):
        return getattr(self.console, name)


err = _Stderr()
COURSE_ARG = click.argument("course", type=click.Path(path_type=Path), default=".", required=False)
# For commands that also took the course as --course first (the exports): both are accepted.
COURSE_ARG_OR_OPTION = (click.argument("course", type=click.Path(path_type=Path), required=False),
                        click.option("--course", "course_option", type=click.Path(path_type=Path), metavar="PATH",
                                     help="The course folder, as COURSE (default: the current folder)."))


def one_course(course: Path | None, course_option: Path | None) -> Path:
    """The course given as COURSE, as every command takes it, or as --course."""
    if course is not None and course_option is not None and course != course_option:
        raise click.UsageError(f"the course is given twice ({course} and --course {course_option}): give it once")
    return course_option or course or Path(".")


def _root(course: Path) -> Path:
    from .load import CourseNotFound, find_root

    try:
        return find_root(course)
    except CourseNotFound as error:
        raise click.UsageError(str(error)) from None


def _load(course: Path, language: str | None = None) -> Loaded:
    from .load import CourseNotFound, load_course

    try:
        return load_course(course, language)
    except CourseNotFound as error:
        raise click.UsageError(str(error)) from None


def language_at(course: Path) -> str:
    """The language of the course at or above ``course`` (course.yml's ``language:``): a command's own lines
    are worded in it, as its problems are. English where there is no course (yet) to say otherwise."""
    from .load import CourseNotFound, course_language, find_root

    try:
        return course_language(find_root(course))
    except CourseNotFound:
        return "en"


LANGUAGE_OPTION = click.option("--language", metavar="LL", help="The course's translation into LL (listed under "
                               "translations: in course.yml) instead of the original.")


def _load_language(course: Path, language: str | None) -> Loaded:
    """The course in ``language`` (None: the original); a usage error (exit 2) for a language that
    course.yml does not list under ``translations:``."""
    loaded = _load(course, language)
    if language is not None and loaded.course is None:
        original = _load(course).course
        if original is not None and language not in (original.settings.language, *original.settings.translations):
            from .messages import message

            listed = message("words.list_separator", original.settings.language).join(original.settings.translations)
            raise click.BadParameter(message("cli.no_translation", original.settings.language, code=language,
                                             listed=listed), param_hint="--language")
    return loaded


def stop(errors: Iterable[str], outcome: str, progress=None) -> NoReturn:
    """Exit 1 after printing each of ``errors`` and then the ``outcome`` (what was and was not written)."""
    if progress is not None:
        progress.stop()
    for line in errors:
        click.echo(f"error: {line}", err=True)
    err.print(f"[bold red]✗[/] {outcome}")
    sys.exit(1)


def report_problems(loaded: Loaded, strict: bool, form: str = "text") -> bool:
    """Print every problem and a summary line to stdout; True when the course may go on to be built."""
    from .check_output import render

    for note in loaded.report.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(render(loaded, strict, form))
    return not loaded.report.failed(strict)


class _LazyGroup(click.Group):
    """A group whose commands from other modules (``lazy``: name -> "module:attribute") are imported only
    when they run or ``--help`` lists them."""

    def __init__(self, *args, lazy: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy = lazy or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy and name not in self.commands:
            module, attribute = self.lazy[name].split(":")
            self.add_command(getattr(import_module(module, __package__), attribute), name)
        return super().get_command(ctx, name)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]},
             lazy={"map": ".map_command:map_command", "translate": ".translate_command:translate_command"})
@click.version_option(__version__, prog_name="branchbook")
def main() -> None:
    """Turn branching role-play scenarios (YAML) into a training course.

    COURSE is the folder holding course.yml, or any folder inside it (default: the current
    folder). Exit status: 0 clean, 1 problems found, 2 usage error.
    """


@main.command()
@COURSE_ARG
@click.option("--strict", is_flag=True, help="Treat warnings (e.g. a choice without feedback) as errors.")
@click.option("--format", "form", type=click.Choice(["text", "json", "github"]), default="text", show_default=True,
              help="json: a versioned document for editors and tools; github: workflow annotations.")
def check(course: Path, strict: bool, form: str) -> None:
    """Check every file of COURSE and list every problem as file:line:col, with a hint.

    The course's content bars (rules: in course.yml) are warnings; --strict makes them errors.
    """
    if not report_problems(_load(course), strict, form):
        sys.exit(1)


@main.command()
@COURSE_ARG
@click.option("--strict", is_flag=True, help="Treat check warnings as errors.")
@click.option("--force", is_flag=True, help="Overwrite generated files that were edited by hand.")
@click.option("--all", "rebuild_all", is_flag=True, help="Rebuild every page, not only those that changed.")
@click.option("--handouts/--no-handouts", default=True, show_default=True, help="Also build the printable PDFs.")
@click.option("--paper", type=click.Choice(["a4", "us-letter"]), default="a4", show_default=True,
              help="Paper size of the printable handouts.")
@click.option("--language", metavar="LL", help="Build the translation into LL (listed under translations: in "
              "course.yml), into book/_build/html-LL; its sources go to book/_languages/LL.")
def build(course: Path, strict: bool, force: bool, rebuild_all: bool, handouts: bool, paper: str,
          language: str | None) -> None:
    """Check COURSE, generate the book sources, and build the online book (book/_build/html).

    Nothing is written if the check finds errors; the previous site stays live until the new
    one is complete.
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from .build import build as run_build, start_site_build
    from .check_output import language as course_language
    from .load import CourseNotFound, find_root
    from .messages import message
    from .messages.formats import number
    from .output import OutputConflict
    from .site import SiteBuildFailed
    from .write.decision_map import MapError

    try:  # Sphinx starts up (in a child) while the course is checked
        started = None if language else start_site_build(find_root(course), rebuild_all=rebuild_all)
    except CourseNotFound:
        started = None
    try:
        loaded = _load(course, language)
    except BaseException:
        if started:
            started.cancel()
        raise
    if not report_problems(loaded, strict):
        if started:
            started.cancel()
        err.print(message("build.nothing_written", course_language(loaded)))
        sys.exit(1)
    lang = course_language(loaded)
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                  TimeElapsedColumn(), console=err.console, transient=not err.is_terminal) as progress:
        task = progress.add_task("generating", total=100)

        def on_progress(stage: str, amount: float) -> None:
            progress.update(task, description=stage, completed=amount if stage in (
                "reading sources", "writing output", "generated") else progress.tasks[task].completed)

        try:
            result = run_build(loaded.course, handouts=handouts, paper=paper, force=force,
                               rebuild_all=rebuild_all, on_progress=on_progress, started=started)
        except OutputConflict as conflict:
            stop(conflict.problems, message("build.stopped", lang), progress)
        except SiteBuildFailed as failure:
            progress.stop()
            click.echo(failure.log, err=True)
            err.print("[bold red]✗[/] " + message("build.sphinx_failed", lang))
            sys.exit(1)
        except MapError as error:
            stop([str(error)], message("build.stopped", lang), progress)
    err.print("[green]✓[/] " + message("build.generated", lang, written=number(len(result.written), lang),
                                       unchanged=number(result.unchanged, lang),
                                       removed=number(len(result.deleted), lang)))
    if result.stale_handouts:
        err.print(message("build.stale_handouts", lang))
    click.echo(message("build.site", lang, path=result.site / "index.html"))


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
    changed and brings the open pages up to date: a scenario edit shows at once, in place (the
    reader stays at the same step); a module or book/ edit as soon as Sphinx has rebuilt that page
    (a second or two), swapped in place where it can be, keeping the scroll position. Handouts are
    not remade (run `build`). Ctrl-C stops it.
    """
    from .load import course_language, source_files
    from .messages import message
    from .problems import did_you_mean
    from .serve import PortBusy, serve

    root = _root(course)
    lang = course_language(root)
    known = [p.stem for p in source_files(root)[1]]
    if scenario_id is not None and scenario_id not in known:
        hint = did_you_mean(scenario_id, known, language=lang)
        raise click.BadParameter(message("cli.serve.no_scenario_hint" if hint else "cli.serve.no_scenario", lang,
                                         id=scenario_id, folder=root / "scenarios", hint=hint), param_hint="--scenario")
    try:
        serve(root, port=port, scenario=scenario_id, open_browser=open_browser,
              say=lambda text: click.echo(text, err=True), report=report_problems, lang=lang)
    except PortBusy as busy:
        raise click.ClickException(str(busy)) from None
    except KeyboardInterrupt:  # Ctrl-C while it was still starting: a stop like any other, not a failure
        click.echo(message("cli.serve.stopped", lang), err=True)


@main.group()
def new() -> None:
    """Start a new file from a commented template."""


@new.command("scenario")
@click.argument("scenario_id")
@COURSE_ARG
@click.option("--module", "module_id", help="Module it belongs to (default: the course's first module).")
def new_scenario(scenario_id: str, course: Path, module_id: str | None) -> None:
    """Write scenarios/SCENARIO_ID.yml (a small, valid scenario with every field explained) and
    add it as the last entry of the module's 'scenarios:' list."""
    from .authoring import AuthoringError, new_scenario as write
    from .load import course_language
    from .messages import message

    root = _root(course)
    lang = course_language(root)
    try:
        done = write(root, scenario_id, module_id, lang=lang)
    except AuthoringError as error:
        raise click.UsageError(str(error)) from None
    click.echo(_written(done, lang, message("cli.new.next_scenario", lang)))


@new.command("module")
@click.argument("module_id")
@COURSE_ARG
def new_module(module_id: str, course: Path) -> None:
    """Write modules/MODULE_ID.md from a commented template and add it to 'modules:' in course.yml."""
    from .authoring import AuthoringError, new_module as write
    from .load import course_language
    from .messages import message

    root = _root(course)
    lang = course_language(root)
    try:
        done = write(root, module_id, lang=lang)
    except AuthoringError as error:
        raise click.UsageError(str(error)) from None
    click.echo(_written(done, lang, message("cli.new.next_module", lang, module=module_id)))


def _written(done, lang: str, next_step: str, wrote: str = "cli.wrote", **values: object) -> str:
    """What ``new`` and ``import`` did: the file written, the list it was added to, and what to do next."""
    from .messages import message

    return "\n".join((message(wrote, lang, path=done.created, **values),
                      message("cli.listed_in", lang, path=done.listed_in), next_step))


@main.command("stats")
@COURSE_ARG
@click.option("--format", "form", type=click.Choice(["text", "json"]), default="text", show_default=True)
def stats_command(course: Path, form: str) -> None:
    """Per scenario: scenes, decisions, endings by kind, words, reading ease, failure patterns and
    principles; then what the course leaves uncovered."""
    from . import stats

    loaded = _load(course)
    if loaded.course is None:
        from .check_output import language
        from .messages import message
        from .messages.formats import count

        lang = language(loaded)
        click.echo(message("check.fix_first", lang, errors=count("check.errors", len(loaded.report.errors), lang)), err=True)
        sys.exit(1)
    click.echo(stats.as_json(loaded.course) if form == "json" else stats.as_text(loaded.course))


@main.command()
@click.argument("what", type=click.Choice(["scenario", "module", "course"]), default="scenario")
def schema(what: str) -> None:
    """Print the JSON Schema of a scenario file (or module front matter, or course.yml) for editors."""
    from .model.json_schema import text

    click.echo(text(what), nl=False)


@main.command("handouts")
@COURSE_ARG
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the PDFs (default: book/handouts, or book/_languages/LL/handouts with --language: "
                   "where `build` puts them and the pages link them).")
@click.option("--paper", type=click.Choice(["a4", "us-letter"]), default="a4", show_default=True,
              help="Paper size of the printable handouts.")
@click.option("--strict", is_flag=True, help="Treat check warnings as errors.")
@click.option("--force", is_flag=True, help="Overwrite PDFs that were edited or replaced by hand.")
@LANGUAGE_OPTION
def handouts_command(course: Path, out: Path | None, paper: str, strict: bool, force: bool,
                     language: str | None) -> None:
    """Check COURSE and make its printable handouts (PDF): packets, role cards, quick-reference
    cards, facilitator guides and a certificate, as `build` makes them (and with its cache: an
    unchanged PDF is neither compiled nor written again). Files are written only when every PDF
    compiled."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from . import layout
    from .build import book_language, write_handouts
    from .check_output import language as course_language
    from .messages import message
    from .output import OutputConflict
    from .write import WriteOptions
    from .write import handouts as handout_writer
    from .write.decision_map import MapError

    loaded = _load_language(course, language)
    lang = course_language(loaded)
    if not report_problems(loaded, strict):
        err.print(message("build.nothing_written", lang))
        sys.exit(1)
    target = out if out is not None else loaded.course.root / layout.handouts_folder(book_language(loaded.course))
    jobs = handout_writer.plan(loaded.course, paper)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=err.console, transient=not err.is_terminal) as progress:
        task = progress.add_task("handouts", total=len(jobs))
        options = WriteOptions(paper=paper, on_progress=lambda name: progress.update(task, advance=1, description=name))
        try:
            plan = write_handouts(loaded.course, options, force=force, out=out)
        except (handout_writer.HandoutError, MapError) as error:
            stop([str(error)], message("cli.handouts.failed", lang), progress)
        except OutputConflict as conflict:
            stop(conflict.problems, message("cli.handouts.conflict", lang), progress)
    err.print("[green]✓[/] " + message("cli.handouts.done", lang, pdfs=len(jobs), paper=paper, target=target,
                                       written=len(plan.write), unchanged=len(plan.unchanged),
                                       removed=len(plan.delete)))


@main.command("init")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--from-shipped", is_flag=True,
              help="Start from the course branchbook ships (to adapt it) instead of a one-scenario example.")
@click.option("--title", help="The new course's title (default: from FOLDER's name).")
@click.option("--author", default="The course authors", show_default=True)
def init_command(folder: Path, from_shipped: bool, title: str | None, author: str) -> None:
    """Create a new course in FOLDER (new or empty) that checks and builds with no edit:
    course.yml with the principles vocabulary, an example module and scenario, book settings,
    .gitignore, a README and a GitHub Pages workflow."""
    from .init_course import InitError, create
    from .load import course_language
    from .messages import message

    try:
        written = create(folder, from_shipped=from_shipped, title=title, author=author)
    except InitError as error:
        raise click.UsageError(str(error)) from None
    lang = course_language(folder)  # the new course's: a refusal above, with no course yet, is in English
    click.echo(message("cli.init.created", lang, folder=folder, n=len(written)))
    click.echo(message("cli.init.next", lang, folder=folder))
    if from_shipped:
        click.echo(message("cli.init.support", lang))


def require_known(given: tuple[str, ...] | list[str], known: list[str], key: str, hint: str, lang: str) -> None:
    """A usage error (worded by ``key``, in ``lang``) naming the ids the course does not have, and those it has."""
    from .messages import message

    unknown = [i for i in given if i not in known]
    if unknown:
        separator = message("words.list_separator", lang)
        raise click.BadParameter(message(key, lang, ids=separator.join(unknown), known=separator.join(known)),
                                 param_hint=hint)


@main.group("export", cls=_LazyGroup,
            lazy={"scorm": ".export_scorm:export_scorm", "site": ".export_site:export_site"})
def export_group() -> None:
    """Export the course for other tools (Twine, an LMS)."""


@export_group.command("twee")
@click.argument("scenario_ids", nargs=-1)
@click.option("--course", "course", type=click.Path(path_type=Path), default=".", show_default=True,
              help="The course folder.")
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for the .twee files (one per scenario).")
@LANGUAGE_OPTION
def export_twee(scenario_ids: tuple[str, ...], course: Path, out: Path, language: str | None) -> None:
    """Write one Twee 3 file per scenario (all, or SCENARIO_IDS) for Twine: a passage per scene,
    links for choices, ending tags; feedback, principles, effects and conditions kept in comments."""
    from .check_output import language as course_language
    from .messages import message
    from .output import write_atomic
    from .write import twee

    loaded = _load_language(course, language)
    lang = course_language(loaded)
    if not report_problems(loaded, strict=False):
        err.print(message("build.nothing_written", lang))
        sys.exit(1)
    require_known(scenario_ids, [s.id for s in loaded.course.scenarios], "cli.unknown_scenarios", "SCENARIO_IDS", lang)
    files = twee.write(loaded.course, list(scenario_ids))
    for name, data in files.items():
        write_atomic(out / name, data)
    click.echo(message("cli.export.twee_wrote", lang, n=len(files), out=out))


@main.group("import")
def import_group() -> None:
    """Turn another tool's files into course files (Twine)."""


@import_group.command("twee")
@click.argument("story", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--course", "course", type=click.Path(path_type=Path), default=".", show_default=True,
              help="The course folder.")
@click.option("--module", "module_id", help="Module to list the scenario in (default: the first).")
@click.option("--id", "scenario_id", help="Scenario id (default: from the story's title).")
def import_twee(story: Path, course: Path, module_id: str | None, scenario_id: str | None) -> None:
    """Turn a Twine story (Twee 3, or Twine 2 published/archive HTML) into scenarios/ID.yml.
    Passages become scenes and links choices; what Twine has no place for (feedback, principles,
    roles, the debrief) is left as TODO gaps that `branchbook check` lists."""
    from .authoring import AuthoringError, new_scenario
    from .messages import message
    from .read import twee
    from .scenario_file import dump

    lang = language_at(course)
    try:
        data = twee.scenario_data(twee.parse(story.read_text(encoding="utf-8")))
    except (twee.TwineError, ValueError, UnicodeDecodeError) as error:
        raise click.UsageError(message("cli.import.not_twine", lang, story=story, error=error)) from None
    data["id"] = scenario_id or data["id"]
    text = dump(data, f"Imported from {story.name} by `branchbook import twee`.\n"
                      "Fill in every TODO and every choice's feedback and principles: "
                      "`branchbook check` lists what is left.")
    try:
        done = new_scenario(_root(course), data["id"], module_id, text, lang)
    except AuthoringError as error:
        raise click.UsageError(str(error)) from None
    click.echo(_written(done, lang, message("cli.import.next", lang), "cli.import.wrote", scenes=len(data["nodes"])))

if __name__ == "__main__":
    main()
