"""Every reader-facing text field with its data path, for checks that read all text alike
(de-identification, unsafe markup) and for the readability measure."""

from __future__ import annotations

from typing import Iterator

from .module import Module
from .scenario import Node, Scenario

TextField = tuple[tuple, str]


def scenario_texts(scenario: Scenario) -> Iterator[TextField]:
    yield ("title",), scenario.title
    yield ("summary",), scenario.summary
    if scenario.setting:
        yield ("setting",), scenario.setting
    for i, note in enumerate(scenario.content_notes):
        yield ("content_notes", i), note
    for i, role in enumerate(scenario.roles):
        yield ("roles", i, "name"), role.name
        yield ("roles", i, "title"), role.title
        yield ("roles", i, "brief"), role.brief
        if role.private:
            yield ("roles", i, "private"), role.private
    for node_id, node in scenario.nodes.items():
        yield ("nodes", node_id, "text"), node.text
        if node.facilitator:
            yield ("nodes", node_id, "facilitator"), node.facilitator
        for i, choice in enumerate(node.choices):
            yield ("nodes", node_id, "choices", i, "label"), choice.label
            if choice.feedback:
                yield ("nodes", node_id, "choices", i, "feedback"), choice.feedback
        if node.ending:
            yield ("nodes", node_id, "ending", "title"), node.ending.title
            yield ("nodes", node_id, "ending", "debrief"), node.ending.debrief
    for i, question in enumerate(scenario.debrief):
        yield ("debrief", i), question


def participant_prose(scenario: Scenario) -> Iterator[str]:
    """What a participant reads while playing: scenes, options and feedback (for readability)."""
    for node in scenario.nodes.values():
        yield from scene_prose(node)


def scene_prose(node: Node) -> Iterator[str]:
    """What a participant reads at one scene: its text, its options and their feedback, its debrief."""
    yield node.text
    for choice in node.choices:
        yield choice.label
        if choice.feedback:
            yield choice.feedback
    if node.ending:
        yield node.ending.debrief


def module_texts(module: Module) -> Iterator[TextField]:
    yield ("title",), module.title
    if module.summary:
        yield ("summary",), module.summary
    for i, objective in enumerate(module.objectives):
        yield ("objectives", i), objective
    for i, question in enumerate(module.discussion):
        yield ("discussion", i), question
    for i, check in enumerate(module.checks):
        yield ("checks", i, "question"), check.question
        for j, option in enumerate(check.options):
            yield ("checks", i, "options", j, "text"), option.text
            yield ("checks", i, "options", j, "explanation"), option.explanation
    yield ("reading",), module.reading
