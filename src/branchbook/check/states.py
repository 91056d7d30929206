"""Explore the (scene, variables) state space: no reachable state may leave every option switched off.

A graph check alone cannot see this: ``when`` conditions and ``effects`` interact across scenes.
The space is finite (variables are clamped integers) but can be large, so the search is bounded
and says so when the bound cuts it short. The rules of a step (what is offered, what a choice
changes) are the player's own, from :mod:`branchbook.model.story`.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from ..messages import message
from ..messages.formats import number
from ..model import Scenario, conditions, story
from ..problems import Problem, did_you_mean
from ..source_map import SourceMap
from . import graph
from .partial import LeftOut

STATE_LIMIT = 50_000

State = tuple[str, tuple[int, ...]]


@dataclass
class Exploration:
    """Every (scene, variables) state reachable from the start, each with the step that first reached it.

    The search is breadth-first, so the first path to a state takes the fewest choices.
    """

    names: list[str]
    seen: dict[State, tuple[State, int] | None] = field(default_factory=dict)  # state -> (previous state, choice index)
    offered: set[tuple[str, int]] = field(default_factory=set)
    stuck: dict[str, State] = field(default_factory=dict)  # scene id -> the first state where it offers nothing
    complete: bool = True

    def path_to(self, state: State) -> list[tuple[str, int]]:
        """The (scene id, choice index) steps of the shortest way from the start to ``state``."""
        steps = []
        while (step := self.seen[state]) is not None:
            state, index = step
            steps.append((state[0], index))
        return steps[::-1]

    def endings(self, scenario: Scenario) -> list[State]:
        """Reachable ending states, fewest choices first."""
        over = {node_id for node_id, node in scenario.nodes.items() if story.is_over(node)}  # once a scene, not a state
        return [s for s in self.seen if s[0] in over]


def describe_way(steps: list[tuple[str, int]] | tuple[tuple[str, int], ...], to: str) -> str:
    """Like ``opening#2 → listen#1 → good-end``: (scene id, choice index) steps to scene ``to``, choices numbered
    from 1, as an author counts them."""
    return " → ".join([*(f"{nid}#{i + 1}" for nid, i in steps), to])


def explore(scenario: Scenario, limit: int = STATE_LIMIT) -> Exploration | None:
    """The reachable state space, or None when the scenario cannot be explored (a missing start
    scene or undeclared variables, reported by the checks).

    The last scenario's answer is kept (one entry, the scenario held by identity; models are frozen):
    the state rules here and the content bars both need it for the same scenario, one after the other."""
    global _last
    if _last is not None and _last[0] is scenario and _last[1] == limit:
        return _last[2]
    found = _explore(scenario, limit)
    _last = (scenario, limit, found)
    return found


_last: tuple[Scenario, int, Exploration | None] | None = None


def _explore(scenario: Scenario, limit: int) -> Exploration | None:
    if scenario.start not in scenario.nodes or any(_undeclared(scenario)):
        return None
    names = list(scenario.variables)
    found = Exploration(names)
    nodes, seen, offered = scenario.nodes, found.seen, found.offered
    # How each scene's choices are taken, worked out once: whether any has a condition (if none, the scene
    # offers every choice in every state), and for each choice its position, its target (None if missing),
    # its condition and its effects as functions of the packed values (None: always offered; values unchanged).
    packed_names = tuple(names)
    plans: dict[str, tuple[bool, list[tuple[int, str | None, Callable | None, Callable | None]]] | None] = {
        node_id: None if story.is_over(node) or not node.choices  # an ending, or a dead end (graph.check reports it)
        else (any(c.when is not None for c in node.choices),
              [(i, c.goto if c.goto in nodes else None, story.offer_by_position(c, packed_names),
                story.take_by_position(scenario, c, packed_names)) for i, c in enumerate(node.choices)])
        for node_id, node in nodes.items()}
    visited: set[str] = set()
    initial = story.start(scenario)
    start: State = (scenario.start, tuple(initial[n] for n in names))
    seen[start] = None
    queue = deque([start])
    while queue:
        state = queue.popleft()
        node_id, packed = state
        plan = plans[node_id]
        if plan is None:
            continue
        conditional, steps = plan
        if conditional:
            steps = [step for step in steps if step[2] is None or step[2](packed)]
            if not steps:
                found.stuck.setdefault(node_id, state)
            offered.update((node_id, step[0]) for step in steps)
        elif node_id not in visited:
            visited.add(node_id)
            offered.update((node_id, step[0]) for step in steps)
        for i, goto, _, take in steps:
            if goto is None:
                continue
            reached: State = (goto, take(packed) if take else packed)
            if reached not in seen:
                if len(seen) >= limit:
                    found.complete = False  # (``offered`` is then partial too, and not used)
                    return found
                seen[reached] = (state, i)
                queue.append(reached)
    return found


def check(scenario: Scenario, marks: SourceMap, limit: int = STATE_LIMIT,
          left_out: LeftOut = LeftOut(), lang: str = "en") -> Iterator[Problem]:
    """``left_out``: what lenient validation left out; with any, only the per-choice rules run."""
    def say(key: str, **values: object) -> str:
        return message(f"check.states.{key}", lang, **values)

    yield from _names_declared(scenario, marks, left_out.ids("variables"), lang)
    yield from _ranges(scenario, marks, say)
    found = None if left_out else explore(scenario, limit)
    if found is None:
        return
    if not found.complete:
        yield marks.problem(("variables", "[key]"), say("limit", limit=number(limit, lang)), say("limit_hint"), "warning")
    for node_id, state in found.stuck.items():
        shown = ", ".join(f"{k}={v}" for k, v in zip(found.names, state[1]))
        steps = found.path_to(state)
        yield marks.problem(("nodes", node_id, "choices"),
                            say("stuck_with", id=node_id, values=shown) if shown else say("stuck", id=node_id),
                            say("stuck_way_hint", way=describe_way(steps, node_id)) if steps else say("stuck_hint"))
    reached = {node_id for node_id, _ in found.seen}
    for node_id, node in scenario.nodes.items():
        for i, choice in enumerate(node.choices):
            if choice.when and node_id in reached and (node_id, i) not in found.offered and found.complete:
                yield marks.problem(("nodes", node_id, "choices", i, "when"),
                                    say("never_offered", when=choice.when, id=node_id), say("never_offered_hint"),
                                    "warning")
    if found.complete and not found.stuck:  # (a scene where play stops explains what it cuts off: said above)
        yield from _never_reached(scenario, marks, reached, say)


def _never_reached(scenario: Scenario, marks: SourceMap, reached: set[str], say) -> Iterator[Problem]:
    """Scenes the graph reaches but no play-through does, conditions respected (content no learner can see), and
    a required ending kind every one of whose endings is such a scene (graph.check reports a kind with none, or
    none it reaches)."""
    on_paper = graph.reachable_from(scenario.start, graph.successors(scenario))
    for node_id in scenario.nodes:
        if node_id in on_paper and node_id not in reached:
            yield marks.problem(("nodes", node_id, "[key]"), say("never_reached", id=node_id), say("never_reached_hint"))
    written = {ending.kind for node_id, ending in scenario.endings.items() if node_id in on_paper}
    playable = {scenario.nodes[node_id].ending.kind for node_id in reached if scenario.nodes[node_id].ending}
    for kind in graph.REQUIRED_KINDS:
        if kind in written and kind not in playable:
            yield marks.problem(("nodes", "[key]"), say("ending_never_reached", kind=kind),
                                say("ending_never_reached_hint", kind=kind))


def _ranges(scenario: Scenario, marks: SourceMap, say) -> Iterator[Problem]:
    for name, var in scenario.variables.items():
        if var.min > var.max:
            yield marks.problem(("variables", name, "min"), say("min_above_max", name=name, min=var.min, max=var.max),
                                say("min_above_max_hint"))
        elif not var.min <= var.initial <= var.max:
            yield marks.problem(("variables", name, "initial"),
                                say("initial_outside", name=name, initial=var.initial, min=var.min, max=var.max),
                                say("initial_outside_hint"))


@lru_cache(maxsize=4096)
def _names_read(when: str) -> tuple[str, ...]:
    """The variables a condition reads, sorted (parsed once per text: every check of a scenario asks)."""
    return tuple(sorted(conditions.names(conditions.parse(when))))


def _undeclared(scenario: Scenario) -> Iterator[tuple[str, int, str, str]]:
    for node_id, node in scenario.nodes.items():
        for i, choice in enumerate(node.choices):
            for name in choice.effects:
                if name not in scenario.variables:
                    yield node_id, i, "effects", name
            if choice.when is not None:
                for name in _names_read(choice.when):
                    if name not in scenario.variables:
                        yield node_id, i, "when", name


def _names_declared(scenario: Scenario, marks: SourceMap, declared_badly: frozenset[str], lang: str) -> Iterator[Problem]:
    for node_id, i, field, name in _undeclared(scenario):
        if name in declared_badly:
            continue  # declared, but its declaration has a problem of its own
        hint = (did_you_mean(name, scenario.variables, language=lang)
                or message("check.states.undeclared_hint", lang, name=name))
        text = message("check.states.undeclared", lang, name=name)
        at = ("nodes", node_id, "choices", i, field)
        if field == "effects":
            yield marks.problem(at + (name, "[key]"), text, hint)
            continue
        when = scenario.nodes[node_id].choices[i].when or ""
        found = re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", when)
        yield marks.problem_at(at, when, found.start() if found else 0, text, hint)
