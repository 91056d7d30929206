"""The data each handout's template reads: the model turned into JSON-ready dicts.

Author text stays text: Markdown becomes blocks of runs (:func:`branchbook.write.markdown.to_blocks`)
that the templates show with ``emph``/``strong``, never as markup. Section numbers are shuffled
with a seed taken from the scenario id, so the data (and the PDF) is the same on every build.
"""

from __future__ import annotations

from typing import Any

from ...model import Course, Module, Scenario
from ..decision_map import pause_points
from ..markdown import to_blocks as blocks, to_inline_runs as inline, to_plain as plain_text
from ..sections import letter as _letter, section_numbers
from .maps import map_data
from ...messages import cards, catalogue, message
from ...messages.formats import number
from ...messages.wording import condition_words, effect_words


def _texts(language: str) -> dict[str, Any]:
    """The words a template prints, from the catalogue (``handout.*`` without the prefix, the endings'
    names, the list separator): the templates hold layout only."""
    words = catalogue(language)
    texts: dict[str, Any] = {k.removeprefix("handout."): v for k, v in words.items() if k.startswith("handout.")}
    texts["endings"] = {kind: words[f"ending.{kind}"] for kind in ("good", "mixed", "harmful")}
    texts["list_separator"] = words["words.list_separator"]
    return texts


def _meta(course: Course, paper: str, title: str) -> dict[str, Any]:
    language, _, region = course.settings.language.partition("-")
    return {
        "title": title,
        "course": course.settings.title,
        "subtitle": course.settings.subtitle,
        "author": course.settings.author,
        "lang": language if 2 <= len(language) <= 3 else "en",
        "region": region.upper() if len(region) == 2 else None,
        "paper": paper,
    }


def _role(role, learner: bool, private: bool) -> dict[str, Any]:
    return {
        "id": role.id, "name": role.name, "title": role.title, "brief": blocks(role.brief),
        "playable": role.playable, "learner": learner,
        # private information only ever travels with its own card, and never for scripted roles
        "private": blocks(role.private) if private and role.playable and role.private else [],
    }


def _cast(scenario: Scenario) -> list[dict[str, Any]]:
    return [_role(r, r.id == scenario.learner_role, private=False) for r in scenario.roles]


def _principles(course: Course, ids: list[str]) -> list[str]:
    names = {p.id: p.name for p in course.settings.principles}
    return [names.get(i, i) for i in ids]


def packet_data(course: Course, scenario: Scenario, paper: str) -> dict[str, Any]:
    numbers = section_numbers(scenario)
    learner = scenario.role(scenario.learner_role)
    sections, answers = [], []
    for nid in sorted(scenario.nodes, key=numbers.get):
        node = scenario.nodes[nid]
        speaker = scenario.role(node.speaker) if node.speaker else None
        choices = []
        for i, choice in enumerate(node.choices):
            choices.append({
                "letter": _letter(i), "label": inline(choice.label), "to": numbers[choice.goto],
                "when": condition_words(choice.condition, course.settings.language)
                if choice.condition is not None else None,
                "effects": effect_words(choice.effects, course.settings.language),
            })
            answers.append({
                "section": numbers[nid], "letter": _letter(i), "label": inline(choice.label),
                "feedback": blocks(choice.feedback),
                "upholds": _principles(course, choice.upholds), "violates": _principles(course, choice.violates),
            })
        sections.append({
            "n": numbers[nid], "text": blocks(node.text),
            "speaker": f"{speaker.name} ({speaker.title})" if speaker else None,
            "choices": choices,
            "ending": None if node.ending is None else {
                "kind": node.ending.kind, "title": node.ending.title, "debrief": blocks(node.ending.debrief)},
        })
    module = course.module(scenario.module) if any(m.id == scenario.module for m in course.modules) else None
    return {
        "meta": _meta(course, paper, message("handout.title_packet", course.settings.language, title=scenario.title)),
        "t": _texts(course.settings.language),
        "scenario": {
            "id": scenario.id, "title": scenario.title, "summary": blocks(scenario.summary),
            "setting": scenario.setting, "content_notes": list(scenario.content_notes),
            "module": module.title if module else None, "feedback": scenario.feedback,
            "learner": _role(learner, True, False) if learner else None,
            "cast": _cast(scenario),
            "variables": [{"name": k, "description": v.description, "initial": v.initial, "min": v.min, "max": v.max}
                          for k, v in scenario.variables.items()],
            "debrief": [blocks(q) for q in scenario.debrief],
        },
        "sections": sections,
        "answers": answers,
    }


def roles_data(course: Course, scenario: Scenario, paper: str) -> dict[str, Any]:
    return {
        "meta": _meta(course, paper, message("handout.title_roles", course.settings.language, title=scenario.title)),
        "t": _texts(course.settings.language),
        "scenario": {"id": scenario.id, "title": scenario.title},
        "cards": [_role(r, r.id == scenario.learner_role, private=True) for r in scenario.roles],
    }


def quickref_cards(language: str = "en") -> list[dict[str, Any]]:
    """The quick-reference cards (data files beside the template), in file-name order."""
    return cards.quickref_cards(language)


def quickref_data(course: Course, card: dict[str, Any], paper: str) -> dict[str, Any]:
    card = next(c for c in quickref_cards(course.settings.language) if c["id"] == card["id"])
    support = [{"name": s.name, "description": plain_text(s.description), "contact": s.contact,
                "localise": s.localise} for s in course.settings.support]
    return {
        "meta": _meta(course, paper, message("handout.title_quickref", course.settings.language, title=card["title"])),
        "t": _texts(course.settings.language),
        "card": card,
        "support": support if card.get("support") else [],
    }


def _hm(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


def _scenario_guide(course: Course, scenario: Scenario) -> dict[str, Any]:
    numbers = section_numbers(scenario)
    pauses = pause_points(scenario, numbers)
    failures = {f.id: f.title for f in course.settings.failures}
    return {
        "id": scenario.id, "title": scenario.title, "summary": blocks(scenario.summary),
        "setting": scenario.setting, "content_notes": list(scenario.content_notes),
        "feedback": scenario.feedback, "cast": _cast(scenario),
        "map": map_data(scenario),
        "pauses": [{"n": n, "section": numbers[nid], "id": nid,
                    "note": blocks(scenario.nodes[nid].facilitator)} for nid, n in pauses.items()],
        "endings": [{"section": numbers[nid], "id": nid, "kind": e.kind, "title": e.title}
                    for nid, e in sorted(scenario.endings.items(), key=lambda item: numbers[item[0]])],
        "debrief": [blocks(q) for q in scenario.debrief],
        "failures": [{"id": f, "title": failures.get(f, "")} for f in scenario.provenance.failures],
    }


def _module_guide(course: Course, module: Module, start: int) -> dict[str, Any]:
    language = course.settings.language
    scenarios = [course.scenario(sid) for sid in module.scenarios if any(s.id == sid for s in course.scenarios)]
    return {
        "id": module.id, "title": module.title, "summary": blocks(module.summary), "duration": module.duration,
        "duration_text": number(module.duration, language),
        "start": _hm(start), "end": _hm(start + module.duration),
        "objectives": list(module.objectives),
        "discussion": [blocks(q) for q in module.discussion],
        "scenarios": [_scenario_guide(course, s) for s in scenarios],
        "checks": [{
            "id": check.id, "question": blocks(check.question),
            "options": [{"letter": _letter(i), "text": plain_text(o.text), "correct": o.correct,
                         "explanation": blocks(o.explanation)} for i, o in enumerate(check.options)],
            "answer": message("words.list_separator", language).join(_letter(i) for i, o in enumerate(check.options) if o.correct),
        } for check in module.checks],
    }


def guide_data(course: Course, modules: list[Module], paper: str, title: str, scope: str = "course") -> dict[str, Any]:
    agenda, start = [], 0
    for module in modules:
        agenda.append(_module_guide(course, module, start))
        start += module.duration
    protocol = cards.facilitator_protocol(course.settings.language)
    return {
        "meta": _meta(course, paper, title),
        "t": _texts(course.settings.language),
        "scope": scope,
        "modules": agenda,
        "total": sum(m.duration for m in modules),
        "total_minutes": number(sum(m.duration for m in modules), course.settings.language),
        "total_hm": _hm(start),
        "protocol": protocol,
        "support": [{"name": s.name, "description": plain_text(s.description), "contact": s.contact,
                     "localise": s.localise} for s in course.settings.support],
        "glossary": [{"term": g.term, "definition": plain_text(g.definition)} for g in course.settings.glossary],
        "quickref": [c["title"] for c in quickref_cards(course.settings.language)],
    }


def certificate_data(course: Course, paper: str) -> dict[str, Any]:
    return {
        "meta": _meta(course, paper, message("handout.title_certificate", course.settings.language,
                                             title=course.settings.title)),
        "t": _texts(course.settings.language),
        "modules": [{"title": m.title, "duration": m.duration} for m in course.modules],
        "total_hm": _hm(sum(m.duration for m in course.modules)),
    }
