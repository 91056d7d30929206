"""The story rules: where a play-through starts, which choices a scene offers, what a choice does to
the variables, how a saved path replays, and where a play-through is over.

One statement of the rules for Python: the checker's state search (``check/states.py``), the
statistics and the tests use them from here. The state search asks them in thousands of states, so it
uses forms of them made once per choice for values held by position (``offer_by_position``,
``take_by_position``), which ``tests/test_story.py`` holds to the plain rules. The browser player applies the same rules to the
player data in ``sphinxext/static/bb-story.js``; ``tests/test_story_agreement.py`` holds the two to
the same answers on random scenarios. Pure functions of the model: no I/O.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from . import conditions
from .scenario import Choice, Node, Scenario

Values = dict[str, int]
Packed = tuple[int, ...]
"""Values by position, in the order of a list of the scenario's variable names (as the state search holds them)."""

# A condition is parsed once per distinct text: the state search asks the same choices again and
# again. The cached trees are only read (``conditions.evaluate`` never changes a tree).
_tree = lru_cache(maxsize=4096)(conditions.parse)


def start(scenario: Scenario) -> Values:
    """Every variable at its initial value."""
    return {name: var.initial for name, var in scenario.variables.items()}


def is_over(node: Node) -> bool:
    """A play-through is over at an ending: nothing is chosen there (the checker refuses an ending
    that also lists choices)."""
    return node.ending is not None


def is_offered(choice: Choice, values: Values) -> bool:
    """A choice without ``when`` is always offered; one with it, while its condition is non-zero."""
    return choice.when is None or bool(conditions.evaluate(_tree(choice.when), values))


def offered(node: Node, values: Values) -> list[int]:
    """Positions of the choices the scene offers with these values, in the author's order."""
    return [i for i, choice in enumerate(node.choices) if is_offered(choice, values)]


def take(scenario: Scenario, choice: Choice, values: Values) -> Values:
    """The values after the choice: each effect added, then clamped to its variable's min..max."""
    out = dict(values)
    for name, delta in choice.effects.items():
        var = scenario.variables[name]
        out[name] = max(var.min, min(var.max, out[name] + delta))
    return out


def offer_by_position(choice: Choice, names: tuple[str, ...]) -> Callable[[Packed], int] | None:
    """``is_offered`` made once for values packed in the order of ``names``: a function whose result is non-zero
    while the choice is offered, or None when it always is. For the checker's state search, which asks it in
    thousands of states (``tests/test_story.py`` holds it to ``is_offered``)."""
    return None if choice.when is None else _by_position(choice.when, names)


@lru_cache(maxsize=4096)  # by text and names: clones of a scenario, and the same scenario checked again, share it
def _by_position(when: str, names: tuple[str, ...]) -> Callable[[Packed], int]:
    return conditions.by_position(_tree(when), names)


def take_by_position(scenario: Scenario, choice: Choice, names: tuple[str, ...]) -> Callable[[Packed], Packed] | None:
    """``take`` made once for values packed in the order of ``names``, or None when the choice has no effects (the
    values stay as they are). For the checker's state search (``tests/test_story.py`` holds it to ``take``)."""
    if not choice.effects:
        return None
    changes = [(names.index(name), delta, scenario.variables[name].min, scenario.variables[name].max)
               for name, delta in choice.effects.items()]

    def taken(packed: Packed) -> Packed:
        out = list(packed)
        for i, delta, low, high in changes:
            value = out[i] + delta
            if value > high:  # take's max(min, min(max, value)), without the calls
                value = high
            if value < low:
                value = low
            out[i] = value
        return tuple(out)

    return taken


def choice_keys(scene_id: str, choices: Sequence[Choice]) -> list[str]:
    """Stable identities for a scene's choices: ``scene:target:hash of the label``.

    Saved progress stores these instead of positions, so reordering a scene's choices (or adding
    one) keeps a reader where they were; changing a choice's target or wording retires its key.
    Two choices alike in target and label (wording collapsed to single spaces) would share a key,
    so a repeat gets ``:2``, ``:3``… in order.
    """
    keys: list[str] = []
    for choice in choices:
        label = " ".join(choice.label.split())
        key = f"{scene_id}:{choice.goto}:{hashlib.sha256(label.encode('utf-8')).hexdigest()[:8]}"
        repeats = sum(1 for k in keys if k == key or k.startswith(key + ":"))
        keys.append(f"{key}:{repeats + 1}" if repeats else key)
    return keys


@dataclass(frozen=True)
class Step:
    """One choice replayed: the scene, the choice's position and key, and the values before it."""

    node: str
    index: int
    key: str
    values: Values


@dataclass(frozen=True)
class Replay:
    """Where a replayed path leads: the scene and values reached, and the steps that were valid."""

    node: str
    values: Values
    steps: tuple[Step, ...]


def replay(scenario: Scenario, path: Sequence[str | int], positions: bool = False) -> Replay:
    """Replay a path of choice keys (or, with ``positions``, of choice positions, as the earliest
    saved progress stored them) from the start.

    It stops at the first step that is no longer valid: its scene is missing or over, no choice
    there has that key (removed, retargeted or reworded), the choice is not offered with the values
    reached, or its target scene is missing. What came before stands.
    """
    node_id, values, steps = scenario.start, start(scenario), []
    for wanted in path:
        node = scenario.nodes.get(node_id)
        if node is None or is_over(node):
            break
        keys = choice_keys(node_id, node.choices)
        if positions:
            whole = isinstance(wanted, int) and not isinstance(wanted, bool)
            index = wanted if whole and 0 <= wanted < len(keys) else -1
        else:
            index = keys.index(wanted) if wanted in keys else -1
        if index < 0:
            break
        choice = node.choices[index]
        if not is_offered(choice, values) or choice.goto not in scenario.nodes:
            break
        steps.append(Step(node_id, index, keys[index], values))
        values = take(scenario, choice, values)
        node_id = choice.goto
    return Replay(node_id, values, tuple(steps))
