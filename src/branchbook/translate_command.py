"""``branchbook translate LL``: the overlay files a translator works in, kept in step with the originals.

As gettext's ``msgmerge`` does for a ``.po`` file: a missing overlay is created holding the original
texts in the overlay's shape, and an existing one gets the texts it lacks, its translated texts left
as they are. ``--stamp`` records the hash of each original text the overlay translates (``sources:``),
so that ``check`` can say when an original changes after its translation.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import click
import yaml

from . import layout, output
from .check import translations
from .problems import display_path
from .load import COURSE_FILE, CourseNotFound, load_course
from .messages import message
from .model.translate import SPECS, dotted, source_hash, texts
from .read import overlay


@click.command("translate")
@click.argument("language")
@click.argument("course", type=click.Path(path_type=Path), default=".", required=False)
@click.option("--stamp", is_flag=True, help="Record the current originals' hashes (sources:) for every text the "
              "overlays translate: run it when the translation matches the originals.")
def translate_command(language: str, course: Path, stamp: bool) -> None:
    """Create or update the LANGUAGE translation files of COURSE (course.LL.yml, modules/<id>.LL.md,
    scenarios/<id>.LL.yml).

    A missing file is created with the original texts to translate; an existing one gets the texts it
    lacks, and keeps its translated ones. The language is added to translations: in course.yml when
    that list is absent. --stamp edits only the sources: block, keeping every comment; adding texts
    rewrites the file in the command's own layout, keeping only the comments at its top.
    See docs/translating.md.
    """
    from .cli import language_at, report_problems

    if not overlay.LANGUAGE_CODE.match(language):
        raise click.BadParameter(message("cli.translate.not_code", language_at(course), code=language),
                                 param_hint="LANGUAGE")
    try:
        loaded = load_course(course)
    except CourseNotFound as error:
        raise click.UsageError(str(error)) from None
    lang = loaded.language  # the course's own: the one its author reads
    if loaded.report.errors:
        report_problems(loaded, strict=False)
        click.echo(message("cli.translate.nothing_written", lang), err=True)
        sys.exit(1)
    root = loaded.root
    settings = loaded.course.settings
    if language == settings.language:
        raise click.BadParameter(message("cli.translate.own_language", lang, code=language), param_hint="LANGUAGE")
    for kind, _, file, item in loaded.originals:
        path = overlay.overlay_path(file, language)
        shown = display_path(path, root)
        if stamp:
            said = _stamp(root, language, kind, file, item, path, lang)
        else:
            said = _merge(language, kind, display_path(file, root), item, path, lang)
        if said:
            click.echo(message("cli.translate.file", lang, path=shown, said=said))
    if not stamp and (said := _home_page(root, language, lang)):
        click.echo(said)
    if language not in settings.translations:
        click.echo(_list_language(root / COURSE_FILE, language, lang))


def _home_page(root: Path, language: str, lang: str) -> str | None:
    """The book's home page is the author's own Markdown (``book/intro.md``): its translation starts as
    a copy, marked on its first line so that ``check`` reports it until the translator removes the mark."""
    original, translated = root / layout.home_page(), root / layout.home_page_overlay(language)
    if not original.is_file() or translated.exists():
        return None
    mark = translations.HOME_MARK.format(original=display_path(original, root), code=language)
    output.write_atomic(translated, (mark + "\n" + original.read_text(encoding="utf-8")).encode("utf-8"))
    return message("cli.translate.home_copy", lang, path=display_path(translated, root),
                   original=display_path(original, root))


def skeleton(kind: str, item: Any) -> dict[str, Any]:
    """The original's texts in the overlay's shape (names kept as they are left out)."""
    data: dict[str, Any] = {}
    for path, text, leaf in texts(SPECS[kind], item):
        if not leaf.kept:
            _put(data, path, text)
    return data


def _put(data: dict, path: tuple, text: str) -> None:
    """Set ``path`` in nested mappings and lists (a list grows in order: items come in the original's order)."""
    here: Any = data
    for key, below in zip(path, path[1:]):
        if isinstance(here, list) and key == len(here):
            here.append([] if isinstance(below, int) else {})
        elif isinstance(here, dict) and key not in here:
            here[key] = [] if isinstance(below, int) else {}
        here = here[key]
    if isinstance(here, list):
        here.append(text)
    else:
        here[path[-1]] = text


def _merge(language: str, kind: str, original: str, item: Any, path: Path, lang: str) -> str | None:
    """Create or complete the overlay at ``path``; what was done, worded in ``lang`` (None: nothing)."""
    wanted = skeleton(kind, item)
    if not path.is_file():
        _write(path, kind, {"language": language, **wanted}, _header(language, original))
        return message("cli.translate.created", lang, n=sum(1 for _ in _leaves(wanted)))
    head, data = _existing(kind, path)
    added = 0
    for key_path, text in _leaves(wanted):
        if not _has(data, key_path):
            _put(data, key_path, text)
            added += 1
    if not added:
        return None
    if "sources" in data:
        data["sources"] = data.pop("sources")  # stays last
    _write(path, kind, data, head)
    return message("cli.translate.added", lang, n=added)


def _stamp(root: Path, language: str, kind: str, file: Path, item: Any, path: Path, lang: str) -> str | None:
    if not path.is_file():
        return None
    _, accepted = translations.check_part(root, language, kind, file, item, None)
    originals = {dotted(p): text for p, text, _ in texts(SPECS[kind], item)}
    sources = {key: source_hash(text) for key, text in originals.items() if key in accepted}
    head, data = _existing(kind, path)
    if data.get("sources") == sources:
        return None
    edited = _with_sources(path.read_text(encoding="utf-8"), kind, sources)
    after = _read_text(kind, path.name, edited) if edited is not None else None
    if after is not None and {k: v for k, v in after.items() if k != "sources"} == \
            {k: v for k, v in data.items() if k != "sources"} and (after.get("sources") or {}) == sources:
        path.write_text(edited, encoding="utf-8")  # only the 'sources:' block changed: every comment is kept
    else:
        data.pop("sources", None)
        if sources:
            data["sources"] = sources
        _write(path, kind, data, head)
    return message("cli.translate.stamped", lang, n=len(sources))


def _with_sources(text: str, kind: str, sources: dict[str, str]) -> str | None:
    """``text`` with its top-level ``sources:`` block replaced by ``sources`` (at the end of the YAML), or
    None when the file is not laid out so that this is a plain edit."""
    lines = text.splitlines(keepends=True)
    start, end = (1, next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)) \
        if kind == "module" else (0, len(lines))
    if end is None:
        return None
    at = next((i for i in range(start, end) if re.match(r"sources\s*:", lines[i])), None)
    if at is not None:
        stop = at + 1
        while stop < end and (lines[stop][:1] in (" ", "\t") or not lines[stop].strip()):
            stop += 1
        del lines[at:stop]
        end -= stop - at
    block = yaml.dump({"sources": sources}, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                      width=110) if sources else ""
    if end > 0 and not lines[end - 1].endswith("\n"):
        lines[end - 1] += "\n"
    lines[end:end] = [block]
    return "".join(lines)


def _read_text(kind: str, name: str, text: str) -> dict[str, Any] | None:
    """The data of an overlay's edited text, read as the checker reads it (to be sure the edit changed
    only ``sources:``)."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder) / name
        scratch.write_text(text, encoding="utf-8")
        return overlay.read(kind, scratch, name).data


def _leaves(data: Any, path: tuple = ()):
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _leaves(value, path + (key,))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _leaves(value, path + (i,))
    else:
        yield path, data


def _has(data: Any, path: tuple) -> bool:
    for key in path:
        if isinstance(data, dict) and key in data:
            data = data[key]
        elif isinstance(data, list) and isinstance(key, int) and key < len(data):
            data = data[key]
        else:
            return False
    return True


def _header(language: str, original: str) -> str:
    return (f"# {translations.language_name(language)} translation of {original}: text only, the structure comes "
            "from the original.\n"
            f"# Translate the texts below (they start as the original's). Made by `branchbook translate {language}`;\n"
            "# 'sources:' is written by `--stamp`, never by hand. See docs/translating.md.\n")


def _existing(kind: str, path: Path) -> tuple[str, dict[str, Any]]:
    """An overlay's leading comment lines and its data (checked clean already: it reads)."""
    read = overlay.read(kind, path, path.name)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = 1 if kind == "module" else 0
    head = ""
    for line in lines[start:]:
        if not line.startswith("#"):
            break
        head += line if line.endswith("\n") else line + "\n"
    return head, dict(read.data or {})


class _Dumper(yaml.SafeDumper):
    """Plain YAML a translator can edit: multi-line texts as '|' blocks, keys in the original's order,
    list items indented under their key (as course files are written)."""

    def increase_indent(self, flow: bool = False, indentless: bool = False):
        return super().increase_indent(flow, False)


def _text(dumper: yaml.SafeDumper, value: str):
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _text)


def _write(path: Path, kind: str, data: dict[str, Any], head: str) -> None:
    """Write the overlay, deterministically; a file whose bytes would not change is left alone."""
    reading = data.pop("reading", None) if kind == "module" else None
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110, default_flow_style=False)
    text = head + body if kind != "module" else f"---\n{head}{body}---\n" + (reading or "")
    content = text.encode("utf-8")
    if not path.is_file() or path.read_bytes() != content:
        path.write_bytes(content)


def _list_language(course_file: Path, language: str, lang: str) -> str:
    """Add ``translations: [LL]`` to course.yml when it has no such list; otherwise say what to add (in ``lang``)."""
    text = course_file.read_text(encoding="utf-8")
    if re.search(r"^translations\s*:", text, re.MULTILINE):
        return message("cli.translate.add_language", lang, code=language, file=COURSE_FILE)
    course_file.write_text(text + ("" if text.endswith("\n") else "\n") + f"translations: [{language}]\n",
                           encoding="utf-8")
    return message("cli.translate.listed", lang, file=COURSE_FILE, code=language)
