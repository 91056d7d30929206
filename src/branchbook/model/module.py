"""A module (chapter): objectives, a reading, its scenarios in order, and a knowledge check."""

from __future__ import annotations

from pydantic import Field, model_validator

from .errors import broken
from .types import Frozen, ShortText, Slug, Text, Whole


class Option(Frozen):
    text: Text
    correct: bool = False
    explanation: Text = Field(description="Why this option is right or wrong; shown when it is chosen")


class KnowledgeCheck(Frozen):
    id: Slug
    question: Text
    options: list[Option] = Field(min_length=2, max_length=8, json_schema_extra={
        "contains": {"properties": {"correct": {"const": True}}, "required": ["correct"]}})

    @model_validator(mode="after")
    def _one_correct(self) -> "KnowledgeCheck":
        if not any(option.correct for option in self.options):
            raise broken("no_correct_option")
        return self


class Module(Frozen):
    id: Slug
    title: ShortText
    summary: Text | None = None
    duration: Whole = Field(gt=0, le=24 * 60, description="Minutes a workshop needs for this module")
    objectives: list[ShortText] = Field(min_length=1, description="'After this module you can …' statements")
    scenarios: list[Slug] = Field(default_factory=list, description="Scenario ids, in the order they are played")
    discussion: list[Text] = Field(default_factory=list)
    checks: list[KnowledgeCheck] = Field(default_factory=list)
    mastery: Whole | None = Field(None, ge=0, le=100, description=(
        "Percent of the knowledge-check questions a learner must answer right at the first try to pass; "
        "a SCORM package reports the score and passed/failed to the LMS only when this is set"))
    reading: Text = Field(description="The module's reading: the Markdown body after the front matter")
