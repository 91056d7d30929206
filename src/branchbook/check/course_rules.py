"""Rules across files: unique ids, and every id a file names exists somewhere in the course."""

from __future__ import annotations

from typing import Iterator, Sequence

from ..model import CourseSettings, Module, Scenario
from ..read.yaml_source import SourceMap
from .problems import Problem, did_you_mean

Located = tuple  # (model object, SourceMap)


def check(settings: CourseSettings, settings_marks: SourceMap, modules: Sequence[tuple[Module, SourceMap]],
          scenarios: Sequence[tuple[Scenario, SourceMap]], references: Sequence[str],
          all_scenario_ids: Sequence[str]) -> Iterator[Problem]:
    """``all_scenario_ids`` includes files that failed schema checks, so a module naming one is not misreported."""
    principles = {p.id for p in settings.principles}
    failures = {f.id for f in settings.failures}
    module_ids = [m.id for m, _ in modules]
    yield from _settings(settings, settings_marks, module_ids, references)

    first_module: dict[str, SourceMap] = {}
    for module, marks in modules:
        if module.id in first_module:
            yield marks.problem(("id",), f"module id '{module.id}' is also used by {first_module[module.id].file}",
                                "module ids must be unique")
        first_module.setdefault(module.id, marks)
        if module.id not in settings.modules:
            yield marks.problem(("id",), f"module '{module.id}' is not listed in course.yml 'modules'",
                                "add it to the module order in course.yml, or delete the file")
        for i, sid in enumerate(module.scenarios):
            if sid not in all_scenario_ids:
                yield marks.problem(("scenarios", i), f"module names scenario '{sid}', which does not exist",
                                    did_you_mean(sid, all_scenario_ids))

    listed_in = {sid: module.id for module, _ in modules for sid in module.scenarios}
    first_scenario: dict[str, SourceMap] = {}
    for scenario, marks in scenarios:
        if scenario.id in first_scenario:
            yield marks.problem(("id",), f"scenario id '{scenario.id}' is also used by {first_scenario[scenario.id].file}",
                                "scenario ids must be unique across the course")
        first_scenario.setdefault(scenario.id, marks)
        if scenario.module not in module_ids:
            yield marks.problem(("module",), f"unknown module '{scenario.module}'", did_you_mean(scenario.module, module_ids))
        elif scenario.id not in listed_in:
            yield marks.problem(("id",), f"scenario '{scenario.id}' is in no module",
                                f"add it to 'scenarios:' in the front matter of module '{scenario.module}'")
        elif listed_in[scenario.id] != scenario.module:
            yield marks.problem(("module",), f"scenario says module '{scenario.module}' but module "
                                f"'{listed_in[scenario.id]}' lists it", "make the two agree")
        for i, fid in enumerate(scenario.provenance.failures):
            if fid not in failures:
                yield marks.problem(("provenance", "failures", i), f"unknown failure pattern '{fid}'",
                                    did_you_mean(fid, failures))
        for i, key in enumerate(scenario.references):
            if key not in references:
                yield marks.problem(("references", i), f"unknown reference '{key}'",
                                    did_you_mean(key, references) or "add the entry to book/references.bib")
        yield from _choices(scenario, marks, principles)


def _settings(settings: CourseSettings, marks: SourceMap, module_ids: Sequence[str],
              references: Sequence[str]) -> Iterator[Problem]:
    for i, mid in enumerate(settings.modules):
        if mid not in module_ids:
            yield marks.problem(("modules", i), f"module '{mid}' has no file modules/{mid}.md",
                                did_you_mean(mid, module_ids))
    for i, principle in enumerate(settings.principles):
        for j, key in enumerate(principle.references):
            if key not in references:
                yield marks.problem(("principles", i, "references", j), f"unknown reference '{key}'",
                                    did_you_mean(key, references))
    for kind, items in (("principle", settings.principles), ("failure", settings.failures)):
        seen: set[str] = set()
        for i, item in enumerate(items):
            if item.id in seen:
                yield marks.problem((f"{kind}s", i, "id"), f"{kind} id '{item.id}' is declared twice")
            seen.add(item.id)


def _choices(scenario: Scenario, marks: SourceMap, principles: set[str]) -> Iterator[Problem]:
    for node_id, node in scenario.nodes.items():
        for i, choice in enumerate(node.choices):
            at = ("nodes", node_id, "choices", i)
            for field in ("upholds", "violates"):
                for j, pid in enumerate(getattr(choice, field)):
                    if pid not in principles:
                        yield marks.problem(at + (field, j), f"unknown principle '{pid}'", did_you_mean(pid, principles))
            both = set(choice.upholds) & set(choice.violates)
            if both:
                yield marks.problem(at + ("upholds",), f"'{sorted(both)[0]}' is both upheld and violated",
                                    severity="warning")
            if not choice.feedback:
                yield marks.problem(at + ("label",), "choice has no feedback",
                                    "say why this choice helps or harms", "warning")
            if not choice.upholds and not choice.violates:
                yield marks.problem(at + ("label",), "choice names no principle it upholds or violates",
                                    "add 'upholds:' or 'violates:' with principle ids from course.yml", "warning")
