"""A scenario: a graph of scenes (nodes) joined by choices, ending in debriefed endings.

This pydantic model is the schema: ``branchbook schema`` prints it as JSON Schema for editors.
Rules that need the whole graph or the whole course (reachability, dangling gotos, known
principle ids…) live in :mod:`branchbook.check`, where every problem is reported at once.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator

from . import conditions
from .errors import broken
from .types import FailureId, Frozen, ShortText, Slug, Text, Whole

VariableName = Annotated[str, StringConstraints(pattern=r"^[a-z_][a-z0-9_]{0,31}$")]
ReferenceKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_:.-]{1,80}$")]


class Provenance(Frozen):
    """Which catalogued failure patterns (F01–F29) the scenario is derived from."""

    failures: list[FailureId] = Field(min_length=1, description="Failure-catalogue ids, e.g. F09")
    note: Text | None = Field(None, description="How the scenario fictionalises the patterns")


class Role(Frozen):
    """A person in the scene. Workshops print one card per role; ``private`` is only on its own card."""

    id: Slug
    name: ShortText = Field(description="An invented name")
    title: ShortText = Field(description="Their position, e.g. 'Branch chair'")
    brief: Text = Field(description="Public brief, printed on the role card and shown online")
    private: Text | None = Field(None, description="Private information shown only on this role's card")
    playable: bool = Field(
        True, description="False for people whose words are scripted and whom no participant plays (the survivor)"
    )


class Variable(Frozen):
    """An integer that choices change, so that earlier decisions can narrow later options."""

    initial: Whole = 0
    min: Whole = 0
    max: Whole = 10
    description: ShortText | None = None


class Choice(Frozen):
    """One option at a decision, with the feedback that explains why it helps or harms."""

    label: ShortText
    goto: Slug = Field(description="Id of the scene this choice leads to")
    feedback: Text | None = Field(None, description="Why this choice helps or harms (Markdown)")
    upholds: list[Slug] = Field(default_factory=list, description="Principle ids the choice upholds")
    violates: list[Slug] = Field(default_factory=list, description="Principle ids the choice violates")
    effects: dict[VariableName, Whole] = Field(
        default_factory=dict, description="Added to variables when the choice is taken (values are clamped)"
    )
    when: str | None = Field(
        None,
        max_length=conditions.MAX_LENGTH,
        description="Condition over variables, e.g. 'risk >= 2 and not trust < 1'; the option is offered only when true",
    )

    @field_validator("when")
    @classmethod
    def _parses(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                conditions.parse(value)
            except conditions.ConditionError as err:
                raise broken("condition", at=err.offset + 1, reason=str(err)) from None
        return value

    @property
    def condition(self) -> conditions.Tree | None:
        """The parsed ``when`` (a JSON-ready tree), or None when the option is always offered."""
        return None if self.when is None else conditions.parse(self.when)


class Ending(Frozen):
    kind: Literal["good", "mixed", "harmful"]
    title: ShortText
    debrief: Text = Field(description="What this ending means and what to take from it (Markdown)")


class Node(Frozen):
    """A scene: text, then either choices or an ending."""

    text: Text = Field(description="The scene (Markdown: emphasis, lists, quotes, links; no HTML or directives)")
    speaker: Slug | None = Field(None, description="Role id of the person speaking, if any")
    choices: list[Choice] = Field(default_factory=list)
    ending: Ending | None = None
    facilitator: Text | None = Field(None, description="A note for facilitators: where to pause, what to ask")


class Scenario(Frozen):
    id: Slug
    title: ShortText
    module: Slug | None = Field(
        None, description="Optional: the module whose 'scenarios:' list names it (the list decides; if given, they must agree)")
    summary: Text
    setting: ShortText | None = Field(None, description="Where it happens, e.g. 'a tenants' association'")
    content_notes: list[ShortText] = Field(min_length=1)
    provenance: Provenance
    learner_role: Slug = Field(description="Role id the learner plays")
    roles: list[Role] = Field(min_length=1)
    variables: dict[VariableName, Variable] = Field(default_factory=dict)
    feedback: Literal["immediate", "end"] = Field(
        "immediate", description="Show each choice's feedback right after it, or only in the debrief"
    )
    start: Slug
    nodes: dict[Slug, Node] = Field(min_length=1)
    debrief: list[Text] = Field(min_length=1, description="Questions for discussion after any ending")
    references: list[ReferenceKey] = Field(default_factory=list, description="Citation keys in book/references.bib")

    def role(self, role_id: str) -> Role | None:
        return next((r for r in self.roles if r.id == role_id), None)

    @property
    def endings(self) -> dict[str, Ending]:
        return {nid: node.ending for nid, node in self.nodes.items() if node.ending is not None}
