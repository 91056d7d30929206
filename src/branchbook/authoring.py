"""``branchbook new scenario`` and ``new module``: start a file from a commented template and
list it where the course looks for it (a module's ``scenarios:``, course.yml's ``modules:``).

Lists are edited in the text, not by re-dumping YAML, so that the author's comments, quoting and
layout survive: the new id is appended after the list's last entry, in the list's own style.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from .load import COURSE_FILE
from .messages import message
from .model.types import ID_PATTERN
from .read import markdown_source


class AuthoringError(Exception):
    """Refused before anything was written; the message (in the course's language) says what to do."""

    def __init__(self, key: str, lang: str, /, **values: object):
        super().__init__(message(key, lang, **values))


@dataclass(frozen=True)
class Written:
    created: Path
    listed_in: Path


def valid_id(value: str) -> bool:
    return re.fullmatch(ID_PATTERN, value) is not None


def append_to_list(text: str, key: str, item: str, line_offset: int = 0, lang: str = "en") -> str:
    """``text`` (a YAML mapping) with ``item`` appended to the list under top-level ``key``.

    Flow lists (``[a, b]``) get ``, item`` before the ``]``; block lists get a ``- item`` line after
    the last entry at the same indent; a missing or empty key becomes ``key: [item]``.
    """
    nl = "\r\n" if "\r\n" in text else "\n"
    root = yaml.compose(text)
    if root is not None and not isinstance(root, yaml.MappingNode):
        raise AuthoringError("cli.new.not_mapping", lang)
    value = next((v for k, v in (root.value if root else []) if k.value == key), None)
    if value is None:  # no such key: add one line at the end
        new = text + ("" if text.endswith("\n") or not text else nl) + f"{key}: [{item}]{nl}"
    elif isinstance(value, yaml.ScalarNode) and value.value in ("", "~", "null"):
        start, end = value.start_mark.index, value.end_mark.index
        new = text[:start] + (" " if start == end and not text[start - 1:start].isspace() else "") \
            + f"[{item}]" + text[end:]
    elif not isinstance(value, yaml.SequenceNode):
        line = value.start_mark.line + 1 + line_offset
        raise AuthoringError("cli.new.not_a_list", lang, line=line, key=key)
    elif value.flow_style:
        at = value.value[-1].end_mark.index if value.value else value.start_mark.index + 1
        new = text[:at] + (f", {item}" if value.value else item) + text[at:]
    else:
        last = value.value[-1]
        line_start = text.rfind("\n", 0, last.start_mark.index) + 1
        dash = text[line_start:last.start_mark.index].rstrip()
        indent = dash[:-1] if dash.endswith("-") else " " * max(last.start_mark.column - 2, 0)
        line_end = text.find("\n", last.end_mark.index)
        line_end = len(text) if line_end < 0 else line_end
        line_end -= line_end > 0 and text[line_end - 1] == "\r"
        new = text[:line_end] + f"{nl}{indent}- {item}" + text[line_end:]
    listed = (yaml.safe_load(new) or {}).get(key)
    if not isinstance(listed, list) or not listed or listed[-1] != item:
        raise AuthoringError("cli.new.not_safely", lang, item=item, key=key)
    return new


def _front_matter(path: Path, lang: str) -> tuple[str, str, str]:
    """(up to and including the opening '---' line, the front matter, from the closing '---' on)."""
    text = _read(path)
    parts = re.match(r"(\ufeff?---[ \t]*\r?\n)(.*?)(^---[ \t]*(?:\r?\n|\Z).*)", text, re.S | re.M)
    if parts is None:
        raise AuthoringError("cli.new.no_front_matter", lang, path=path)
    return parts.group(1), parts.group(2), parts.group(3)


def _read(path: Path) -> str:
    """The text with its line endings as written (so an edit keeps a Windows file a Windows file)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return handle.read()


def module_files(root: Path) -> dict[str, Path]:
    """Module id → file, for the modules whose front matter can be read."""
    found = {}
    for file in sorted((root / "modules").glob("*.md")):
        data = markdown_source.read(file, file.name)[0]
        if isinstance(data, dict) and isinstance(data.get("id"), str):
            found.setdefault(data["id"], file)
    return found


def _listing_module(files: dict[str, Path], scenario_id: str) -> str | None:
    """The module whose ``scenarios:`` already lists ``scenario_id``, if any."""
    for module_id, file in files.items():
        data = markdown_source.read(file, file.name)[0]
        if isinstance(data, dict) and scenario_id in (data.get("scenarios") or []):
            return module_id
    return None


def course_modules(root: Path) -> list[str]:
    modules = (yaml.safe_load((root / COURSE_FILE).read_text(encoding="utf-8")) or {}).get("modules")
    return [m for m in modules if isinstance(m, str)] if isinstance(modules, list) else []


def _template(name: str) -> str:
    return resources.files("branchbook").joinpath("templates", "new", name).read_text(encoding="utf-8")


def new_scenario(root: Path, scenario_id: str, module_id: str | None, text: str | None = None,
                 lang: str = "en") -> Written:
    """Write scenarios/ID.yml (``text``, or the commented template) and append ID to the module's
    ``scenarios:`` (the first module by default). A refusal is worded in ``lang``, the course's language."""
    if not valid_id(scenario_id):
        raise AuthoringError("cli.new.bad_id", lang, id=scenario_id)
    target = root / "scenarios" / f"{scenario_id}.yml"
    if target.exists():
        raise AuthoringError("cli.new.exists", lang, path=target)
    files = module_files(root)
    order = [m for m in course_modules(root) if m in files] + sorted(set(files) - set(course_modules(root)))
    if not order:
        raise AuthoringError("cli.new.no_module", lang)
    listed = _listing_module(files, scenario_id)  # e.g. its file was deleted and is being made again
    module_id = module_id or listed or order[0]
    if module_id not in files:
        raise AuthoringError("cli.new.unknown_module", lang, id=module_id,
                             known=message("words.list_separator", lang).join(order))
    module = files[module_id]
    if listed not in (None, module_id):
        raise AuthoringError("cli.new.listed_elsewhere", lang, id=scenario_id, module=listed)
    head, front, tail = _front_matter(module, lang)
    edited = front  # a scenario already listed here keeps its place in the list
    if listed is None:
        try:
            edited = append_to_list(front, "scenarios", scenario_id, line_offset=1, lang=lang)
        except (AuthoringError, yaml.YAMLError) as error:
            raise AuthoringError("cli.new.in_file", lang, path=module, error=error) from None
    target.parent.mkdir(exist_ok=True)
    target.write_text(_template("scenario.yml").replace("{id}", scenario_id) if text is None else text,
                      encoding="utf-8")
    if edited != front:
        module.write_text(head + edited + tail, encoding="utf-8", newline="")
    return Written(target, module)


def new_module(root: Path, module_id: str, lang: str = "en") -> Written:
    """Write modules/ID.md and append ID to ``modules:`` in course.yml (a refusal worded in ``lang``)."""
    if not valid_id(module_id):
        raise AuthoringError("cli.new.bad_id", lang, id=module_id)
    target = root / "modules" / f"{module_id}.md"
    if target.exists() or module_id in module_files(root):
        raise AuthoringError("cli.new.module_exists", lang, id=module_id, path=target)
    settings = root / COURSE_FILE
    try:
        edited = append_to_list(_read(settings), "modules", module_id, lang=lang)
    except (AuthoringError, yaml.YAMLError) as error:
        raise AuthoringError("cli.new.in_file", lang, path=settings, error=error) from None
    target.parent.mkdir(exist_ok=True)
    target.write_text(_template("module.md").replace("{id}", module_id), encoding="utf-8")
    settings.write_text(edited, encoding="utf-8", newline="")
    return Written(target, settings)
