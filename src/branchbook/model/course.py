"""The course: its settings (``course.yml``) and the checked modules and scenarios, in order."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints, ValidationInfo, field_validator

from .errors import broken
from .module import Module
from .scenario import ReferenceKey, Scenario
from .types import FailureId, Frozen, ShortText, Slug, Text


def _known_language(code: str) -> str:
    """Babel (already installed with Sphinx) knows every ISO 639-1 language: 'fe' is a typo, not a language."""
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        raise broken("unknown_language", code=code) from None
    return code


LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$"), AfterValidator(_known_language)]


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


class Rules(Frozen):
    """The course's content bars, checked by ``branchbook check`` (warnings; errors with ``--strict``).

    The defaults are a floor for a first draft; a course raises them in ``course.yml`` under ``rules:``.
    A rule whose threshold is ``0``, ``null`` or ``false`` is off.
    """

    min_scenes: int = Field(5, ge=0, description="Scenes (endings included) every scenario has at least")
    min_decisions_per_path: int = Field(
        2, ge=0, description="Decisions on every way through a scenario, 'when' conditions respected")
    min_share_three_options: float = Field(
        0.5, ge=0, le=1, description="Share of a scenario's decisions that offer three or more options (at least)")
    require_ending_kinds: list[Literal["good", "mixed", "harmful"]] = Field(
        default_factory=lambda: ["good", "mixed", "harmful"], description="Ending kinds every scenario has")
    min_reading_ease: float | None = Field(
        50, description="Flesch reading ease of what a participant reads in a scenario (60-70 is plain English)")
    max_label_words: int | None = Field(25, ge=1, description="Words in a choice label at most")
    require_scripted_role: bool = Field(
        False, description="Every scenario has a role no participant plays (playable: false), e.g. the person harmed")
    require_private_brief: bool = Field(False, description="Every scenario has a role with a private brief (workshops)")
    one_person_per_name: bool = Field(True, description="No role name (or part of one) is used in two scenarios")
    cite_findings: bool = Field(
        True, description="Module readings cite a source in every sentence that states a number or a research finding")
    min_scenarios_per_module: int = Field(0, ge=0, description="Scenarios every module lists at least")
    min_objectives_per_module: int = Field(1, ge=0, description="Learning objectives every module states at least")
    min_checks_per_module: int = Field(0, ge=0, description="Knowledge-check questions every module asks at least")
    min_reading_words: int = Field(0, ge=0, description="Words in every module's reading at least")
    max_reading_words: int | None = Field(None, ge=1, description="Words in every module's reading at most")
    cover_every_failure: bool = Field(True, description="Every failure pattern in 'failures:' is taught by a scenario")
    complete_translations: bool = Field(True, description=(
        "Every text has a translation in every language under 'translations:'. When false, a partial "
        "translation is allowed: missing files and texts are notices, not warnings, and their pages fall "
        "back to the original and say so"))
    require_glossary_terms: list[ShortText] = Field(
        default_factory=list, description="Terms the glossary must define (compared ignoring case)")
    words_per_minute: int = Field(150, ge=1, description="Reading speed used to estimate a module's time")
    minutes_per_decision: float = Field(3, ge=0, description="Discussion time per decision, for the module time estimate")


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
    translations: list[LanguageCode] = Field(default_factory=list, description=(
        "Languages the course is translated into (ISO 639-1), each by overlay files such as "
        "scenarios/<id>.fr.yml; see docs/translating.md"))
    modules: list[Slug] = Field(min_length=1, description="Module ids in course order")
    principles: list[Principle] = Field(min_length=1)
    failures: list[Failure] = Field(default_factory=list)
    support: list[SupportResource] = Field(min_length=1)
    glossary: list[GlossaryEntry] = Field(default_factory=list)
    deidentification: Deidentification = Field(default_factory=Deidentification)
    lms: LmsSettings = Field(default_factory=LmsSettings)
    localise_warnings: bool = Field(
        False, description="Warn about every support entry still marked 'localise: true' (an adapted course)")
    rules: Rules = Field(default_factory=Rules)

    @field_validator("translations")
    @classmethod
    def _translations_distinct(cls, codes: list[str], info: ValidationInfo) -> list[str]:
        if info.data.get("language") in codes:
            raise broken("translation_is_original", code=info.data["language"])
        if len(set(codes)) != len(codes):
            raise broken("translation_twice")
        return codes


class Course(Frozen):
    """Everything the writers need, checked: settings, modules in order, scenarios in play order."""

    root: Path
    settings: CourseSettings
    modules: tuple[Module, ...]
    scenarios: tuple[Scenario, ...]
    references: tuple[str, ...] = Field(description="Citation keys defined in book/references.bib")
    translation: Translation | None = Field(None, description="Set on a translated course (model/translate.py)")

    @property
    def source(self) -> "Course":
        """The course in its original language: what a translated course was made from (its choice keys,
        which saved progress stores, come from the original's labels), or the course itself."""
        return self.translation.original if self.translation is not None else self

    def scenario(self, scenario_id: str) -> Scenario:
        return next(s for s in self.scenarios if s.id == scenario_id)

    def module(self, module_id: str) -> Module:
        return next(m for m in self.modules if m.id == module_id)

    def principle(self, principle_id: str) -> Principle:
        return next(p for p in self.settings.principles if p.id == principle_id)


class Translation(Frozen):
    """What a translated course keeps of its original: the original itself, and which texts are still the
    original's (a missing translation falls back to it; the page says so)."""

    original: Course
    fell_back: dict[str, tuple[str, ...]] = Field(
        description="'course', 'module:<id>' or 'scenario:<id>' -> dotted paths of texts shown untranslated")

    def untranslated(self, part: str) -> tuple[str, ...]:
        return self.fell_back.get(part, ())
