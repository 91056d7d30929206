"""Read every course file, run every check, and build the one immutable course model.

This is the only place that knows the course's file layout. Writers receive the
:class:`~branchbook.model.Course` it returns and never touch the source files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .check import content_rules, course_rules, deidentify, gaps, graph, markup, schema, states
from .check.partial import LeftOut
from .check.problems import Problem, Report, display_path
from .model import Course, CourseSettings, Module, Scenario
from .model.texts import module_texts, scenario_texts
from .read import bibtex_keys, markdown_source, yaml_source

COURSE_FILE = "course.yml"
BIBLIOGRAPHY = Path("book") / "references.bib"


class CourseNotFound(Exception):
    """The path given is not a course (a usage error, not a content problem)."""


@dataclass
class Loaded:
    course: Course | None
    report: Report
    root: Path | None = None


def find_root(path: Path) -> Path:
    """The course folder: ``path`` itself or the nearest folder above it holding ``course.yml``
    (as git finds ``.git``), so every command works from any folder inside a course."""
    path = path.resolve()
    if not path.exists():
        raise CourseNotFound(f"{path} does not exist: give the folder of a course (the one with {COURSE_FILE}) "
                             "or any folder inside it")
    start = path.parent if path.is_file() else path
    for folder in (start, *start.parents):
        if (folder / COURSE_FILE).is_file():
            return folder
    raise CourseNotFound(f"no {COURSE_FILE} in {start} or any folder above it: give the folder of a course "
                         f"(the one with {COURSE_FILE}) or any folder inside it")


def source_files(root: Path) -> tuple[list[Path], list[Path]]:
    modules = sorted((root / "modules").glob("*.md"))
    scenarios = sorted([*(root / "scenarios").glob("*.yml"), *(root / "scenarios").glob("*.yaml")])
    return modules, scenarios


def load_course(path: Path) -> Loaded:
    root = find_root(path)
    report = Report()
    show = lambda p: display_path(p, root)  # noqa: E731

    raw, settings_marks, problems = yaml_source.read(root / COURSE_FILE, COURSE_FILE)
    report.extend(problems)
    problems, found = schema.validate_partly(CourseSettings, raw, settings_marks, "course settings") \
        if raw is not None else ([], None)
    report.extend(problems)
    settings = found.item if found is not None and found.whole_for_other_files else None
    settings_marks = found.marks if found is not None else settings_marks

    module_files, scenario_files = source_files(root)
    read_module = lambda file, shown: markdown_source.read(file, shown)[:3]  # noqa: E731
    whole_modules, modules, all_module_ids = _read_each(
        module_files, read_module, Module, "module", report, show,
        lambda module, marks, left_out: markup.check_reading(module.reading, marks))
    whole_scenarios, scenarios, all_ids = _read_each(scenario_files, yaml_source.read, Scenario, "scenario", report,
                                                     show, _scenario_checks)

    references = bibtex_keys.keys(root / BIBLIOGRAPHY)
    if settings is None:
        return Loaded(None, report, root)
    report.extend(course_rules.check(settings, settings_marks, modules, scenarios, references, all_ids, all_module_ids))
    report.extend(content_rules.check(settings, settings_marks, whole_modules, whole_scenarios,
                                         len(whole_scenarios) == len(scenario_files)))
    report.extend(_deidentify(root, settings, settings_marks, modules, scenarios))

    if report.errors:
        return Loaded(None, report, root)
    by_id = {s.id: s for s, _ in whole_scenarios}
    ordered_modules = tuple(m for mid in settings.modules for m, _ in whole_modules if m.id == mid)
    # the module's list is the source of truth; a scenario's own 'module:' is optional and agrees with it
    ordered_scenarios = tuple(by_id[sid].model_copy(update={"module": m.id}) for m in ordered_modules for sid in m.scenarios)
    course = Course(root=root, settings=settings, modules=ordered_modules, scenarios=ordered_scenarios,
                    references=references)
    return Loaded(course, report, root)


def _scenario_checks(scenario: Scenario, marks: yaml_source.SourceMap, left_out: LeftOut) -> list[Problem]:
    """The rules that need one whole scenario (and nothing else of the course); ``left_out`` says what
    schema problems left out of a partial scenario."""
    return [*graph.check(scenario, marks, left_out), *states.check(scenario, marks, left_out=left_out),
            *markup.check_scenario_fields(scenario_texts(scenario), marks), *gaps.check(scenario, marks)]


def _read_each(files, read, model, what, report, show, checks) -> tuple[list, list, list[str]]:
    """Read, validate and check each file of one kind. Return the valid ones with their source maps;
    those and the valid parts of files with schema problems, for the rules across files (so that a
    file's other problems show in the same run), unless what they left out names other files; and
    every id the files claim (also of files that failed), so that other files naming a broken one
    are not told it does not exist."""
    whole, usable, claimed = [], [], []
    for file in files:
        raw, marks, problems = read(file, show(file))
        report.extend(problems)
        found = None
        if raw is not None:
            problems, found = schema.validate_partly(model, raw, marks, what)
            report.extend(problems)
        if found is not None:
            report.extend(checks(found.item, found.marks, found.left_out))
        if found is not None and not found.left_out:
            whole.append((found.item, found.marks))
        if found is not None and found.whole_for_other_files:
            usable.append((found.item, found.marks))
        else:
            claimed.append(file.stem)
        if isinstance(raw, dict) and isinstance(raw.get("id"), str):
            claimed.append(raw["id"])
    return whole, usable, claimed


def _deidentify(root, settings, settings_marks, modules, scenarios) -> list[Problem]:
    rules = settings.deidentification
    denylist: frozenset[str] = frozenset()
    if rules.denylist:
        path = (root / rules.denylist)
        if not path.is_file():
            return [settings_marks.problem(("deidentification", "denylist"), f"denylist file '{rules.denylist}' not found",
                                           "give a path relative to course.yml")]
        denylist = deidentify.load_denylist(path)
    found: list[Problem] = []
    for scenario, marks in scenarios:
        found += deidentify.check_fields(scenario_texts(scenario), marks, denylist, rules.allow)
    for module, marks in modules:
        found += deidentify.check_fields(module_texts(module), marks, denylist, rules.allow)
    return found
