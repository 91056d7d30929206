"""Player data: one JSON document per scenario, the only thing the browser player reads.

Text arrives pre-rendered by :mod:`.markdown` (safe HTML), conditions arrive as parsed trees
(the player evaluates them; nothing is ``eval``'d), and messages come from the catalogue so a
translation needs no change to the player.
"""

from __future__ import annotations

import json

from .. import layout
from ..messages import catalogue
from ..messages.wording import condition_words, effect_words
from ..model import Course, Module, Scenario
from ..model.story import choice_keys
from . import WriteOptions, markdown
from .sections import section_numbers

FORMAT = 1
PLAYER_KEYS = ("player.", "ending.", "gamebook.", "page.")


def scenario_data(course: Course, scenario: Scenario) -> dict:
    language = course.settings.language
    roles = {r.id: r for r in scenario.roles}
    messages = {k: v for k, v in catalogue(language).items() if k.startswith(PLAYER_KEYS)}
    numbers = section_numbers(scenario)     # the packet's and the decision map's numbers, one numbering
    nodes = {}
    # a translation's keys come from the original's labels, so that progress survives translation
    original = scenario if course.source is course else course.source.scenario(scenario.id)
    for node_id, node in scenario.nodes.items():
        speaker = roles.get(node.speaker) if node.speaker else None
        nodes[node_id] = {
            "number": numbers[node_id],
            "speaker": f"{speaker.name} ({speaker.title})" if speaker else None,
            "html": markdown.to_html(node.text),
            "choices": [
                {
                    "key": key,
                    "label": markdown.to_inline_html(choice.label),
                    "goto": choice.goto,
                    "feedbackHtml": markdown.to_html(choice.feedback) if choice.feedback else "",
                    "upholds": choice.upholds,
                    "violates": choice.violates,
                    "effects": choice.effects,
                    "effectsWords": effect_words(choice.effects, language),
                    "when": choice.condition,
                    "whenWords": condition_words(choice.condition, language) if choice.condition is not None else "",
                }
                for key, choice in zip(choice_keys(node_id, original.nodes[node_id].choices), node.choices)
            ],
            "ending": None if node.ending is None else {
                "kind": node.ending.kind,
                "kindLabel": messages[f"ending.{node.ending.kind}"],
                "title": node.ending.title,
                "debriefHtml": markdown.to_html(node.ending.debrief),
            },
        }
    used = {p for n in scenario.nodes.values() for c in n.choices for p in (*c.upholds, *c.violates)}
    return {
        "intro": {
            "summaryHtml": markdown.to_html(scenario.summary),
            "setting": scenario.setting,
            "contentNotes": scenario.content_notes,
            "learner": roles[scenario.learner_role].name + " (" + roles[scenario.learner_role].title + ")",
            "roles": [{"name": r.name, "title": r.title, "briefHtml": markdown.to_html(r.brief), "playable": r.playable}
                      for r in scenario.roles],
            "support": [res.model_dump(include={"name", "description", "contact"}) for res in course.settings.support],
        },
        "format": FORMAT,
        "course": course.settings.id,
        "scenario": scenario.id,
        "title": scenario.title,
        "start": scenario.start,
        "feedback": scenario.feedback,
        "variables": {name: v.model_dump(include={"initial", "min", "max", "description"})
                      for name, v in scenario.variables.items()},
        "principles": {p.id: p.name for p in course.settings.principles if p.id in used},
        "nodes": nodes,
        "debrief": [markdown.to_inline_html(q) for q in scenario.debrief],
        "messages": messages,
    }


def encode(data: dict) -> bytes:
    """Canonical JSON (sorted keys, fixed separators): identical input gives identical bytes."""
    return (json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode("utf-8")


def checks_data(course: Course, module: Module) -> dict:
    """A module's knowledge check: every option carries its explanation, shown when it is chosen."""
    messages = {k: v for k, v in catalogue(course.settings.language).items() if k.startswith("quiz.")}
    return {
        "format": FORMAT,
        "module": module.id,
        "questions": [
            {
                "id": check.id,
                "questionHtml": markdown.to_inline_html(check.question),
                "options": [
                    {"textHtml": markdown.to_inline_html(o.text), "correct": o.correct,
                     "explanationHtml": markdown.to_html(o.explanation)}
                    for o in check.options
                ],
            }
            for check in module.checks
        ],
        "messages": messages,
    }


def write(course: Course, options: WriteOptions) -> dict[str, bytes]:
    """Each scenario's player data and each module's knowledge check, as JSON (no option changes them)."""
    files = {layout.player_json(s.id): encode(scenario_data(course, s)) for s in course.scenarios}
    files.update({layout.checks_json(m.id): encode(checks_data(course, m)) for m in course.modules if m.checks})
    return files
