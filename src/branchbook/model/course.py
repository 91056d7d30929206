"""The course: its settings (``course.yml``) and the checked modules and scenarios, in order."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from .module import Module
from .scenario import ReferenceKey, Scenario
from .types import FailureId, Frozen, ShortText, Slug, Text


class Principle(Frozen):
    """An entry of the course's controlled vocabulary that choices uphold or violate."""

    id: Slug
    name: ShortText
    group: ShortText = Field(description="e.g. 'Trauma-informed response', 'Independence'")
    description: Text
    references: list[ReferenceKey] = Field(default_factory=list)


class Failure(Frozen):
    """A catalogued failure pattern, in the course's own words."""

    id: FailureId
    title: ShortText
    module: Slug


class SupportResource(Frozen):
    name: ShortText
    description: Text
    contact: ShortText | None = None
    localise: bool = Field(True, description="True when the adopting organisation should replace it with a local one")


class GlossaryEntry(Frozen):
    term: ShortText
    definition: Text


class Allowance(Frozen):
    """A de-identification hit accepted on purpose, with the reason recorded."""

    text: ShortText
    file: str | None = None
    reason: Text


class Deidentification(Frozen):
    denylist: str | None = Field(None, description="Path (relative to course.yml) to a file of SHA-256 hashes")
    allow: list[Allowance] = Field(default_factory=list)


class LmsSettings(Frozen):
    """What a SCORM package may tell a learning-management system, which ties it to a named learner."""

    report_choices: bool = Field(False, description=(
        "Send the LMS each choice a learner takes (SCORM interactions) and their place in each scenario "
        "(to resume on another device); the first page then says so. Off: only completion and the "
        "knowledge-check score"))


class CourseSettings(Frozen):
    """``course.yml``: everything about the course that is not a module or a scenario."""

    id: Slug = Field(description="Used for the browser storage key: keep it stable")
    title: ShortText
    subtitle: ShortText | None = None
    author: ShortText
    language: Slug = "en"
    modules: list[Slug] = Field(min_length=1, description="Module ids in course order")
    principles: list[Principle] = Field(min_length=1)
    failures: list[Failure] = Field(default_factory=list)
    support: list[SupportResource] = Field(min_length=1)
    glossary: list[GlossaryEntry] = Field(default_factory=list)
    deidentification: Deidentification = Field(default_factory=Deidentification)
    lms: LmsSettings = Field(default_factory=LmsSettings)
    localise_warnings: bool = Field(
        False, description="Warn about every support entry still marked 'localise: true' (an adapted course)")


class Course(Frozen):
    """Everything the writers need, checked: settings, modules in order, scenarios in play order."""

    root: Path
    settings: CourseSettings
    modules: tuple[Module, ...]
    scenarios: tuple[Scenario, ...]
    references: tuple[str, ...] = Field(description="Citation keys defined in book/references.bib")

    def scenario(self, scenario_id: str) -> Scenario:
        return next(s for s in self.scenarios if s.id == scenario_id)

    def module(self, module_id: str) -> Module:
        return next(m for m in self.modules if m.id == module_id)

    def principle(self, principle_id: str) -> Principle:
        return next(p for p in self.settings.principles if p.id == principle_id)
