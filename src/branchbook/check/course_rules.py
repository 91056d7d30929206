"""Rules across files: unique ids, and every id a file names exists somewhere in the course (the principles a
scenario's choices name, and a file's name against its id, are checked with the file's own rules:
:func:`unknown_principles`, :func:`named_for_its_id`)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Collection, Iterator, Sequence

from ..messages import message
from ..model import CourseSettings, Module, Scenario
from ..problems import Problem, did_you_mean
from ..source_map import SourceMap

_CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]*)`")


def check(settings: CourseSettings, settings_marks: SourceMap, modules: Sequence[tuple[Module, SourceMap]],
          scenarios: Sequence[tuple[Scenario, SourceMap]], references: Sequence[str],
          all_scenario_ids: Sequence[str], all_module_ids: Sequence[str] | None = None) -> Iterator[Problem]:
    """``all_scenario_ids`` and ``all_module_ids`` include files that failed their own checks, so that
    a file naming one of them is not misreported as naming something missing."""
    lang = settings.language
    failures = {f.id for f in settings.failures}
    module_ids = [m.id for m, _ in modules]
    existing_modules = set(module_ids) | set(all_module_ids or ())
    yield from _settings(settings, settings_marks, module_ids, existing_modules, references)

    first_module: dict[str, SourceMap] = {}
    listed_in: dict[str, str] = {}
    known_scenarios = set(all_scenario_ids)
    for module, marks in modules:
        if module.id in first_module:
            yield marks.problem(("id",), message("check.course.module_id_twice", lang, id=module.id,
                                                 file=first_module[module.id].file),
                                message("check.course.module_id_twice_hint", lang))
            continue  # its other problems would only repeat the first file's
        first_module[module.id] = marks
        if module.id not in settings.modules:
            yield marks.problem(("id",), message("check.course.module_unlisted", lang, id=module.id),
                                message("check.course.module_unlisted_hint", lang))
        earlier: set[str] = set()
        for i, sid in enumerate(module.scenarios):
            if sid not in known_scenarios:
                yield marks.problem(("scenarios", i), message("check.course.scenario_missing", lang, id=sid),
                                    did_you_mean(sid, all_scenario_ids, language=lang))
            elif sid in earlier:
                yield marks.problem(("scenarios", i), message("check.course.scenario_twice", lang, id=sid),
                                    message("check.course.remove_one", lang))
            elif sid in listed_in:
                yield marks.problem(("scenarios", i), message("check.course.scenario_two_modules", lang, id=sid,
                                                              module=listed_in[sid]),
                                    message("check.course.scenario_two_modules_hint", lang))
            else:
                listed_in[sid] = module.id
            earlier.add(sid)
        seen_checks: set[str] = set()
        for i, knowledge in enumerate(module.checks):
            if knowledge.id in seen_checks:
                yield marks.problem(("checks", i, "id"), message("check.course.question_id_twice", lang, id=knowledge.id),
                                    message("check.course.question_id_twice_hint", lang))
            seen_checks.add(knowledge.id)
        yield from _citations(module.reading, marks, references, lang)

    first_scenario: dict[str, SourceMap] = {}
    for scenario, marks in scenarios:
        if scenario.id in first_scenario:
            yield marks.problem(("id",), message("check.course.scenario_id_twice", lang, id=scenario.id,
                                                 file=first_scenario[scenario.id].file),
                                message("check.course.scenario_id_twice_hint", lang))
        first_scenario.setdefault(scenario.id, marks)
        named, listed = scenario.module, listed_in.get(scenario.id)
        if named is not None and named not in existing_modules:
            yield marks.problem(("module",), message("check.course.unknown_module", lang, id=named),
                                did_you_mean(named, module_ids, language=lang))
        elif named is not None and named not in module_ids:
            pass  # the module's file has problems of its own, reported there
        elif listed is None:
            where = (message("check.course.where_module", lang, id=named) if named
                     else message("check.course.where_its_module", lang))
            yield marks.problem(("id",), message("check.course.scenario_no_module", lang, id=scenario.id),
                                message("check.course.scenario_no_module_hint", lang, where=where))
        elif named is not None and listed != named:
            yield marks.problem(("module",), message("check.course.modules_disagree", lang, named=named, listed=listed),
                                message("check.course.modules_disagree_hint", lang))
        for i, fid in enumerate(scenario.provenance.failures):
            if fid not in failures:
                yield marks.problem(("provenance", "failures", i), message("check.course.unknown_failure", lang, id=fid),
                                    did_you_mean(fid, failures, language=lang))
        for i, key in enumerate(scenario.references):
            if key not in references:
                yield marks.problem(("references", i), message("check.course.unknown_reference", lang, key=key),
                                    did_you_mean(key, references, language=lang)
                                    or message("check.course.unknown_reference_hint", lang))


def _settings(settings: CourseSettings, marks: SourceMap, module_ids: Sequence[str], existing: set[str],
              references: Sequence[str]) -> Iterator[Problem]:
    lang = settings.language
    for i, mid in enumerate(settings.modules):
        if mid in settings.modules[:i]:
            yield marks.problem(("modules", i), message("check.course.module_twice", lang, id=mid),
                                message("check.course.remove_one", lang))
        elif mid not in existing:
            yield marks.problem(("modules", i), message("check.course.module_no_file", lang, id=mid),
                                did_you_mean(mid, module_ids, language=lang))
    for i, principle in enumerate(settings.principles):
        for j, key in enumerate(principle.references):
            if key not in references:
                yield marks.problem(("principles", i, "references", j), message("check.course.unknown_reference", lang, key=key),
                                    did_you_mean(key, references, language=lang)
                                    or message("check.course.unknown_reference_hint", lang))
    for i, failure in enumerate(settings.failures):
        if failure.module not in settings.modules:
            yield marks.problem(("failures", i, "module"),
                                message("check.course.failure_module", lang, id=failure.id, module=failure.module),
                                did_you_mean(failure.module, settings.modules, language=lang))
    if settings.localise_warnings:
        for i, resource in enumerate(settings.support):
            if resource.localise:
                yield marks.problem(("support", i, "name"), message("check.course.localise", lang, name=resource.name),
                                    message("check.course.localise_hint", lang), severity="warning")
    for kind, items in (("principle", settings.principles), ("failure", settings.failures)):
        seen: set[str] = set()
        for i, item in enumerate(items):
            if item.id in seen:
                yield marks.problem((f"{kind}s", i, "id"), message(f"check.course.{kind}_twice", lang, id=item.id))
            seen.add(item.id)


def _citations(reading: str, marks: SourceMap, references: Sequence[str], lang: str) -> Iterator[Problem]:
    """Every key a reading cites with {cite}`key1,key2` exists in book/references.bib."""
    for match in _CITE.finditer(reading):
        start = match.start(1)
        for key in match.group(1).split(","):
            name = key.strip()
            if name and name not in references:
                offset = start + key.index(name)
                yield marks.problem_at(("reading",), reading, offset, message("check.course.unknown_reference", lang, key=name),
                                       did_you_mean(name, references, language=lang)
                                       or message("check.course.unknown_reference_hint", lang))
            start += len(key) + 1


def unknown_principles(scenario: Scenario, marks: SourceMap, principles: Collection[str], lang: str) -> Iterator[Problem]:
    """Every principle a choice upholds or violates is one course.yml declares. A rule of one file given
    course.yml's principles, so the check runs it with the file's own rules and caches it with them."""
    for node_id, node in scenario.nodes.items():
        for i, choice in enumerate(node.choices):
            at = ("nodes", node_id, "choices", i)
            for field in ("upholds", "violates"):
                for j, pid in enumerate(getattr(choice, field)):
                    if pid not in principles:
                        yield marks.problem(at + (field, j), message("check.course.unknown_principle", lang, id=pid),
                                            did_you_mean(pid, principles, "course.yml `principles:`", language=lang))


def named_for_its_id(item: Scenario | Module, file: Path, marks: SourceMap, lang: str) -> Iterator[Problem]:
    """A scenario or module file is named after the id it holds, as ``new`` names it: authors look for it by
    that name, and ``serve --scenario ID`` finds the scenario's file by it."""
    if item.id != file.stem:
        yield marks.problem(("id",), message("check.course.file_name", lang, id=item.id, file=file.name),
                            message("check.course.file_name_hint", lang, name=item.id + file.suffix, stem=file.stem),
                            "warning")
