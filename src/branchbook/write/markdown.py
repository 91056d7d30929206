"""Scenario text is Markdown written by others: render it so that nothing in it can run.

markdown-it in CommonMark mode with raw HTML switched off escapes every tag; its link
validator refuses ``javascript:``, ``vbscript:``, ``file:`` and most ``data:`` URLs; we
narrow links further to http(s), mailto and in-page anchors, and MyST syntax is never
interpreted. The same rules produce plain text for print (Typst, notebooks).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt

_SAFE_LINK = re.compile(r"^(?:https?:|mailto:|#)", re.I)
_PUNCT = re.compile(r"([!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])")


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


def literal(text: str) -> str:
    """One line of text that Markdown (and MyST) shows exactly as written: whitespace folded and
    every ASCII punctuation character backslash-escaped, so no author text is parsed as syntax."""
    return _PUNCT.sub(r"\\\1", " ".join(text.split()))


Blocks = list[dict[str, Any]]


def _inline(children) -> str:
    out: list[str] = []
    links: list[tuple[str, int]] = []
    for tok in children or []:
        kind = tok.type
        if kind in ("text", "code_inline", "html_inline"):
            out.append(tok.content)
        elif kind == "softbreak":
            out.append(" ")
        elif kind == "hardbreak":
            out.append("\n")
        elif kind == "image":
            out.append(_inline(tok.children) or tok.content)
        elif kind == "link_open":
            links.append((str(tok.attrs.get("href", "")), len(out)))
        elif kind == "link_close" and links:
            href, start = links.pop()
            label = "".join(out[start:]).strip()
            shown = href[len("mailto:"):] if href.startswith("mailto:") else href
            if href.startswith(("http://", "https://", "mailto:")) and shown not in label:
                out.append(f" ({shown})")
        # em/strong/s open/close: the markers are dropped
    return "".join(out)


def to_blocks(markdown: str | None) -> Blocks:
    """Markdown → ``[{"k": "p"|"li"|"h"|"hr", "t": text, "q": in a quote, "d": list depth, "m": marker}]``."""
    if not markdown:
        return []
    out: Blocks = []
    lists: list[list] = []  # [ordered, counter]
    quote = 0
    marker: str | None = None
    heading = False
    for tok in _parser().parse(markdown):
        kind = tok.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            start = int(tok.attrs.get("start", 1)) if kind == "ordered_list_open" else 1
            lists.append([kind == "ordered_list_open", start - 1])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open":
            lists[-1][1] += 1
            marker = f"{lists[-1][1]}." if lists[-1][0] else "•"
        elif kind == "blockquote_open":
            quote += 1
        elif kind == "blockquote_close":
            quote -= 1
        elif kind == "heading_open":
            heading = True
        elif kind == "heading_close":
            heading = False
        elif kind == "hr":
            out.append({"k": "hr", "t": "", "q": quote > 0, "d": 0, "m": ""})
        elif kind in ("inline", "fence", "code_block", "html_block"):
            text = _inline(tok.children) if kind == "inline" else tok.content.rstrip("\n")
            if lists:
                block = {"k": "li", "t": text, "q": quote > 0, "d": len(lists), "m": marker or ""}
                marker = None
            else:
                block = {"k": "h" if heading else "p", "t": text, "q": quote > 0, "d": 0, "m": ""}
            out.append(block)
    return out


def to_plain(markdown: str | None) -> str:
    """The Markdown as one plain string for print and notebooks (paragraphs joined by blank lines)."""
    return "\n\n".join(b["t"] for b in to_blocks(markdown) if b["t"])
