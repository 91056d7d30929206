"""Read every course file, run every check, and build the one immutable course model.

This is the only place that knows the course's file layout. Writers receive the
:class:`~branchbook.model.Course` it returns and never touch the source files.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import re
import time
from contextlib import contextmanager
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from . import parallel
from .check import content_rules, course_rules, deidentify, gaps, graph, markup, schema, states, translations
from .check.partial import LeftOut
from .check_cache import CheckCache
from .deferred import Deferred, model_of
from .model import Course, CourseSettings, Module, Scenario, translate
from .messages import message
from .model.texts import module_texts, scenario_texts
from .problems import Problem, Report, display_paths
from .read import bibtex_keys, bytes_or_empty, markdown_source, overlay, yaml_source
from .read.lazy_marks import LazySourceMap
from .source_map import SourceMap

COURSE_FILE = "course.yml"
BIBLIOGRAPHY = Path("book") / "references.bib"


class CourseNotFound(Exception):
    """The path given is not a course (a usage error, not a content problem)."""


@dataclass
class Loaded:
    """A checked course. Its model is assembled on first use (``course``): `check` alone never needs it,
    and assembling it reads every scenario's whole model back from the check cache."""

    report: Report
    root: Path | None = None
    parts: list = field(default_factory=list)  # what translations overlay: (kind, name, file, item or Deferred)
    language: str = "en"  # the language of the course's words: its own (also when it did not load), or the translation's
    counts: tuple[int, int] = (0, 0)  # modules, scenarios (of the course, when it loaded)
    assemble: Callable[[], Course] | None = None  # None: the course did not load

    @cached_property
    def course(self) -> Course | None:
        if self.assemble is None:
            return None
        with _collector_paused():
            return self.assemble()

    @cached_property
    def originals(self) -> list:
        """What translations overlay: (kind, name, file, model)."""
        return [(kind, name, file, model_of(item)) for kind, name, file, item in self.parts]


def find_root(path: Path) -> Path:
    """The course folder: ``path`` itself or the nearest folder above it holding ``course.yml``
    (as git finds ``.git``), so every command works from any folder inside a course."""
    path = path.resolve()
    if not path.exists():
        raise CourseNotFound(f"{path} does not exist: give the folder of a course (the one with {COURSE_FILE}) "
                             "or any folder inside it")
    start = path.parent if path.is_file() else path
    for folder in (start, *start.parents):
        if (folder / COURSE_FILE).is_file():
            return folder
    raise CourseNotFound(f"no {COURSE_FILE} in {start} or any folder above it: give the folder of a course "
                         f"(the one with {COURSE_FILE}) or any folder inside it")


_LANGUAGE_LINE = re.compile(r"^language:[ \t]*(['\"]?)([A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*)\1[ \t]*(?:#.*)?$", re.M)


def course_language(root: Path, raw: Any = None) -> str:
    """The language ``course.yml`` asks for: from its data (``raw``), else, when it is not readable as YAML,
    from a top-level ``language:`` line, so that even its syntax errors are worded in that language."""
    if isinstance(raw, dict):
        value = raw.get("language")
        return value if isinstance(value, str) else "en"
    try:
        found = _LANGUAGE_LINE.search((root / COURSE_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return "en"
    return found.group(2) if found else "en"


def _read_settings(root: Path) -> tuple[Any, SourceMap, list[Problem], str]:
    """course.yml's data, source map and problems, and the course's language. The language is known only once
    the file is read: a file with problems in another language is read again, for their words."""
    raw, marks, problems = yaml_source.read(root / COURSE_FILE, COURSE_FILE)
    lang = course_language(root, raw)
    if problems and lang != "en":
        raw, marks, problems = yaml_source.read(root / COURSE_FILE, COURSE_FILE, lang)
    return raw, marks, problems, lang


def _settings(root: Path, cache: CheckCache, course_bytes: bytes
              ) -> tuple[list[Problem], CourseSettings | None, SourceMap, str]:
    """course.yml's problems, its settings (None when other files cannot rely on them), its source map and the
    course's language: from ``cache`` when course.yml is unchanged (its bytes are the cache's context), which
    spares a warm check building the settings' validator."""
    key = cache.key("settings:" + COURSE_FILE, b"")
    found = cache.get(key)
    if found is None:
        raw, marks, problems, lang = _read_settings(root)
        more, valid = schema.validate_partly(CourseSettings, raw, marks, "course settings", lang) \
            if raw is not None else ([], None)
        found = ([*problems, *more], valid.item if valid is not None and valid.whole_for_other_files else None,
                 valid.marks if valid is not None else marks, lang)
        if bytes_or_empty(root / COURSE_FILE) == course_bytes:  # not saved again while it was read
            cache.put(key, found)
    return found


def source_files(root: Path) -> tuple[list[Path], list[Path]]:
    """The original module and scenario files (translation overlays such as ``x.fr.yml`` are not among them)."""
    # sorted by name as text: the same order as by Path (one folder each), without Path's slow comparisons
    modules = [p for p in sorted((root / "modules").glob("*.md"), key=str) if not overlay.is_overlay(p)]
    scenarios = [p for p in sorted([*(root / "scenarios").glob("*.yml"), *(root / "scenarios").glob("*.yaml")], key=str)
                 if not overlay.is_overlay(p)]
    return modules, scenarios


def load_course(path: Path, language: str | None = None) -> Loaded:
    """The checked course, in its own language or (``language``) in one of the translations it lists."""
    root = find_root(path)
    with _collector_paused():
        return _load(root, language)


@contextmanager
def _collector_paused():
    """Pause Python's cyclic garbage collector while loading: a course is many objects that all stay alive,
    and the collector would scan them again and again for nothing (half of a warm check's time). Then
    leave what exists out of its scans (``gc.freeze``): objects that are freed still are, by reference
    counting; only cycles among them would wait."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _load(root: Path, language: str | None = None) -> Loaded:
    report = Report()
    course_bytes = bytes_or_empty(root / COURSE_FILE)
    cache = CheckCache(root / "book" / "_build" / ".cache" / "check", course_bytes, report.notes)
    problems, settings, settings_marks, lang = _settings(root, cache, course_bytes)
    report.extend(problems)
    denylist, problems, denylist_bytes = _denylist(root, settings, settings_marks, lang)
    report.extend(problems)
    cache.add_context(denylist_bytes)
    deidentification = None if settings is None or problems else (denylist, settings.deidentification.allow)
    principles = frozenset(p.id for p in settings.principles) if settings is not None else None

    def check_file(job: tuple[str, Path, str]) -> tuple[FileResult, SourceMap]:
        kind, file, shown = job
        return _check_file(kind, file, shown, deidentification, settings.rules if settings is not None else None,
                           lang, principles)

    module_files, scenario_files = source_files(root)
    files = [("module", file) for file in module_files] + [("scenario", file) for file in scenario_files]
    shown = display_paths([file for _, file in files], root)
    jobs = [(kind, file, name) for (kind, file), name in zip(files, shown, strict=True)]
    results = _check_files(jobs, check_file, cache)
    for result, _ in results:
        report.extend(result.problems)
    if settings is None:
        cache.finish()
        return Loaded(report, root, language=lang)

    def of_kind(kind: str, keep) -> list:
        return [(r.item, marks) for (r, marks), job in zip(results, jobs) if job[0] == kind and keep(r)]

    whole_modules, modules = of_kind("module", FileResult.whole), of_kind("module", FileResult.usable)
    whole_scenarios, scenarios = of_kind("scenario", FileResult.whole), of_kind("scenario", FileResult.usable)
    content_parts, module_parts = ([r.content for (r, _), job in zip(results, jobs) if job[0] == kind and r.whole()]
                                   for kind in ("scenario", "module"))
    all_module_ids = [i for (r, _), job in zip(results, jobs) if job[0] == "module" for i in r.claimed]
    all_ids = [i for (r, _), job in zip(results, jobs) if job[0] == "scenario" for i in r.claimed]

    references = bibtex_keys.keys(root / BIBLIOGRAPHY)
    report.extend(course_rules.check(settings, settings_marks, modules, scenarios, references, all_ids, all_module_ids))
    report.extend(content_rules.check(settings, settings_marks, whole_modules, whole_scenarios,
                                      len(whole_scenarios) == len(scenario_files), content_parts, module_parts))
    parts = translations.parts(root, settings, *(
        [(r.item, job[1]) for (r, _), job in zip(results, jobs) if job[0] == kind and r.whole()]
        for kind in ("module", "scenario")))
    problems, overlays = translations.check(root, settings, settings_marks, parts, deidentification, cache)
    cache.finish()
    report.extend(problems)
    if language not in (None, settings.language, *settings.translations):
        report.add(settings_marks.problem(("translations",), message("check.translation.no_such_language",
                                                                     settings.language, code=language),
                                          message("check.translation.no_such_language_hint", settings.language,
                                                  code=language)))

    if report.errors:  # no course; its whole files stay at hand (``map`` draws a clean scenario of a broken course)
        return Loaded(report, root, parts, language=lang)
    ordered_modules = tuple(m for mid in settings.modules for m, _ in whole_modules if m.id == mid)

    def assemble() -> Course:
        by_id = {s.id: s for s, _ in whole_scenarios}
        # the module's list is the source of truth; a scenario's own 'module:' is optional and agrees with it
        ordered_scenarios = tuple(model_of(by_id[sid]).model_copy(update={"module": m.id})
                                  for m in ordered_modules for sid in m.scenarios)
        # Every part is validated already: constructing without validating again spares building the schema of
        # every model (a third of a warm check's start) in a process that never validates a module or scenario.
        course = Course.model_construct(root=root, settings=settings, modules=ordered_modules,
                                        scenarios=ordered_scenarios, references=tuple(references))
        return translate.translated(course, overlays[language]) if language in overlays else course

    return Loaded(report, root, parts, language if language in overlays else lang,
                  (len(ordered_modules), sum(len(m.scenarios) for m in ordered_modules)), assemble)


def _scenario_checks(scenario: Scenario, marks: SourceMap, left_out: LeftOut,
                     language: str = "en") -> list[Problem]:
    """The rules that need one whole scenario (and nothing else of the course); ``left_out`` says what
    schema problems left out of a partial scenario."""
    return [*graph.check(scenario, marks, left_out, language), *states.check(scenario, marks, left_out=left_out, lang=language),
            *markup.check_scenario_fields(scenario_texts(scenario), marks, language), *gaps.check(scenario, marks, language)]


def _module_checks(module: Module, marks: SourceMap, left_out: LeftOut, language: str = "en") -> list[Problem]:
    """The rules that need one whole module (and nothing else of the course)."""
    return list(markup.check_reading(module.reading, marks, language))


@dataclass(frozen=True)
class FileResult:
    """What checking one file on its own found: this is what the check cache keeps."""

    item: Module | Deferred | None  # the model (of the file's valid parts; a scenario's Deferred), or None when nothing useful is left
    left_out: LeftOut | None  # what schema problems left out of it
    for_other_files: bool  # whether the rules across files may use it (nothing naming other files left out)
    problems: tuple[Problem, ...]
    content: content_rules.ScenarioPart | content_rules.ModulePart | None  # a whole file's content bars, judged on its own
    claimed: tuple[str, ...]  # every id the file claims, also when it failed: others naming it are not told it is missing

    def whole(self) -> bool:
        return self.item is not None and not self.left_out

    def usable(self) -> bool:
        return self.item is not None and self.for_other_files


_KINDS = {  # kind -> (reader, model, what, per-file rules, its texts for de-identification)
    "module": (lambda file, shown, language: markdown_source.read(file, shown, language)[:3], Module, "module",
               lambda module, marks, left_out, language: _module_checks(module, marks, left_out, language), module_texts),
    "scenario": (lambda file, shown, language: yaml_source.read(file, shown, language), Scenario, "scenario",
                 lambda scenario, marks, left_out, language: _scenario_checks(scenario, marks, left_out, language),
                 scenario_texts),
}


def _read_and_validate(kind: str, file: Path, shown: str, language: str = "en"):
    """The file's data, its problems so far (in the course's ``language``), and its (partial) model with its
    source map."""
    read, model, what, _, _ = _KINDS[kind]
    raw, marks, problems = read(file, shown, language)
    found = None
    if raw is not None:
        more, found = schema.validate_partly(model, raw, marks, what, language)
        problems = problems + more
    return raw, marks, problems, found


def _check_file(kind: str, file: Path, shown: str, deidentification, rules, language: str = "en",
                principles: frozenset[str] | None = None) -> tuple[FileResult, SourceMap]:
    """Read, validate and check one file on its own (course-wide rules come later, on every file's result).
    ``principles``: the ids course.yml declares (part of every cache key, as course.yml is), or None when
    course.yml did not load."""
    _, _, _, checks, texts = _KINDS[kind]
    raw, marks, problems, found = _read_and_validate(kind, file, shown, language)
    claimed = []
    if found is not None:
        problems += checks(found.item, found.marks, found.left_out, language)
        marks = found.marks
    if found is not None and found.whole_for_other_files:
        if deidentification is not None:
            denylist, allow = deidentification
            problems += deidentify.check_fields(texts(found.item), found.marks, denylist, allow, language)
        if kind == "scenario" and principles is not None:
            problems += course_rules.unknown_principles(found.item, found.marks, principles, language)
        problems += course_rules.named_for_its_id(found.item, file, found.marks, language)
    else:
        claimed.append(file.stem)
    if isinstance(raw, dict) and isinstance(raw.get("id"), str):
        claimed.append(raw["id"])
    content = None
    if found is not None and not found.left_out and rules is not None:
        part = content_rules.scenario_part if kind == "scenario" else content_rules.module_part
        content = part(found.item, found.marks, rules, language)
    item = found.item if found else None
    result = FileResult(Deferred.of(item) if kind == "scenario" and item is not None else item,
                        found.left_out if found else None,
                        bool(found and found.whole_for_other_files), tuple(problems), content, tuple(claimed))
    return result, marks


def _check_files(jobs, check_file, cache: CheckCache) -> list[tuple[FileResult, SourceMap]]:
    """Every job's result with its source map: from the cache where the file is unchanged (its map then
    parsed again only if a course-wide rule asks for a position), else computed, on every core when many."""
    results: list = [None] * len(jobs)
    missing: list[tuple[int, str]] = []
    for i, (kind, file, shown) in enumerate(jobs):
        key = cache.key(kind + ":" + shown, _digest(file))
        cached = cache.get(key)
        if cached is None:
            missing.append((i, key))
        else:
            results[i] = (cached, _lazy_marks(jobs[i]))
    pickled = parallel.map_pickled(lambda i: check_file(jobs[i])[0], [i for i, _ in missing], _build_validators)
    # Each worker's result is saved as it comes back, while the workers go on. (``pickled`` first: zip asks it once
    # more after the last result, which lets the workers' pool close.)
    for blob, (i, key) in zip([None] * len(missing) if pickled is None else pickled, missing):
        if blob is None:
            result, marks = check_file(jobs[i])
        else:
            result, marks = pickle.loads(blob), _lazy_marks(jobs[i])
        kind, file, shown = jobs[i]
        if cache.key(kind + ":" + shown, _digest(file)) == key:  # not saved again while it was checked
            cache.put(key, result, blob)
        results[i] = (result, marks)
    return results


def _build_validators() -> None:
    """The models build their validators when first used (``defer_build``): build them once before forking
    (and import what the reading ease needs, also used by every worker)."""
    for model in (Module, Scenario):
        model.model_rebuild(force=True)
    content_rules.measures.prepare()


def _lazy_marks(job: tuple[str, Path, str]) -> LazySourceMap:
    """The file's source map, read again (and re-keyed as for its partial model) only when asked for."""

    def load() -> SourceMap:
        _, marks, _, found = _read_and_validate(*job)
        return found.marks if found is not None else marks

    return LazySourceMap(job[2], load)


_DIGESTS: dict[Path, tuple[tuple[int, ...], bytes]] = {}  # this process's file digests, by their stat signature
_SETTLED_NS = 2_000_000_000  # a file last changed longer ago than this is not changed again in the same clock tick


def _digest(path: Path) -> bytes:
    """The SHA-256 of the file's bytes, for its cache key. Within one process (``serve`` checks at every save)
    a file whose size, inode and change times are what they were when it was last read is not read again:
    the signature is remembered only for a file changed at least two seconds before it was read, so a later
    save cannot fall in the same clock tick unseen, and ``ctime`` moves with every change and cannot be set
    back. A new process reads every file (a stat signature kept on disk would be trusted across tools
    and clocks that the content hash need not trust)."""
    try:
        stat = os.stat(path)
    except OSError:
        return hashlib.sha256(b"").digest()  # the reader reports why
    signature = (stat.st_size, stat.st_ino, stat.st_mtime_ns, stat.st_ctime_ns)
    known = _DIGESTS.get(path)
    if known is not None and known[0] == signature:
        return known[1]
    digest = hashlib.sha256(bytes_or_empty(path)).digest()
    if time.time_ns() - max(stat.st_mtime_ns, stat.st_ctime_ns) > _SETTLED_NS:
        _DIGESTS[path] = (signature, digest)
    return digest


def _denylist(root: Path, settings: CourseSettings | None, marks: SourceMap, lang: str
              ) -> tuple[frozenset[str], list[Problem], bytes]:
    """The course's denylist (and its bytes, for the cache key), or the problem of finding it."""
    name = settings.deidentification.denylist if settings is not None else None
    if not name:
        return frozenset(), [], b""
    path = root / name
    if not path.is_file():
        return frozenset(), [marks.problem(("deidentification", "denylist"),
                                           message("check.denylist_not_found", lang, name=name),
                                           message("check.denylist_not_found_hint", lang))], b""
    return deidentify.load_denylist(path), [], path.read_bytes()
