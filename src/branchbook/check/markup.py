"""Markup that would be live in a reader's browser or run at build time.

Scenario text is rendered as plain Markdown with HTML switched off, so anything here is shown
literally: a *warning*, so the author knows. Module readings go through MyST, where raw HTML
and file-including or code-running directives would be live: there they are *errors*.
"""

from __future__ import annotations

import re
from typing import Iterable, Iterator

from ..read.yaml_source import SourceMap
from .problems import Problem

_HTML = re.compile(r"</?[A-Za-z][\w-]*(?:\s[^<>]*)?/?>|<!--")
_JS_LINK = re.compile(r"\]\(\s*(?:javascript|data|vbscript):", re.I)
_DIRECTIVE = re.compile(r"^\s*(?:```+|~~~+|:::+)\s*\{([\w:-]+)\}", re.M)
_ROLE = re.compile(r"\{([\w:-]+)\}`")
UNSAFE_DIRECTIVES = {"include", "literalinclude", "raw", "code-cell", "eval", "eval-rst", "glue", "glue:any",
                     "glue:figure", "jupyter-execute", "exec", "bibliography", "toctree", "image", "figure"}
ALLOWED_ROLES = {"cite", "cite:p", "cite:t", "term", "ref", "doc"}


def _findings(text: str) -> Iterator[tuple[int, str]]:
    for m in _HTML.finditer(text):
        yield m.start(), f"raw HTML '{m.group()[:40]}'"
    for m in _JS_LINK.finditer(text):
        yield m.start(), "a link to a script or data URL"
    for m in _DIRECTIVE.finditer(text):
        yield m.start(1), f"the MyST directive '{{{m.group(1)}}}'"
    for m in _ROLE.finditer(text):
        yield m.start(), f"the MyST role '{{{m.group(1)}}}'"


def check_scenario_fields(fields: Iterable[tuple[tuple, str]], marks: SourceMap) -> Iterator[Problem]:
    for path, text in fields:
        for offset, what in _findings(text):
            mark = marks.find(path)
            yield Problem(marks.file, mark.line_of(text, offset), mark.col, f"{what} will be shown as text, not run",
                          "scenario text is plain Markdown: remove the markup", "warning")


def check_reading(text: str, marks: SourceMap) -> Iterator[Problem]:
    mark = marks.find(("reading",))
    for offset, what in _findings(text):
        name = what.split("'")[1].strip("{}") if "MyST" in what else ""
        if "directive" in what and name not in UNSAFE_DIRECTIVES:
            continue
        if "role" in what and name in ALLOWED_ROLES:
            continue
        line = mark.line + text.count("\n", 0, offset)
        yield Problem(marks.file, line, 1, f"{what} is not allowed in a reading",
                      "readings may use Markdown, citations ({cite}`key`) and safe directives such as admonitions")
