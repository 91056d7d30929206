"""Which fields of a course are text a translation may replace, and the translated course itself.

One description (:data:`SPECS`) serves the checker (what an overlay may hold), the ``translate``
command (the skeleton a translator starts from) and :func:`translated` (what is replaced): a field
that is not described here is structure, and always comes from the original.

A text is addressed by its dotted path in the overlay's shape: ids instead of list positions
(``nodes.ask.choices.listen.label``, ``roles.chair.brief``), positions only in lists whose items
have no id (``debrief.0``, ``checks.purpose.options.1.text``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Union

from pydantic import BaseModel

from .course import Course, CourseSettings, Failure, GlossaryEntry, Principle, SupportResource, Translation
from .module import KnowledgeCheck, Module, Option
from .scenario import Choice, Ending, Node, Provenance, Role, Scenario, Variable

Path = tuple[Union[str, int], ...]


@dataclass(frozen=True)
class Leaf:
    """A text field. ``kept``: the original usually stays (an invented name), so a missing one is no problem."""

    kept: bool = False


@dataclass(frozen=True)
class Fields:
    """A model object: which of its fields are text (or hold text); every other field is structure."""

    model: type[BaseModel]
    parts: dict[str, "Spec"]

    @property
    def structure(self) -> set[str]:
        return set(self.model.model_fields) - set(self.parts)


def choice_ids(choices: list[Choice]) -> list[str]:
    """A scene's choices keyed by where they lead: ``goto``, then ``goto#2``, ``goto#3`` for repeats (in order)."""
    seen: dict[str, int] = {}
    ids = []
    for choice in choices:
        seen[choice.goto] = seen.get(choice.goto, 0) + 1
        ids.append(choice.goto if seen[choice.goto] == 1 else f"{choice.goto}#{seen[choice.goto]}")
    return ids


@dataclass(frozen=True)
class ById:
    """Items with an id (a list of objects with ``id``, or a mapping), translated as a mapping keyed by it."""

    item: "Spec"
    what: str  # what an id names: 'scene', 'role'… (check.translation.what_* in the catalogue)
    ids: Callable[[Any], list[str]] | None = None  # for a list of items without ``id`` (choices)

    def keyed(self, container: Any) -> dict[str, Any]:
        if isinstance(container, dict):
            return dict(container)
        keys = self.ids(container) if self.ids else [item.id for item in container]
        return dict(zip(keys, container))


@dataclass(frozen=True)
class Items:
    """A list whose items have no id: translated item by item, in the same order and number."""

    item: "Spec"


Spec = Union[Leaf, Fields, ById, Items]
TEXT = Leaf()

SCENARIO = Fields(Scenario, {
    "title": TEXT, "summary": TEXT, "setting": TEXT, "content_notes": Items(TEXT),
    "provenance": Fields(Provenance, {"note": TEXT}),
    "roles": ById(Fields(Role, {"name": Leaf(kept=True), "title": TEXT, "brief": TEXT, "private": TEXT}), "role"),
    "variables": ById(Fields(Variable, {"description": TEXT}), "variable"),
    "nodes": ById(Fields(Node, {
        "text": TEXT, "facilitator": TEXT,
        "choices": ById(Fields(Choice, {"label": TEXT, "feedback": TEXT}), "choice", choice_ids),
        "ending": Fields(Ending, {"title": TEXT, "debrief": TEXT}),
    }), "scene"),
    "debrief": Items(TEXT),
})
MODULE = Fields(Module, {
    "title": TEXT, "summary": TEXT, "objectives": Items(TEXT), "discussion": Items(TEXT),
    "checks": ById(Fields(KnowledgeCheck, {
        "question": TEXT, "options": Items(Fields(Option, {"text": TEXT, "explanation": TEXT})),
    }), "check"),
    "reading": TEXT,
})
COURSE = Fields(CourseSettings, {
    "title": TEXT, "subtitle": TEXT,
    "principles": ById(Fields(Principle, {"name": TEXT, "group": TEXT, "description": TEXT}), "principle"),
    "failures": ById(Fields(Failure, {"title": TEXT}), "failure"),
    "support": Items(Fields(SupportResource, {"name": TEXT, "description": TEXT})),
    "glossary": Items(Fields(GlossaryEntry, {"term": TEXT, "definition": TEXT})),
})
SPECS: dict[str, Fields] = {"course": COURSE, "module": MODULE, "scenario": SCENARIO}
OVERLAY_KEYS = ("language", "sources", "kept")  # the only fields of an overlay that are not the original's


def dotted(path: Path) -> str:
    return ".".join(str(part) for part in path)


def source_hash(text: str) -> str:
    """What ``sources:`` records of an original text: the first 12 hex digits of its SHA-256 (UTF-8)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def texts(spec: Spec, value: Any, path: Path = ()) -> Iterator[tuple[Path, str, Leaf]]:
    """Every text of an original (a model object) with its path and kind, in file order; absent ones skipped."""
    if value is None:
        return
    if isinstance(spec, Leaf):
        yield path, value, spec
    elif isinstance(spec, Fields):
        for name, part in spec.parts.items():
            yield from texts(part, getattr(value, name), path + (name,))
    elif isinstance(spec, ById):
        for key, item in spec.keyed(value).items():
            yield from texts(spec.item, item, path + (key,))
    else:
        for i, item in enumerate(value):
            yield from texts(spec.item, item, path + (i,))


def original_texts(kind: str, item: BaseModel) -> dict[str, str]:
    """The original's texts by dotted path (what ``sources:`` hashes and a skeleton holds)."""
    return {dotted(path): text for path, text, _ in texts(SPECS[kind], item)}


def _replaced(spec: Spec, value: Any, path: Path, overlay: dict[str, str], fell_back: list[str]) -> Any:
    """``value`` with the overlay's texts put in place; the same object where nothing changed."""
    if value is None:
        return None
    if isinstance(spec, Leaf):
        key = dotted(path)
        if key in overlay:
            return overlay[key]
        if not spec.kept:
            fell_back.append(key)
        return value
    if isinstance(spec, Fields):
        update = {}
        for name, part in spec.parts.items():
            old = getattr(value, name)
            new = _replaced(part, old, path + (name,), overlay, fell_back)
            if new is not old:
                update[name] = new
        return value.model_copy(update=update) if update else value
    if isinstance(spec, ById):
        pairs = [(key, _replaced(spec.item, item, path + (key,), overlay, fell_back))
                 for key, item in spec.keyed(value).items()]
        return {key: item for key, item in pairs} if isinstance(value, dict) else type(value)(i for _, i in pairs)
    return type(value)(_replaced(spec.item, item, path + (i,), overlay, fell_back) for i, item in enumerate(value))


@dataclass
class Overlays:
    """One language's checked overlay texts: ``'course'``, ``'module:<id>'`` or ``'scenario:<id>'`` ->
    dotted path -> translated text (only the texts the checker accepted)."""

    language: str
    texts: dict[str, dict[str, str]] = field(default_factory=dict)


def translated(course: Course, overlays: Overlays) -> Course:
    """The course in ``overlays.language``: every text the overlays translate replaced, nothing else changed
    (ids, order, gotos, effects, conditions are the original's). Missing texts stay the original's and are
    recorded in ``translation.fell_back`` for the pages to say so."""
    fell_back: dict[str, tuple[str, ...]] = {}

    def part(kind: str, name: str, item: Any) -> Any:
        missing: list[str] = []
        new = _replaced(SPECS[kind], item, (), overlays.texts.get(name, {}), missing)
        if missing:
            fell_back[name] = tuple(missing)
        return new

    original = course.source
    settings = part("course", "course", original.settings).model_copy(update={"language": overlays.language})
    modules = tuple(part("module", f"module:{m.id}", m) for m in original.modules)
    scenarios = tuple(part("scenario", f"scenario:{s.id}", s) for s in original.scenarios)
    return original.model_copy(update={
        "settings": settings, "modules": modules, "scenarios": scenarios,
        "translation": Translation.model_construct(original=original, fell_back=fell_back)})
