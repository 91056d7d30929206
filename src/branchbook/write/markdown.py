"""Scenario text is Markdown written by others: render it so that nothing in it can run.

markdown-it in CommonMark mode with raw HTML switched off escapes every tag; its link
validator refuses ``javascript:``, ``vbscript:``, ``file:`` and most ``data:`` URLs; we
narrow links further to http(s), mailto and in-page anchors, and MyST syntax is never
interpreted. The same rules produce plain text for print (Typst, notebooks).
"""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt

_SAFE_LINK = re.compile(r"^(?:https?:|mailto:|#)", re.I)


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable("image")
    md.validateLink = lambda url: bool(_SAFE_LINK.match(url.strip()))
    return md


def to_html(text: str) -> str:
    """Markdown → HTML fragment with every tag in the source escaped."""
    return _parser().render(text).strip()


def to_inline_html(text: str) -> str:
    """A one-line label: inline Markdown only, no wrapping paragraph."""
    return _parser().renderInline(text).strip()


def to_plain(text: str) -> str:
    """Plain text for print: paragraphs and list items kept, emphasis markers dropped."""
    tokens = _parser().parse(text)
    out: list[str] = []
    for token in tokens:
        if token.type == "inline":
            out.append("".join(child.content for child in token.children or [] if child.type in ("text", "code_inline",
                                                                                                  "softbreak"))
                       .replace("\n", " "))
        elif token.type == "list_item_open":
            out.append("• ")
        elif token.type in ("paragraph_close", "heading_close"):
            out.append("\n\n")
    return re.sub(r"• \n*", "• ", "".join(out)).strip()
