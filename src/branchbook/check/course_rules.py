"""Rules across files: unique ids, and every id a file names exists somewhere in the course."""

from __future__ import annotations

import re
from typing import Iterator, Sequence

from ..model import CourseSettings, Module, Scenario
from ..problems import Problem, did_you_mean
from ..source_map import SourceMap

_CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]*)`")


def check(settings: CourseSettings, settings_marks: SourceMap, modules: Sequence[tuple[Module, SourceMap]],
          scenarios: Sequence[tuple[Scenario, SourceMap]], references: Sequence[str],
          all_scenario_ids: Sequence[str], all_module_ids: Sequence[str] | None = None) -> Iterator[Problem]:
    """``all_scenario_ids`` and ``all_module_ids`` include files that failed their own checks, so that
    a file naming one of them is not misreported as naming something missing."""
    principles = {p.id for p in settings.principles}
    failures = {f.id for f in settings.failures}
    module_ids = [m.id for m, _ in modules]
    existing_modules = set(module_ids) | set(all_module_ids or ())
    yield from _settings(settings, settings_marks, module_ids, existing_modules, references)

    first_module: dict[str, SourceMap] = {}
    listed_in: dict[str, str] = {}
    for module, marks in modules:
        if module.id in first_module:
            yield marks.problem(("id",), f"module id '{module.id}' is also used by {first_module[module.id].file}",
                                "module ids must be unique")
            continue  # its other problems would only repeat the first file's
        first_module[module.id] = marks
        if module.id not in settings.modules:
            yield marks.problem(("id",), f"module '{module.id}' is not listed in course.yml 'modules'",
                                "add it to the module order in course.yml, or delete the file")
        for i, sid in enumerate(module.scenarios):
            if sid not in all_scenario_ids:
                yield marks.problem(("scenarios", i), f"module names scenario '{sid}', which does not exist",
                                    did_you_mean(sid, all_scenario_ids))
            elif sid in module.scenarios[:i]:
                yield marks.problem(("scenarios", i), f"scenario '{sid}' is listed twice", "remove one of them")
            elif sid in listed_in:
                yield marks.problem(("scenarios", i), f"scenario '{sid}' is also listed by module '{listed_in[sid]}'",
                                    "a scenario belongs to one module: remove it from one list")
            else:
                listed_in[sid] = module.id
        seen_checks: set[str] = set()
        for i, knowledge in enumerate(module.checks):
            if knowledge.id in seen_checks:
                yield marks.problem(("checks", i, "id"), f"knowledge check id '{knowledge.id}' is used twice",
                                    "give each question its own id")
            seen_checks.add(knowledge.id)
        yield from _citations(module.reading, marks, references)

    first_scenario: dict[str, SourceMap] = {}
    for scenario, marks in scenarios:
        if scenario.id in first_scenario:
            yield marks.problem(("id",), f"scenario id '{scenario.id}' is also used by {first_scenario[scenario.id].file}",
                                "scenario ids must be unique across the course")
        first_scenario.setdefault(scenario.id, marks)
        named, listed = scenario.module, listed_in.get(scenario.id)
        if named is not None and named not in existing_modules:
            yield marks.problem(("module",), f"unknown module '{named}'", did_you_mean(named, module_ids))
        elif named is not None and named not in module_ids:
            pass  # the module's file has problems of its own, reported there
        elif listed is None:
            where = f"module '{named}'" if named else "its module (modules/*.md)"
            yield marks.problem(("id",), f"scenario '{scenario.id}' is in no module",
                                f"add it to 'scenarios:' in the front matter of {where}")
        elif named is not None and listed != named:
            yield marks.problem(("module",), f"scenario says module '{named}' but module "
                                f"'{listed}' lists it", "make the two agree, or remove 'module:' (the module's list decides)")
        for i, fid in enumerate(scenario.provenance.failures):
            if fid not in failures:
                yield marks.problem(("provenance", "failures", i), f"unknown failure pattern '{fid}'",
                                    did_you_mean(fid, failures))
        for i, key in enumerate(scenario.references):
            if key not in references:
                yield marks.problem(("references", i), f"unknown reference '{key}'",
                                    did_you_mean(key, references) or "add the entry to book/references.bib")
        yield from _choices(scenario, marks, principles)


def _settings(settings: CourseSettings, marks: SourceMap, module_ids: Sequence[str], existing: set[str],
              references: Sequence[str]) -> Iterator[Problem]:
    for i, mid in enumerate(settings.modules):
        if mid in settings.modules[:i]:
            yield marks.problem(("modules", i), f"module '{mid}' is listed twice", "remove one of them")
        elif mid not in existing:
            yield marks.problem(("modules", i), f"module '{mid}' has no file modules/{mid}.md",
                                did_you_mean(mid, module_ids))
    for i, principle in enumerate(settings.principles):
        for j, key in enumerate(principle.references):
            if key not in references:
                yield marks.problem(("principles", i, "references", j), f"unknown reference '{key}'",
                                    did_you_mean(key, references) or "add the entry to book/references.bib")
    for i, failure in enumerate(settings.failures):
        if failure.module not in settings.modules:
            yield marks.problem(("failures", i, "module"),
                                f"failure {failure.id} names unknown module '{failure.module}'",
                                did_you_mean(failure.module, settings.modules))
    if settings.localise_warnings:
        for i, resource in enumerate(settings.support):
            if resource.localise:
                yield marks.problem(("support", i, "name"), f"support entry '{resource.name}' is still the one this "
                                    "course was adapted from (localise: true)",
                                    "replace it with your organisation's own contact, then set `localise: false`",
                                    severity="warning")
    for kind, items in (("principle", settings.principles), ("failure", settings.failures)):
        seen: set[str] = set()
        for i, item in enumerate(items):
            if item.id in seen:
                yield marks.problem((f"{kind}s", i, "id"), f"{kind} id '{item.id}' is declared twice")
            seen.add(item.id)


def _citations(reading: str, marks: SourceMap, references: Sequence[str]) -> Iterator[Problem]:
    """Every key a reading cites with {cite}`key1,key2` exists in book/references.bib."""
    for match in _CITE.finditer(reading):
        start = match.start(1)
        for key in match.group(1).split(","):
            name = key.strip()
            if name and name not in references:
                offset = start + key.index(name)
                yield marks.problem_at(("reading",), reading, offset, f"unknown reference '{name}'",
                                       did_you_mean(name, references) or "add the entry to book/references.bib")
            start += len(key) + 1


def _choices(scenario: Scenario, marks: SourceMap, principles: set[str]) -> Iterator[Problem]:
    for node_id, node in scenario.nodes.items():
        for i, choice in enumerate(node.choices):
            at = ("nodes", node_id, "choices", i)
            for field in ("upholds", "violates"):
                for j, pid in enumerate(getattr(choice, field)):
                    if pid not in principles:
                        yield marks.problem(at + (field, j), f"unknown principle '{pid}'",
                                            did_you_mean(pid, principles, "course.yml `principles:`"))
