"""Markup that would be live in a reader's browser or run at build time.

Scenario text is rendered as plain Markdown with HTML switched off, so anything here is shown
literally: a *warning*, so the author knows. Module readings go through MyST, where raw HTML
and file-including or code-running directives would be live: there they are *errors*.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable, Iterator

from ..messages import message
from ..problems import Problem
from ..source_map import SourceMap

_HTML = re.compile(r"</?[A-Za-z][\w-]*(?:\s[^<>]*)?/?>|<!--")
_LINK = re.compile(r"\]\(\s*<?([A-Za-z][A-Za-z0-9+.-]{0,31}):|<([A-Za-z][A-Za-z0-9+.-]{1,31}):[^\s<>]*>")
_SAFE_SCHEMES = {"http", "https", "mailto"}
_DIRECTIVE = re.compile(r"^[ \t]*(?:```+|~~~+|:::+)[ \t]*\{([\w:-]+)\}", re.M)
_ROLE = re.compile(r"\{([\w:-]+)\}(`+)(?:.*?)(?:\2|$)", re.S)
_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})[ \t]*(\{)?")
_CODE_SPAN = re.compile(r"(?<![`}])(`+)(?!`)([^\n]+?)(?<!`)\1(?!`)")
UNSAFE_DIRECTIVES = {"include", "literalinclude", "raw", "code-cell", "eval", "eval-rst", "glue", "glue:any",
                     "glue:figure", "jupyter-execute", "exec", "bibliography", "toctree", "image", "figure"}
ALLOWED_ROLES = {"cite", "cite:p", "cite:t", "term", "ref", "doc"}
# Readings may use only these directives: every other one is refused, since many read files or URLs
# at build time ({csv-table} :file:/:url:) or make the reader's browser fetch from other hosts
# ({math} loads MathJax from a CDN; {card} :img-top: loads any image).
SAFE_DIRECTIVES = {"admonition", "attention", "caution", "danger", "error", "hint", "important", "note", "seealso",
                   "tip", "warning", "dropdown", "margin", "sidebar", "topic", "rubric", "epigraph", "pull-quote",
                   "highlights", "compound", "container", "glossary", "list-table", "table", "tab-set", "tab-item",
                   "grid", "grid-item", "code-block", "code", "sourcecode"}
_LITERAL_DIRECTIVES = {"code-block", "code", "sourcecode"}  # their content is shown as code, not parsed
_MYST_DIRECTIVE = re.compile(r"^\{([\w:+.-]+)\}")
_ANY_MARKUP = re.compile(r"[{<]|\]\(")  # what every role, directive, tag and link above holds


def _blank(match: re.Match) -> str:
    return re.sub(r"[^\n]", " ", match.group())


def _without_code_blocks(text: str) -> str:
    """``text`` with the lines inside fenced code blocks blanked (same length). Directive fences
    (```{name}) are not code: their content stays, since a ``{raw}`` directive's HTML would be live."""
    out, fence, code = [], None, False
    for line in text.split("\n"):
        opening = _FENCE.match(line)
        if fence is None:
            if opening:
                fence, code = opening.group(1), opening.group(2) is None
            out.append(line)
        elif opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence) \
                and not line.strip().strip(fence[0]):
            fence = None
            out.append(line)
        else:
            out.append(" " * len(line) if code else line)
    return "\n".join(out)


def words(kind: str, detail: str, lang: str = "en") -> str:
    """What was found, in words: ``the MyST role '{raw}'`` (``kind`` role, ``detail`` raw)."""
    return message(f"check.markup.{kind}", lang, detail=detail)


def _findings(text: str) -> Iterator[tuple[int, str, str]]:
    """(offset, kind, detail) of each piece of markup: kind is role, html, link or directive."""
    if not _ANY_MARKUP.search(text):
        return  # (most texts)
    for m in _ROLE.finditer(text):
        yield m.start(), "role", m.group(1)
    # Roles, code blocks and code spans blanked (same length): HTML shown as code is harmless.
    prose = _CODE_SPAN.sub(_blank, _without_code_blocks(_ROLE.sub(_blank, text)))
    for m in _HTML.finditer(prose):
        yield m.start(), "html", m.group()[:40]
    for m in _LINK.finditer(prose):
        scheme = (m.group(1) or m.group(2)).lower()
        if scheme not in _SAFE_SCHEMES:
            yield m.start(1) if m.group(1) else m.start(), "link", scheme
    for m in _DIRECTIVE.finditer(text):
        yield m.start(1) - 1, "directive", m.group(1)


def check_scenario_fields(fields: Iterable[tuple[tuple, str]], marks: SourceMap, lang: str = "en") -> Iterator[Problem]:
    for path, text in fields:
        for offset, kind, detail in _findings(text):
            yield marks.problem_at(path, text, offset, message("check.markup.shown", lang, what=words(kind, detail, lang)),
                                   message("check.markup.shown_hint", lang), "warning")


@lru_cache(maxsize=1)
def _myst():
    """MyST's own Markdown parser, with the extensions of the book's ``_config.yml`` template."""
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    return create_md_parser(MdParserConfig(enable_extensions={"colon_fence", "deflist", "substitution", "tasklist"}),
                            RendererHTML)


def _parsed_findings(text: str, first: int = 0) -> Iterator[tuple[int, int, str, str]]:
    """(first line, last line, kind, detail) of markup as MyST itself parses the reading: what the patterns
    above cannot see (a directive in a quote or list, an unclosed tag, a tag with '<' in an attribute),
    substitutions (``{{ … }}`` is rendered by Jinja2 at build time: it can run code) and images."""
    for token in _myst().parse(text):
        start, end = (first + token.map[0], first + token.map[1] - 1) if token.map else (first, first)
        if token.type in ("fence", "colon_fence"):
            directive = _MYST_DIRECTIVE.match(token.info.strip())
            if directive and directive.group(1) not in SAFE_DIRECTIVES:
                yield start, start, "directive", directive.group(1)
            elif directive and directive.group(1) not in _LITERAL_DIRECTIVES:  # its content is MyST too
                yield from _parsed_findings(token.content, start + 1)
        elif token.type == "html_block":
            yield start, end, "html", " ".join(token.content.split())[:40]
        elif token.type == "substitution_block":
            yield start, end, "substitution", ""
        line = start
        for child in token.children or []:
            if child.type == "html_inline":
                yield line, line + child.content.count("\n"), "html", " ".join(child.content.split())[:40]
            elif child.type == "image":
                yield line, line, "image", ""
            elif child.type == "substitution_inline":
                yield line, line, "substitution", ""
            elif child.type == "myst_role" and child.meta.get("name") not in ALLOWED_ROLES:
                yield line, line, "role", str(child.meta.get("name"))
            line += child.content.count("\n") if child.type == "html_inline" else 0
            line += child.type in ("softbreak", "hardbreak")


def check_reading(text: str, marks: SourceMap, lang: str = "en") -> Iterator[Problem]:
    hint = message("check.markup.not_allowed_hint", lang)
    seen: set[tuple[int, str]] = set()
    for offset, kind, detail in _findings(text):
        if kind == "directive" and detail in SAFE_DIRECTIVES:
            continue
        if kind == "role" and detail in ALLOWED_ROLES:
            continue
        seen.add((text.count("\n", 0, offset), kind))
        yield marks.problem_at(("reading",), text, offset,
                               message("check.markup.not_allowed", lang, what=words(kind, detail, lang)), hint)
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    for first, last, kind, detail in _parsed_findings(text):
        if any((line, kind) in seen for line in range(first, last + 1)):
            continue  # already reported above, at its exact column
        seen.add((first, kind))
        offset = starts[min(first, len(starts) - 1)]
        offset += len(text[offset:].split("\n", 1)[0]) - len(text[offset:].split("\n", 1)[0].lstrip())
        yield marks.problem_at(("reading",), text, offset,
                               message("check.markup.not_allowed", lang, what=words(kind, detail, lang)), hint)
