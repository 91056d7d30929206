"""The course's content bars (``rules:`` in ``course.yml``): what makes a scenario teach well.

Every problem here is a warning (an error under ``--strict``) that names the rule, the measured
value and the threshold, so an author can either fix the content or consciously change the bar.
"""

from __future__ import annotations

import re
from typing import Iterator, Sequence

from ..model import CourseSettings, Module, Rules, Scenario
from ..problems import Problem
from ..source_map import SourceMap
from . import measures, states

WARN = "warning"
GRAPH_REQUIRED_KINDS = ("good", "harmful")  # graph.check already reports these as errors when missing


def check(settings: CourseSettings, settings_marks: SourceMap, modules: Sequence[tuple[Module, SourceMap]],
          scenarios: Sequence[tuple[Scenario, SourceMap]], all_scenarios_valid: bool = True,
          parts: Sequence[ScenarioPart | None] | None = None) -> Iterator[Problem]:
    """``all_scenarios_valid`` is False when a scenario file failed its own checks: course-wide
    coverage is then not judged, as the missing file may be the one that covers it. ``parts``: each
    scenario's :func:`scenario_part`, where the caller has it already (the check caches it per file)."""
    rules = settings.rules
    parts = [part or scenario_part(scenario, marks, rules)
             for (scenario, marks), part in zip(scenarios, parts or [None] * len(scenarios))]
    for problems, _ in parts:
        yield from problems
    if rules.one_person_per_name:
        yield from _names(_in_course_order(settings, modules, scenarios))
    by_id = {scenario.id: scenario for scenario, _ in scenarios}
    minutes = {scenario.id: part[1] for (scenario, _), part in zip(scenarios, parts)}
    for module, marks in modules:
        yield from module_rules(module, marks, rules)
        yield from _duration(module, marks, rules, [(by_id[s], minutes[s]) for s in module.scenarios if s in by_id])
        if rules.cite_findings:
            yield from uncited_findings(module.reading, marks)
    if all_scenarios_valid:
        yield from course_wide(settings, settings_marks, [s for s, _ in scenarios])


ScenarioPart = tuple[tuple[Problem, ...], float]
"""What the content bars find in one scenario on its own, and the minutes it takes to play."""


def scenario_part(scenario: Scenario, marks: SourceMap, rules: Rules) -> ScenarioPart:
    """The content bars of one scenario, which need nothing else of the course (so the check can cache them)."""
    found = states.explore(scenario)
    return tuple(scenario_rules(scenario, marks, rules, found)), measures.scenario_minutes(scenario, found, rules)


def course_wide(settings: CourseSettings, marks: SourceMap, scenarios: Sequence[Scenario]) -> Iterator[Problem]:
    rules = settings.rules
    if rules.cover_every_failure:
        taught = {f for s in scenarios for f in s.provenance.failures}
        for i, failure in enumerate(settings.failures):
            if failure.id not in taught:
                yield marks.problem(("failures", i, "id"), f"no scenario teaches failure pattern {failure.id}",
                                    f"name {failure.id} in a scenario's 'provenance: failures:', write a scenario for it, "
                                    f"or set {_rule('cover_every_failure')} to false", WARN)
    defined = {entry.term.casefold() for entry in settings.glossary}
    for term in rules.require_glossary_terms:
        if term.casefold() not in defined:
            yield marks.problem(("glossary", "[key]") if settings.glossary else ("rules", "require_glossary_terms"),
                                f"the glossary does not define '{term}'",
                                "add '- {term: " + term + ", definition: …}' under 'glossary:'", WARN)


def module_rules(module: Module, marks: SourceMap, rules: Rules) -> Iterator[Problem]:
    counts = (("scenarios", len(module.scenarios), rules.min_scenarios_per_module, "scenarios",
               "list another scenario under 'scenarios:' (`branchbook new scenario ID --module " + module.id + "`)"),
              ("objectives", len(module.objectives), rules.min_objectives_per_module, "objectives",
               "add an 'After this module you can …' statement under 'objectives:'"),
              ("checks", len(module.checks), rules.min_checks_per_module, "knowledge-check questions",
               "add a question under 'checks:' (docs/authoring.md, 'A module file')"))
    for field, have, need, what, todo in counts:
        if have < need:
            yield marks.problem((field, "[key]"), f"the module has {have} {what}; the course asks for at least {need}",
                                f"{todo}, or lower {_rule('min_' + field + '_per_module')}", WARN)
    words = measures.word_count(module.reading)
    if words < rules.min_reading_words:
        yield marks.problem(("reading",), f"the reading has {words} words; the course asks for at least "
                            f"{rules.min_reading_words}", f"say more, or lower {_rule('min_reading_words')}", WARN)
    if rules.max_reading_words is not None and words > rules.max_reading_words:
        yield marks.problem(("reading",), f"the reading has {words} words; the course allows {rules.max_reading_words}",
                            f"cut it or split the module, or raise {_rule('max_reading_words')}", WARN)


def _rule(name: str) -> str:
    return f"rules.{name} in course.yml"


def scenario_rules(scenario: Scenario, marks: SourceMap, rules: Rules,
                   found: states.Exploration | None) -> Iterator[Problem]:
    nodes_at = ("nodes", "[key]")
    scenes = len(scenario.nodes)
    if scenes < rules.min_scenes:
        yield marks.problem(nodes_at, f"the scenario has {scenes} scenes; the course asks for at least {rules.min_scenes}",
                            "add the consequences of a choice and a later decision that depends on it, "
                            f"or lower {_rule('min_scenes')}", WARN)
    if rules.min_decisions_per_path and found is not None and found.complete:
        for ending, path in measures.shortest_playthroughs(scenario, found).items():
            if len(path.steps) < rules.min_decisions_per_path:
                yield marks.problem(
                    ("nodes", ending, "[key]"),
                    f"ending '{ending}' is reached after {len(path.steps)} decision(s) ({path.describe()}); "
                    f"the course asks for at least {rules.min_decisions_per_path} on every path",
                    "put another decision on this path (e.g. a scene where the consequence has to be handled), "
                    f"or lower {_rule('min_decisions_per_path')}", WARN)
    decided = measures.decisions(scenario)
    few = [nid for nid in decided if len(scenario.nodes[nid].choices) < 3]
    if decided and rules.min_share_three_options and (len(decided) - len(few)) / len(decided) < rules.min_share_three_options:
        yield marks.problem(nodes_at, f"{len(decided) - len(few)} of {len(decided)} decisions offer three or more options; "
                            f"the course asks for at least {rules.min_share_three_options:.0%}",
                            "add a plausible third option (often a well-meant half-measure) at "
                            + ", ".join(f"'{nid}'" for nid in few[:4]) + f"; or lower {_rule('min_share_three_options')}",
                            WARN)
    kinds = {e.kind for e in scenario.endings.values()}
    for kind in rules.require_ending_kinds:
        if kind not in kinds and kind not in GRAPH_REQUIRED_KINDS:
            yield marks.problem(nodes_at, f"the scenario has no '{kind}' ending",
                                f"add a scene with 'ending: {{kind: {kind}, title, debrief}}', "
                                f"or remove '{kind}' from {_rule('require_ending_kinds')}", WARN)
    yield from _labels(scenario, marks, rules)
    yield from _reading_ease(scenario, marks, rules)
    if rules.require_scripted_role and all(role.playable for role in scenario.roles):
        yield marks.problem(("roles", "[key]"), "every role is playable, so a participant would play the person harmed",
                            "mark the person harmed 'playable: false': their words are scripted", WARN)
    if rules.require_private_brief and not any(role.private for role in scenario.roles):
        yield marks.problem(("roles", "[key]"), "no role has a private brief",
                            "give one role a 'private:' brief (printed only on its card) so a workshop "
                            f"has something to discover; or set {_rule('require_private_brief')} to false", WARN)


def _labels(scenario: Scenario, marks: SourceMap, rules: Rules) -> Iterator[Problem]:
    if not rules.max_label_words:
        return
    for nid, node in scenario.nodes.items():
        for i, choice in enumerate(node.choices):
            words = measures.word_count(choice.label)
            if words > rules.max_label_words:
                yield marks.problem(("nodes", nid, "choices", i, "label"),
                                    f"choice label has {words} words; the course allows {rules.max_label_words}",
                                    "keep the action in the label and move the reasons to 'feedback'", WARN)


def _reading_ease(scenario: Scenario, marks: SourceMap, rules: Rules) -> Iterator[Problem]:
    if rules.min_reading_ease is None:
        return
    ease = measures.reading_ease(measures.prose(scenario))
    if ease >= rules.min_reading_ease:
        return
    scenes = []
    for nid, node in scenario.nodes.items():
        text = measures.scene_plain(node)
        if measures.word_count(text) >= 40:
            scenes.append((measures.reading_ease(text), nid))
    hardest = ", ".join(f"'{nid}' ({score:.0f})" for score, nid in sorted(scenes)[:3])
    yield marks.problem(("title",), f"reading ease {ease:.0f} (Flesch) is below the course's {rules.min_reading_ease:g}",
                        "use shorter sentences and everyday words"
                        + (f"; hardest scenes: {hardest}" if hardest else ""), WARN)


def _in_course_order(settings: CourseSettings, modules: Sequence[tuple[Module, SourceMap]],
                     scenarios: Sequence[tuple[Scenario, SourceMap]]) -> list[tuple[Scenario, SourceMap]]:
    """Scenarios in play order (modules as course.yml lists them, scenarios as each module lists
    them; any unlisted last): a rule that blames the later of two scenarios then blames the one an
    author added, not whichever file name sorts later."""
    place = {sid: (settings.modules.index(m.id) if m.id in settings.modules else len(settings.modules), i)
             for m, _ in modules for i, sid in enumerate(m.scenarios)}
    unlisted = (len(settings.modules) + 1, 0)
    return sorted(scenarios, key=lambda item: place.get(item[0].id, unlisted))


_NAME_PART = re.compile(r"[A-Z][\w'’-]+")
_HONORIFICS = {"Dr", "Mr", "Mrs", "Ms", "Mx", "Prof", "Rev", "Sir", "Dame"}


def _names(scenarios: Sequence[tuple[Scenario, SourceMap]]) -> Iterator[Problem]:
    """One person per name: a first name or surname that appears in two scenarios reads as the same person."""
    first_use: dict[str, tuple[Scenario, SourceMap, str]] = {}
    ids: set[str] = set()
    for scenario, marks in scenarios:
        if scenario.id in ids:
            continue  # a second file with the same id is an error already; its names would only repeat
        ids.add(scenario.id)
        mine: dict[str, tuple[int, int]] = {}
        for i, role in enumerate(scenario.roles):
            for part in _NAME_PART.finditer(role.name):
                if part.group() not in _HONORIFICS:
                    mine.setdefault(part.group(), (i, part.start()))
        for part, (i, offset) in mine.items():
            if part in first_use:
                other, other_marks, full = first_use[part]
                yield marks.problem_at(("roles", i, "name"), scenario.roles[i].name, offset,
                                       f"the name '{part}' is also used in {other_marks.file} ({full})",
                                       "one person per name in the course: give this person a name of their own "
                                       f"(or set {_rule('one_person_per_name')} to false for recurring characters)", WARN)
            else:
                first_use[part] = (scenario, marks, scenario.roles[i].name)


def _duration(module: Module, marks: SourceMap, rules: Rules, scenarios: list[tuple[Scenario, float]]) -> Iterator[Problem]:
    reading = measures.reading_minutes(module, rules)
    playing = [minutes for _, minutes in scenarios]
    need = round(reading + sum(playing))
    if module.duration < need:
        parts = [f"reading {reading:.0f}"] + [f"{s.id} {m:.0f}" for (s, _), m in zip(scenarios, playing)]
        yield marks.problem(("duration",), f"duration {module.duration} minutes is less than the {need} its reading "
                            f"and scenarios need ({', '.join(parts)})",
                            f"raise 'duration' to at least {need}, or move a scenario to another module; the estimate "
                            f"uses {_rule('words_per_minute')} and {_rule('minutes_per_decision')} (docs/authoring.md)",
                            WARN)


# A sentence states a number or a research finding when it has a number (a digit that does not
# continue a word or code such as 'v2', 'x=1'), a percent sign or "per cent", or a phrase such as
# "research shows" or "studies found". It is cited when it holds {cite}.
_FINDING = re.compile(
    r"(?<![\w=/#.:])\d|%|\bper ?cent\b|\baccording to\b|"
    r"\b(?:research|studies|a study|one study|the study|surveys?|evidence|data|reviews?)\s+(?:\w+\s+)?"
    r"(?:shows?|showed|shown|finds?|found|suggests?|suggested|indicates?|indicated)\b", re.I)
_ROLE = re.compile(r"(\{[a-z:]+\})`[^`]*`")  # {cite}`key`, {term}`x`: their keys are not numbers
# not figures: inline code, link targets, URLs, years, telephone numbers
_SKIP = re.compile(r"`[^`]*`|\]\([^)]*\)|https?://\S+|\b(?:19|20)\d\d\b|\+?\d[\d ()-]{6,}\d")
_CODE_BLOCK = re.compile(r"^[ \t]*(```|~~~)(?!\{).*?^[ \t]*\1[ \t]*$", re.M | re.S)  # code, not directives
_NOT_PROSE = re.compile(r"^[ \t]*(?:#.*|```.*|~~~.*|:::.*|:\w+:.*)$", re.M)  # headings, fences, directive options
_NUMBERED = re.compile(r"^([ \t]*)(\d+[.)])(?=\s)", re.M)  # list numbers are not figures: made bullets
_BOUNDARY = re.compile(r"(?<=[.!?])[\"”’)*_]*\s+|\n[ \t]*\n|\n(?=[ \t]*(?:[-*+]|#+)\s)")
_BLOCK_START = re.compile(r"\s*(?:[-*+]\s|>\s*)*")


def uncited_findings(reading: str, marks: SourceMap) -> Iterator[Problem]:
    """Sentences of a module reading that state a number or a finding without a ``{cite}`` key."""
    masked = _ROLE.sub(lambda m: m.group(1) + " " * (len(m.group()) - len(m.group(1))), reading)
    for pattern in (_CODE_BLOCK, _NOT_PROSE, _SKIP):
        masked = pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), masked)
    masked = _NUMBERED.sub(lambda m: m.group(1) + "-" + " " * (len(m.group(2)) - 1), masked)
    start = 0
    for end in [b.start() for b in _BOUNDARY.finditer(masked)] + [len(masked)]:
        sentence = masked[start:end]
        offset, start = start, end
        if "{cite" in sentence:
            continue
        lead = _BLOCK_START.match(sentence).end()
        hit = _FINDING.search(sentence, lead)
        if hit:
            shown = " ".join(reading[offset + lead:end].split())
            shown = shown if len(shown) <= 70 else shown[:67] + "…"
            yield marks.problem_at(("reading",), reading, offset + hit.start(),
                                   f"this sentence states a number or a finding without a citation: '{shown}'",
                                   "add {cite}`key` for its source in the same sentence (keys are in book/references.bib), "
                                   f"or say it without the figure; the rule is {_rule('cite_findings')}", WARN)
