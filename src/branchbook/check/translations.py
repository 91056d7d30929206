"""Translation overlays against their originals: what a translator can get wrong, and what is left to do.

Errors: structure in an overlay (only text is translated), an id the original does not have (with a
'did you mean'), a list of the wrong length, a value that is not text. Warnings (errors under
``--strict``, like every warning of ``check``): a text the overlay lacks (the original shows), a text
still the same as the original (not translated yet), an orphaned text (the original no longer has it),
and an out-of-date one (the original changed since ``branchbook translate LL --stamp`` recorded it).
Every message names the language; the de-identification and markup checks run on overlay text too.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Iterable, Union, get_args, get_origin

from pydantic import BaseModel, TypeAdapter, ValidationError

from ..model import CourseSettings, Module, Scenario
from ..model.translate import OVERLAY_KEYS, SPECS, ById, Fields, Leaf, Overlays, Spec, dotted, source_hash, texts
from ..read import overlay
from . import deidentify, markup
from ..problems import Problem, did_you_mean, display_path

Part = tuple[str, str, Path, BaseModel]  # (kind, name as in Overlays.texts, original file, original item)


def language_name(code: str) -> str:
    """'French' for 'fr' (Babel knows every ISO 639-1 code; the code itself if it does not)."""
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(code).get_display_name("en") or code
    except (UnknownLocaleError, ValueError):
        return code


def parts(root: Path, settings: CourseSettings, modules: Iterable[tuple[Module, Path]],
          scenarios: Iterable[tuple[Scenario, Path]]) -> list[Part]:
    """Every original a translation overlays: course.yml, then modules and scenarios."""
    return [("course", "course", root / "course.yml", settings),
            *(("module", f"module:{m.id}", file, m) for m, file in modules),
            *(("scenario", f"scenario:{s.id}", file, s) for s, file in scenarios)]


def check(root: Path, settings: CourseSettings, marks, originals: list[Part], deidentification
          ) -> tuple[list[Problem], dict[str, Overlays]]:
    """Check every overlay of every language ``course.yml`` lists (``marks``: course.yml's); the accepted
    texts of each language."""
    problems: list[Problem] = []
    found: dict[str, Overlays] = {}
    for language in settings.translations:
        overlays = Overlays(language)
        absent = []
        for kind, name, file, item in originals:
            if not overlay.overlay_path(file, language).is_file():
                absent.append(display_path(overlay.overlay_path(file, language), root))
                continue
            more, accepted = check_part(root, language, kind, file, item, deidentification)
            problems += more
            if accepted:
                overlays.texts[name] = accepted
        if absent:
            problems.append(marks.problem(
                ("translations",), f"{language_name(language)} translation: {len(absent)} of {len(originals)} "
                f"translation file(s) do not exist, so their texts show untranslated: {_listed(absent)}",
                f"run `branchbook translate {language}` to create them with the texts to translate", "warning"))
        found[language] = overlays
    problems += _stray_files(root, settings, {file for _, _, file, _ in originals})
    return problems, found


def check_part(root: Path, language: str, kind: str, file: Path, item: BaseModel, deidentification
               ) -> tuple[list[Problem], dict[str, str]]:
    """The problems of one original's overlay in ``language`` and the texts it translates (dotted path -> text)."""
    about = f"{language_name(language)} translation: "
    path = overlay.overlay_path(file, language)
    original = display_path(file, root)
    read = overlay.read(kind, path, display_path(path, root))
    found = _Found(read.marks, original, _recorded(read.data))
    problems = list(read.problems)
    if read.data is not None:
        problems += _language(read, language)
        body = {k: v for k, v in read.data.items() if k not in OVERLAY_KEYS}
        _walk(SPECS[kind], body, item, (), found)
        _compare(kind, item, found, language)
        problems += found.problems
        if deidentification is not None:
            denylist, allow = deidentification
            problems += deidentify.check_fields(found.fields.items(), read.marks, denylist, allow)
        if kind == "scenario":
            problems += markup.check_scenario_fields(found.fields.items(), read.marks)
        if kind == "module" and ("reading",) in found.fields:
            problems += markup.check_reading(found.fields[("reading",)], read.marks)
    problems = [dataclasses.replace(p, message=about + p.message) for p in problems]
    return problems, {dotted(p): text for p, text in found.fields.items()}


@dataclass
class _Found:
    """What walking one overlay found: its accepted texts by path, and its problems."""

    marks: Any
    original: str  # the original's file, as shown
    recorded: dict[str, str]  # its sources: (dotted path -> hash)
    fields: dict[tuple, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def error(self, path: tuple, message: str, hint: str | None = None) -> None:
        self.problems.append(self.marks.problem(path, message, hint))

    def warn(self, path: tuple, message: str, hint: str | None = None) -> None:
        self.problems.append(self.marks.problem(path, message, hint, "warning"))

    def was_recorded(self, path: tuple) -> bool:
        """Whether ``sources:`` names this path or a text below it: the original had it when it was stamped."""
        key = dotted(path)
        return any(k == key or k.startswith(key + ".") for k in self.recorded)

    def orphan(self, path: tuple) -> None:
        self.warn(path + ("[key]",), f"orphaned: {self.original} has no '{dotted(path)}' (any more); this text "
                  "is not shown",
                  "delete it, or move the translation to where the text is now (`branchbook translate` "
                  "adds the new fields)")


def _recorded(data: Any) -> dict[str, str]:
    sources = data.get("sources") if isinstance(data, dict) else None
    return {k: v for k, v in sources.items() if isinstance(v, str)} if isinstance(sources, dict) else {}


def _language(read: overlay.Overlay, language: str) -> list[Problem]:
    problems = []
    said = read.data.get("language")
    if said != language:
        where = ("language",) if "language" in read.data else ()
        problems.append(read.marks.problem(where, f"the file must say 'language: {language}'"
                                           + (f", not '{said}'" if said is not None else ""),
                                           "the language of a translation file is the code before its extension"))
    sources = read.data.get("sources")
    if sources is not None and not (isinstance(sources, dict) and all(isinstance(v, str) for v in sources.values())):
        problems.append(read.marks.problem(("sources",), "'sources' must map field paths to hashes",
                                           f"never edit it by hand: delete it and run `branchbook translate "
                                           f"{language} --stamp`"))
    return problems


def _walk(spec: Spec, raw: Any, original: Any, path: tuple, found: _Found, leaf_type=None) -> None:
    """Accept what ``raw`` translates of ``original`` into ``found.fields``; report what it may not hold."""
    if original is None:
        found.orphan(path)
    elif isinstance(spec, Leaf):
        _leaf(raw, path, found, leaf_type)
    elif isinstance(spec, Fields):
        if not _is(dict, raw, path, found, "a mapping of fields"):
            return
        for key, value in raw.items():
            if key in spec.parts:
                _walk(spec.parts[key], value, getattr(original, key), path + (key,), found, (spec.model, key))
            elif key in spec.structure:
                found.error(path + (key, "[key]"), f"'{key}' is structure, not text: only text is translated here",
                            f"change the structure in {found.original}; delete '{key}' from this file")
            else:
                found.error(path + (key, "[key]"), f"unknown field '{key}'" + (f" in '{dotted(path)}'" if path else ""),
                            did_you_mean(key, spec.parts))
    elif isinstance(spec, ById):
        if not _is(dict, raw, path, found, f"a mapping keyed by {spec.what} id"):
            return
        keyed = spec.keyed(original)
        for key, value in raw.items():
            if key in keyed:
                _walk(spec.item, value, keyed[key], path + (key,), found, leaf_type)
            elif found.was_recorded(path + (key,)):
                found.orphan(path + (key,))
            else:
                where = f" at '{dotted(path[:-1])}'" if len(path) > 1 else ""
                found.error(path + (key, "[key]"), f"no {spec.what} '{key}'{where} in {found.original}",
                            did_you_mean(str(key), keyed, found.original))
    elif _is(list, raw, path, found, "a list"):
        if len(raw) != len(original):
            found.error(path, f"this list has {len(raw)} item(s); '{dotted(path)}' in {found.original} has "
                        f"{len(original)}", "translate item by item, in the same order and number as the original")
            return
        for i, (value, item) in enumerate(zip(raw, original)):
            _walk(spec.item, value, item, path + (i,), found, leaf_type and (*leaf_type, "item"))


def _is(kind: type, raw: Any, path: tuple, found: _Found, what: str) -> bool:
    if isinstance(raw, kind):
        return True
    found.error(path, f"'{dotted(path)}' must be {what}, as in {found.original}",
                "compare its shape with the original's")
    return False


def _leaf(raw: Any, path: tuple, found: _Found, leaf_type) -> None:
    if raw is None or raw == "":
        found.error(path, f"'{dotted(path)}' is empty",
                    "write the translation, or delete the field to show the original")
        return
    if not isinstance(raw, str):
        found.error(path, f"'{dotted(path)}' must be text", "put the text in quotes")
        return
    try:
        _adapter(*leaf_type).validate_python(raw)
    except ValidationError as error:
        found.error(path, f"'{dotted(path)}': {error.errors()[0]['msg']}", "shorten it or remove the character")
        return
    found.fields[path] = raw


@cache
def _adapter(model: type[BaseModel], name: str, item: str | None = None) -> TypeAdapter:
    """A validator for one text field, from the model's own type for it (its length limit, no control characters)."""
    info = model.model_fields[name]
    kind = _item_type(info.annotation) if item else info.annotation
    return TypeAdapter(Annotated[(kind, *info.metadata)] if info.metadata and not item else kind)


def _item_type(kind: Any) -> Any:
    """``X`` of ``list[X]``, through ``Optional`` and ``Annotated``."""
    if get_origin(kind) is Annotated:
        return _item_type(get_args(kind)[0])
    if get_origin(kind) in (Union, UnionType):
        return _item_type(next(a for a in get_args(kind) if a is not type(None)))
    return get_args(kind)[0]


def _compare(kind: str, item: BaseModel, found: _Found, language: str) -> None:
    """Missing, not yet translated, out-of-date and unstamped texts of an overlay."""
    same, unstamped, missing, total = [], [], [], 0
    translate = f"`branchbook translate {language}`"
    for path, text, leaf in texts(SPECS[kind], item):
        total += not leaf.kept
        key = dotted(path)
        if path not in found.fields:
            if not leaf.kept:
                missing.append(path)
            continue
        if found.fields[path] == text and not leaf.kept:
            same.append(path)
        if key not in found.recorded:
            unstamped.append(path)
        elif found.recorded[key] != source_hash(text):
            found.warn(path, f"'{key}' is out of date: {found.original} changed it since it was translated",
                       f"compare with the original, update the translation, then run {translate[:-1]} --stamp`")
    if missing:
        found.warn(missing[0], f"{len(missing)} of {total} text(s) are not in this file, so the original's show: "
                   f"{_listed([dotted(p) for p in missing])}", f"run {translate} to add them, then translate them")
    if same:
        found.warn(same[0], f"{len(same)} of {total} text(s) are still the same as in {found.original} "
                   f"(not translated yet?), first '{dotted(same[0])}'", "translate them; a text that stays the "
                   "same in this language can stay")
    if unstamped:
        found.warn(unstamped[0], f"{len(unstamped)} translated text(s) have no source hash, first "
                   f"'{dotted(unstamped[0])}': a later change of the original cannot be detected",
                   f"when they match the original, run {translate[:-1]} --stamp`")


def _listed(names: list[str], most: int = 4) -> str:
    shown = ", ".join(f"'{n}'" for n in names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def _stray_files(root: Path, settings: CourseSettings, originals: set[Path]) -> list[Problem]:
    """Overlay files no listed translation reads: an unlisted language, or an original that is gone (renamed)."""
    problems = []
    for folder, pattern in (("modules", "*.md"), ("scenarios", "*.y*ml"), (".", "course.*.yml")):
        for path in sorted((root / folder).glob(pattern)):
            if not overlay.is_overlay(path):
                continue
            stem, _, language = path.stem.rpartition(".")
            original = path.with_name(stem + path.suffix)
            shown = display_path(path, root)
            if language not in settings.translations:
                listed = ", ".join(settings.translations) or "none"
                problems.append(Problem(shown, 1, 1, f"translation file for '{language}', which course.yml does not "
                                        f"list under translations (listed: {listed}): it is not checked or built",
                                        f"add {language} to translations: in course.yml, or delete the file",
                                        "warning"))
            elif original.resolve() not in {o.resolve() for o in originals}:
                problems.append(Problem(shown, 1, 1, f"{language_name(language)} translation: orphaned file: there is "
                                        f"no {display_path(original, root)} (or it does not check) to translate",
                                        "rename it after the original's new name, or delete it", "warning"))
    return problems
