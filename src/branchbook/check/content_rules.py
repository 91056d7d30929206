"""The course's content bars (``rules:`` in ``course.yml``): what makes a scenario teach well.

Every problem here is a warning (an error under ``--strict``) that names the rule, the measured
value and the threshold, so an author can either fix the content or consciously change the bar.
"""

from __future__ import annotations

import re
from typing import Iterator, Sequence

from babel.numbers import format_percent

from ..messages import message
from ..messages.formats import locale
from ..model import CourseSettings, Module, Rules, Scenario
from ..problems import Problem
from ..source_map import SourceMap
from . import graph, measures, states

WARN = "warning"


def check(settings: CourseSettings, settings_marks: SourceMap, modules: Sequence[tuple[Module, SourceMap]],
          scenarios: Sequence[tuple[Scenario, SourceMap]], all_scenarios_valid: bool = True,
          parts: Sequence[ScenarioPart | None] | None = None,
          module_parts: Sequence[ModulePart | None] | None = None) -> Iterator[Problem]:
    """``all_scenarios_valid`` is False when a scenario file failed its own checks: course-wide
    coverage is then not judged, as the missing file may be the one that covers it. ``parts``: each
    scenario's :func:`scenario_part`, and ``module_parts`` each module's :func:`module_part`, where the
    caller has them already (the check caches them per file)."""
    rules = settings.rules
    parts = [part or scenario_part(scenario, marks, rules, settings.language)
             for (scenario, marks), part in zip(scenarios, parts or [None] * len(scenarios))]
    for problems, _ in parts:
        yield from problems
    lang = settings.language
    if rules.one_person_per_name:
        yield from _names(_in_course_order(settings, modules, scenarios), lang)
    by_id = {scenario.id: scenario for scenario, _ in scenarios}
    minutes = {scenario.id: part[1] for (scenario, _), part in zip(scenarios, parts)}
    for (module, marks), part in zip(modules, module_parts or [None] * len(modules)):
        problems, reading = part or module_part(module, marks, rules, lang)
        yield from problems
        yield from _duration(module, marks, [(by_id[s], minutes[s]) for s in module.scenarios if s in by_id], lang,
                             reading)
    if all_scenarios_valid:
        yield from course_wide(settings, settings_marks, [s for s, _ in scenarios])


ModulePart = tuple[tuple[Problem, ...], float]
"""What the content bars find in one module on its own, and the minutes its reading takes."""


def module_part(module: Module, marks: SourceMap, rules: Rules, lang: str = "en") -> ModulePart:
    """The content bars of one module, which need nothing else of the course (so the check can cache them)."""
    problems = [*module_rules(module, marks, rules, lang), *(uncited_findings(module.reading, marks, lang)
                                                              if rules.cite_findings else ())]
    return tuple(problems), measures.reading_minutes(module, rules)


ScenarioPart = tuple[tuple[Problem, ...], float]
"""What the content bars find in one scenario on its own, and the minutes it takes to play."""


def scenario_part(scenario: Scenario, marks: SourceMap, rules: Rules, lang: str = "en") -> ScenarioPart:
    """The content bars of one scenario, which need nothing else of the course (so the check can cache them)."""
    found = states.explore(scenario)
    return tuple(scenario_rules(scenario, marks, rules, found, lang)), measures.scenario_minutes(scenario, found, rules)


def course_wide(settings: CourseSettings, marks: SourceMap, scenarios: Sequence[Scenario]) -> Iterator[Problem]:
    rules, lang = settings.rules, settings.language
    if rules.cover_every_failure:
        taught = {f for s in scenarios for f in s.provenance.failures}
        for i, failure in enumerate(settings.failures):
            if failure.id not in taught:
                yield marks.problem(("failures", i, "id"), message("check.content.failure_untaught", lang, id=failure.id),
                                    message("check.content.failure_untaught_hint", lang, id=failure.id,
                                            rule=_rule("cover_every_failure", lang)), WARN)
    if rules.min_reading_ease is not None and settings.language not in measures.FORMULA_LANGUAGES:
        yield marks.problem(("rules", "min_reading_ease"), message("check.content.reading_ease_unmeasured", lang,
                                                                   language=settings.language),
                            message("check.content.reading_ease_unmeasured_hint", lang,
                                    languages=", ".join(sorted(measures.FORMULA_LANGUAGES))), "notice")
    defined = {entry.term.casefold() for entry in settings.glossary}
    for term in rules.require_glossary_terms:
        if term.casefold() not in defined:
            yield marks.problem(("glossary", "[key]") if settings.glossary else ("rules", "require_glossary_terms"),
                                message("check.content.glossary_term", lang, term=term),
                                message("check.content.glossary_term_hint", lang, term=term), WARN)


def module_rules(module: Module, marks: SourceMap, rules: Rules, lang: str = "en") -> Iterator[Problem]:
    counts = (("scenarios", len(module.scenarios), rules.min_scenarios_per_module),
              ("objectives", len(module.objectives), rules.min_objectives_per_module),
              ("checks", len(module.checks), rules.min_checks_per_module))
    for field, have, need in counts:
        if have < need:
            yield marks.problem((field, "[key]"), message(f"check.content.module_{field}", lang, have=have, need=need),
                                message(f"check.content.module_{field}_hint", lang, module=module.id,
                                        rule=_rule("min_" + field + "_per_module", lang)), WARN)
    words = measures.word_count(module.reading)
    if words < rules.min_reading_words:
        yield marks.problem(("reading",), message("check.content.reading_short", lang, words=words,
                                                  need=rules.min_reading_words),
                            message("check.content.reading_short_hint", lang, rule=_rule("min_reading_words", lang)), WARN)
    if rules.max_reading_words is not None and words > rules.max_reading_words:
        yield marks.problem(("reading",), message("check.content.reading_long", lang, words=words,
                                                  most=rules.max_reading_words),
                            message("check.content.reading_long_hint", lang, rule=_rule("max_reading_words", lang)), WARN)


def _rule(name: str, lang: str = "en") -> str:
    return message("check.content.rule", lang, name=name)


def scenario_rules(scenario: Scenario, marks: SourceMap, rules: Rules,
                   found: states.Exploration | None, lang: str = "en") -> Iterator[Problem]:
    def say(key: str, **values: object) -> str:
        return message(f"check.content.{key}", lang, **values)

    nodes_at = ("nodes", "[key]")
    scenes = len(scenario.nodes)
    if scenes < rules.min_scenes:
        yield marks.problem(nodes_at, say("scenes", have=scenes, need=rules.min_scenes),
                            say("scenes_hint", rule=_rule("min_scenes", lang)), WARN)
    if rules.min_decisions_per_path and found is not None and found.complete:
        for ending, path in measures.shortest_playthroughs(scenario, found).items():
            if len(path.steps) < rules.min_decisions_per_path:
                yield marks.problem(
                    ("nodes", ending, "[key]"),
                    say("short_path", ending=ending, have=len(path.steps), path=path.describe(),
                        need=rules.min_decisions_per_path),
                    say("short_path_hint", rule=_rule("min_decisions_per_path", lang)), WARN)
    decided = measures.decisions(scenario)
    few = [nid for nid in decided if len(scenario.nodes[nid].choices) < 3]
    if decided and rules.min_share_three_options and (len(decided) - len(few)) / len(decided) < rules.min_share_three_options:
        yield marks.problem(nodes_at, say("three_options", have=len(decided) - len(few), decisions=len(decided),
                                          need=format_percent(rules.min_share_three_options, locale=locale(lang))),
                            say("three_options_hint", scenes=", ".join(f"'{nid}'" for nid in few[:4]),
                                rule=_rule("min_share_three_options", lang)), WARN)
    kinds = {e.kind for e in scenario.endings.values()}
    for kind in rules.require_ending_kinds:
        if kind not in kinds and kind not in graph.REQUIRED_KINDS:  # (those graph.check reports as errors)
            yield marks.problem(nodes_at, say("ending_kind", kind=kind),
                                say("ending_kind_hint", kind=kind, rule=_rule("require_ending_kinds", lang)), WARN)
    yield from _labels(scenario, marks, rules, say)
    yield from _reading_ease(scenario, marks, rules, say, lang)
    if rules.require_scripted_role and all(role.playable for role in scenario.roles):
        yield marks.problem(("roles", "[key]"), say("all_playable"), say("all_playable_hint"), WARN)
    if rules.require_private_brief and not any(role.private for role in scenario.roles):
        yield marks.problem(("roles", "[key]"), say("no_private"),
                            say("no_private_hint", rule=_rule("require_private_brief", lang)), WARN)


def _labels(scenario: Scenario, marks: SourceMap, rules: Rules, say) -> Iterator[Problem]:
    if not rules.max_label_words:
        return
    for nid, node in scenario.nodes.items():
        for i, choice in enumerate(node.choices):
            words = measures.word_count(choice.label)
            if words > rules.max_label_words:
                yield marks.problem(("nodes", nid, "choices", i, "label"),
                                    say("label_long", words=words, most=rules.max_label_words),
                                    say("label_long_hint"), WARN)


def _reading_ease(scenario: Scenario, marks: SourceMap, rules: Rules, say, lang: str) -> Iterator[Problem]:
    if rules.min_reading_ease is None:
        return
    ease = measures.reading_ease(measures.prose(scenario), lang)
    if ease is None or ease >= rules.min_reading_ease:  # (None: a language the measure does not know)
        return
    scenes = []
    for nid, node in scenario.nodes.items():
        text = measures.scene_plain(node)
        if measures.word_count(text) >= 40:
            scenes.append((measures.reading_ease(text, lang), nid))
    hardest = ", ".join(f"'{nid}' ({score:.0f})" for score, nid in sorted(scenes)[:3])
    yield marks.problem(("title",), say("reading_ease", ease=f"{ease:.0f}", need=f"{rules.min_reading_ease:g}"),
                        say("reading_ease_hint_scenes", scenes=hardest) if hardest else say("reading_ease_hint"), WARN)


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


def _names(scenarios: Sequence[tuple[Scenario, SourceMap]], lang: str) -> Iterator[Problem]:
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
                                       message("check.content.name_reused", lang, name=part, file=other_marks.file,
                                               full=full),
                                       message("check.content.name_reused_hint", lang,
                                               rule=_rule("one_person_per_name", lang)), WARN)
            else:
                first_use[part] = (scenario, marks, scenario.roles[i].name)


def _duration(module: Module, marks: SourceMap, scenarios: list[tuple[Scenario, float]], lang: str,
              reading: float) -> Iterator[Problem]:
    playing = [minutes for _, minutes in scenarios]
    need = round(reading + sum(playing))
    if module.duration < need:
        parts = [message("check.content.duration_reading", lang, minutes=f"{reading:.0f}")]
        parts += [f"{s.id} {m:.0f}" for (s, _), m in zip(scenarios, playing)]
        yield marks.problem(("duration",), message("check.content.duration", lang, minutes=module.duration, need=need,
                                                   parts=message("words.list_separator", lang).join(parts)),
                            message("check.content.duration_hint", lang, need=need,
                                    words=_rule("words_per_minute", lang), decisions=_rule("minutes_per_decision", lang)),
                            WARN)


# A sentence states a number or a research finding when it has a number (a digit that does not
# continue a word or code such as 'v2', 'x=1'), a percent sign, or, in a language whose phrases are known here,
# "per cent" or a phrase such as "research shows" or "studies found". It is cited when it holds {cite}.
_FIGURE = r"(?<![\w=/#.:])\d|%"
_FINDING_PHRASES = {
    "en": r"\bper ?cent\b|\baccording to\b|"
          r"\b(?:research|studies|a study|one study|the study|surveys?|evidence|data|reviews?)\s+(?:\w+\s+)?"
          r"(?:shows?|showed|shown|finds?|found|suggests?|suggested|indicates?|indicated)\b",
    "fr": r"\bpour ?cent\b|\b(?:selon|d['’]après)\s+(?:une|la|les|des|cette|ces|l['’])\s*"
          r"(?:études?|recherches?|enquêtes?|données|chiffres|statistiques)\b|"
          r"\b(?:la recherche|les recherches|des recherches|les études|des études|une étude|l['’]étude|cette étude|"
          r"les enquêtes|une enquête|les données|les chiffres)\s+(?:\w+\s+)?"
          r"(?:montrent|montre|ont montré|a montré|indiquent|indique|suggèrent|suggère|révèlent|révèle|concluent|conclut)\b",
}
_FINDINGS = {lang: re.compile(f"{_FIGURE}|{phrases}", re.I) for lang, phrases in _FINDING_PHRASES.items()}
_FIGURES = re.compile(_FIGURE)  # in another language, numbers only
_ROLE = re.compile(r"(\{[a-z:]+\})`[^`]*`")  # {cite}`key`, {term}`x`: their keys are not numbers
# not figures: inline code, link targets, URLs, years, telephone numbers
_SKIP = re.compile(r"`[^`]*`|\]\([^)]*\)|https?://\S+|\b(?:19|20)\d\d\b|\+?\d[\d ()-]{6,}\d")
_CODE_BLOCK = re.compile(r"^[ \t]*(```|~~~)(?!\{).*?^[ \t]*\1[ \t]*$", re.M | re.S)  # code, not directives
_NOT_PROSE = re.compile(r"^[ \t]*(?:#.*|```.*|~~~.*|:::.*|:\w+:.*)$", re.M)  # headings, fences, directive options
_NUMBERED = re.compile(r"^([ \t]*)(\d+[.)])(?=\s)", re.M)  # list numbers are not figures: made bullets
_BOUNDARY = re.compile(r"(?<=[.!?])[\"”’)*_]*\s+|\n[ \t]*\n|\n(?=[ \t]*(?:[-*+]|#+)\s)")
_BLOCK_START = re.compile(r"\s*(?:[-*+]\s|>\s*)*")


def uncited_findings(reading: str, marks: SourceMap, lang: str = "en") -> Iterator[Problem]:
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
        hit = _FINDINGS.get(lang, _FIGURES).search(sentence, lead)
        if hit:
            shown = " ".join(reading[offset + lead:end].split())
            shown = shown if len(shown) <= 70 else shown[:67] + "…"
            yield marks.problem_at(("reading",), reading, offset + hit.start(),
                                   message("check.content.uncited", lang, sentence=shown),
                                   message("check.content.uncited_hint", lang, rule=_rule("cite_findings", lang)), WARN)
