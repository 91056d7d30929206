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

from .. import layout
from ..deferred import model_of
from ..model import CourseSettings, Module, Scenario
from ..model.translate import OVERLAY_KEYS, SPECS, ById, Fields, Leaf, Overlays, Spec, dotted, source_hash, texts
from ..read import bytes_or_empty, overlay
from . import deidentify, markup
from ..messages import message
from ..problems import Problem, did_you_mean, display_path

Part = tuple[str, str, Path, BaseModel]  # (kind, name as in Overlays.texts, original file, original item)


def _t(name: str, lang: str, /, **values: object) -> str:
    return message(f"check.translation.{name}", lang, **values)


def language_name(code: str, lang: str = "en") -> str:
    """'French' for 'fr' in English, 'français' in French (Babel knows every ISO 639-1 code; the code itself
    if it does not)."""
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(code).get_display_name(lang) or code
    except (UnknownLocaleError, ValueError):
        return code


def parts(root: Path, settings: CourseSettings, modules: Iterable[tuple[Module, Path]],
          scenarios: Iterable[tuple[Scenario, Path]]) -> list[Part]:
    """Every original a translation overlays: course.yml, then modules and scenarios."""
    return [("course", "course", root / "course.yml", settings),
            *(("module", f"module:{m.id}", file, m) for m, file in modules),
            *(("scenario", f"scenario:{s.id}", file, s) for s, file in scenarios)]


def check(root: Path, settings: CourseSettings, marks, originals: list[Part], deidentification, cache=None
          ) -> tuple[list[Problem], dict[str, Overlays]]:
    """Check every overlay of every language ``course.yml`` lists (``marks``: course.yml's); the accepted
    texts of each language. ``cache``: the check's :class:`~branchbook.check_cache.CheckCache`, which keeps
    each overlay's result by the bytes of the overlay and of its original (the course's context is in its keys)."""
    problems: list[Problem] = []
    found: dict[str, Overlays] = {}
    lang = settings.language
    for language in settings.translations:
        overlays = Overlays(language)
        absent = []
        for kind, name, file, item in originals:
            if not overlay.overlay_path(file, language).is_file():
                absent.append(display_path(overlay.overlay_path(file, language), root))
                continue
            more, accepted = _cached_part(cache, root, language, kind, file, item, deidentification, lang,
                                          _missing(settings))
            problems += more
            if accepted:
                overlays.texts[name] = accepted
        if absent:
            problems.append(marks.problem(("translations",), _t("about", lang, language=language_name(language, lang),
                                                                 text=_t("files_absent", lang, count=len(absent),
                                                                         total=len(originals),
                                                                         files=_listed(absent, lang))),
                                          _t("files_absent_hint", lang, code=language), _missing(settings)))
        problems += _home_page(root, settings, marks, language)
        found[language] = overlays
    problems += _stray_files(root, settings, {file for _, _, file, _ in originals}, lang)
    return problems, found


def _cached_part(cache, root: Path, language: str, kind: str, file: Path, item, deidentification, lang: str,
                 missing: str) -> tuple[list[Problem], dict[str, str]]:
    """:func:`check_part`, answered from ``cache`` when neither the overlay nor its original changed. ``item``
    may be a :class:`~branchbook.deferred.Deferred` model, loaded only on a miss."""
    if cache is None:
        return check_part(root, language, kind, file, model_of(item), deidentification, lang, missing)
    path = overlay.overlay_path(file, language)

    def key() -> str:
        return cache.key(f"overlay:{kind}:{language}:{display_path(path, root)}\0{display_path(file, root)}",
                         bytes_or_empty(path) + b"\0" + bytes_or_empty(file))

    before = key()
    found = cache.get(before)
    if found is None:
        found = check_part(root, language, kind, file, model_of(item), deidentification, lang, missing)
        if key() == before:  # neither was saved again while it was checked
            cache.put(before, found)
    return found


HOME_MARK = "% TRANSLATE: a copy of {original} made by `branchbook translate {code}`; translate it, then delete this line."


def _home_page(root: Path, settings: CourseSettings, marks, language: str) -> list[Problem]:
    """The book's home page (``book/intro.md``, the author's own) is translated by ``book/intro.LL.md``;
    without it the translated site shows the original's, and says so, so check says so first."""
    original, translated = root / layout.home_page(), root / layout.home_page_overlay(language)
    lang = settings.language
    if translated.is_file() and translated.read_text(encoding="utf-8").startswith(HOME_MARK.split(":")[0] + ":"):
        return [Problem(layout.home_page_overlay(language), 1, 1,
                        _t("about", lang, language=language_name(language, lang), text=_t("home_copy", lang)),
                        _t("home_copy_hint", lang), "warning")]
    if not original.is_file() or translated.is_file():
        return []
    text = _t("home_absent", lang, original=display_path(original, root), overlay=layout.home_page_overlay(language))
    return [marks.problem(("translations",), _t("about", lang, language=language_name(language, lang), text=text),
                          _t("home_absent_hint", lang, original=display_path(original, root),
                             overlay=layout.home_page_overlay(language)), _missing(settings))]


def _missing(settings: CourseSettings) -> str:
    """How a text with no translation is reported: a warning, or a notice when the course allows a
    partial translation (``rules: complete_translations: false``), whose pages say what falls back."""
    return "warning" if settings.rules.complete_translations else "notice"


def check_part(root: Path, language: str, kind: str, file: Path, item: BaseModel, deidentification,
               lang: str = "en", missing: str = "warning") -> tuple[list[Problem], dict[str, str]]:
    """The problems of one original's overlay in ``language`` and the texts it translates (dotted path -> text);
    ``lang``: the course's language, that of the messages; ``missing``: the severity of untranslated texts."""
    path = overlay.overlay_path(file, language)
    original = display_path(file, root)
    read = overlay.read(kind, path, display_path(path, root), lang)
    found = _Found(read.marks, original, _recorded(read.data), lang)
    problems = list(read.problems)
    if read.data is not None:
        problems += _language(read, language, lang)
        body = {k: v for k, v in read.data.items() if k not in OVERLAY_KEYS}
        _walk(SPECS[kind], body, item, (), found)
        _compare(kind, item, found, language, missing, _kept(read.data))
        problems += found.problems
        if deidentification is not None:
            denylist, allow = deidentification
            problems += deidentify.check_fields(found.fields.items(), read.marks, denylist, allow, lang)
        if kind == "scenario":
            problems += markup.check_scenario_fields(found.fields.items(), read.marks, lang)
        if kind == "module" and ("reading",) in found.fields:
            problems += markup.check_reading(found.fields[("reading",)], read.marks, lang)
    name = language_name(language, lang)
    problems = [dataclasses.replace(p, message=_t("about", lang, language=name, text=p.message)) for p in problems]
    return problems, {dotted(p): text for p, text in found.fields.items()}


@dataclass
class _Found:
    """What walking one overlay found: its accepted texts by path, and its problems."""

    marks: Any
    original: str  # the original's file, as shown
    recorded: dict[str, str]  # its sources: (dotted path -> hash)
    lang: str  # the language of the messages
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
        self.warn(path + ("[key]",), _t("orphan", self.lang, original=self.original, path=dotted(path)),
                  _t("orphan_hint", self.lang))


def _recorded(data: Any) -> dict[str, str]:
    sources = data.get("sources") if isinstance(data, dict) else None
    return {k: v for k, v in sources.items() if isinstance(v, str)} if isinstance(sources, dict) else {}


def _language(read: overlay.Overlay, language: str, lang: str) -> list[Problem]:
    problems = []
    said = read.data.get("language")
    if said != language:
        where = ("language",) if "language" in read.data else ()
        text = _t("language_wrong", lang, code=language, said=said) if said is not None \
            else _t("language_missing", lang, code=language)
        problems.append(read.marks.problem(where, text, _t("language_hint", lang)))
    kept = read.data.get("kept")
    if kept is not None and not (isinstance(kept, list) and all(isinstance(k, str) for k in kept)):
        problems.append(read.marks.problem(("kept",), _t("kept_shape", lang), _t("kept_shape_hint", lang)))
    sources = read.data.get("sources")
    if sources is not None and not (isinstance(sources, dict) and all(isinstance(v, str) for v in sources.values())):
        problems.append(read.marks.problem(("sources",), _t("sources_shape", lang),
                                           _t("sources_shape_hint", lang, code=language)))
    return problems


def _walk(spec: Spec, raw: Any, original: Any, path: tuple, found: _Found, leaf_type=None) -> None:
    """Accept what ``raw`` translates of ``original`` into ``found.fields``; report what it may not hold."""
    if original is None:
        found.orphan(path)
    elif isinstance(spec, Leaf):
        _leaf(raw, path, found, leaf_type)
    elif isinstance(spec, Fields):
        if not _is(dict, raw, path, found, _t("shape_fields", found.lang)):
            return
        for key, value in raw.items():
            if key in spec.parts:
                _walk(spec.parts[key], value, getattr(original, key), path + (key,), found, (spec.model, key))
            elif key in spec.structure:
                found.error(path + (key, "[key]"), _t("structure", found.lang, key=key),
                            _t("structure_hint", found.lang, key=key, original=found.original))
            else:
                found.error(path + (key, "[key]"),
                            _t("unknown_field_in", found.lang, key=key, path=dotted(path)) if path
                            else _t("unknown_field", found.lang, key=key),
                            did_you_mean(key, spec.parts, language=found.lang))
    elif isinstance(spec, ById):
        what = _t(f"what_{spec.what}", found.lang)
        if not _is(dict, raw, path, found, _t("shape_keyed", found.lang, what=what)):
            return
        keyed = spec.keyed(original)
        for key, value in raw.items():
            if key in keyed:
                _walk(spec.item, value, keyed[key], path + (key,), found, leaf_type)
            elif found.was_recorded(path + (key,)):
                found.orphan(path + (key,))
            else:
                text = _t("unknown_id_at", found.lang, what=what, key=key, path=dotted(path[:-1]),
                          original=found.original) if len(path) > 1 \
                    else _t("unknown_id", found.lang, what=what, key=key, original=found.original)
                found.error(path + (key, "[key]"), text, did_you_mean(str(key), keyed, found.original, found.lang))
    elif _is(list, raw, path, found, _t("shape_list", found.lang)):
        if len(raw) != len(original):
            found.error(path, _t("list_length", found.lang, count=len(raw), path=dotted(path), original=found.original,
                                 expected=len(original)), _t("list_length_hint", found.lang))
            return
        for i, (value, item) in enumerate(zip(raw, original)):
            _walk(spec.item, value, item, path + (i,), found, leaf_type and (*leaf_type, "item"))


def _is(kind: type, raw: Any, path: tuple, found: _Found, what: str) -> bool:
    if isinstance(raw, kind):
        return True
    found.error(path, _t("shape", found.lang, path=dotted(path), shape=what, original=found.original),
                _t("shape_hint", found.lang))
    return False


def _leaf(raw: Any, path: tuple, found: _Found, leaf_type) -> None:
    if raw is None or raw == "":
        found.error(path, _t("empty", found.lang, path=dotted(path)), _t("empty_hint", found.lang))
        return
    if not isinstance(raw, str):
        found.error(path, _t("not_text", found.lang, path=dotted(path)), _t("not_text_hint", found.lang))
        return
    try:
        _adapter(*leaf_type).validate_python(raw)
    except ValidationError as error:
        found.error(path, _t("invalid", found.lang, path=dotted(path), error=error.errors()[0]["msg"]),
                    _t("invalid_hint", found.lang))
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


def _kept(data: dict) -> set[str]:
    kept = data.get("kept")
    return {k for k in kept if isinstance(k, str)} if isinstance(kept, list) else set()


def _compare(kind: str, item: BaseModel, found: _Found, language: str, missing_severity: str, kept: set[str]) -> None:
    """Missing, not yet translated, out-of-date and unstamped texts of an overlay. A text the same as
    the original counts as not translated unless ``kept:`` lists it (an acronym, a name kept on purpose)."""
    same, unstamped, missing, total = [], [], [], 0
    lang = found.lang
    for path, text, leaf in texts(SPECS[kind], item):
        total += not leaf.kept
        key = dotted(path)
        if path not in found.fields:
            if not leaf.kept:
                missing.append(path)
            continue
        if found.fields[path] == text and not leaf.kept and key not in kept:
            same.append(path)
        if key not in found.recorded:
            unstamped.append(path)
        elif found.recorded[key] != source_hash(text):
            found.warn(path, _t("out_of_date", lang, path=key, original=found.original),
                       _t("out_of_date_hint", lang, code=language))
    if missing:
        found.problems.append(found.marks.problem(
            missing[0], _t("missing", lang, count=len(missing), total=total, paths=_listed([dotted(p) for p in missing], lang)),
            _t("missing_hint", lang, code=language), missing_severity))
    for key in sorted(kept - {dotted(path) for path, _, leaf in texts(SPECS[kind], item) if not leaf.kept}):
        found.problems.append(found.marks.problem(("kept",), _t("kept_unknown", lang, path=key, original=found.original),
                                                  _t("kept_unknown_hint", lang)))
    if same:
        found.warn(same[0], _t("same", lang, count=len(same), total=total, original=found.original,
                               path=dotted(same[0])), _t("same_hint", lang))
    if unstamped:
        found.warn(unstamped[0], _t("unstamped", lang, count=len(unstamped), path=dotted(unstamped[0])),
                   _t("unstamped_hint", lang, code=language))


def _listed(names: list[str], lang: str, most: int = 4) -> str:
    shown = message("words.list_separator", lang).join(f"'{n}'" for n in names[:most])
    return _t("and_more", lang, names=shown, count=len(names) - most) if len(names) > most else shown


def _stray_files(root: Path, settings: CourseSettings, originals: set[Path], lang: str) -> list[Problem]:
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
                listed = message("words.list_separator", lang).join(settings.translations) or _t("none", lang)
                problems.append(Problem(shown, 1, 1, _t("unlisted_file", lang, code=language, listed=listed),
                                        _t("unlisted_file_hint", lang, code=language), "warning"))
            elif original.resolve() not in {o.resolve() for o in originals}:
                text = _t("orphan_file", lang, original=display_path(original, root))
                text = _t("about", lang, language=language_name(language, lang), text=text)
                problems.append(Problem(shown, 1, 1, text, _t("orphan_file_hint", lang), "warning"))
    return problems
