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


RENDERED = 1 << 15  # texts whose HTML is kept: more than the shipped course has (about 3,600)


@lru_cache(maxsize=RENDERED)
def to_html(text: str) -> str:
    """Markdown → HTML fragment with every tag in the source escaped. Kept per text: ``serve``
    regenerates every scenario's player data on each save, and rendering the unchanged texts
    again was most of that time (0.6 of 0.9 s after a reading edit of the shipped course)."""
    return _parser().render(text).strip()


@lru_cache(maxsize=RENDERED)
def to_inline_html(text: str) -> str:
    """A one-line label: inline Markdown only, no wrapping paragraph."""
    return _parser().renderInline(text).strip()


def literal(text: str) -> str:
    """One line of text that Markdown (and MyST) shows exactly as written: whitespace folded and
    every ASCII punctuation character backslash-escaped, so no author text is parsed as syntax."""
    return _PUNCT.sub(r"\\\1", " ".join(text.split()))


Blocks = list[dict[str, Any]]


Run = list  # [text, style]: style is "" or any of "e" (emphasis), "s" (strong), "c" (code), in that order


def _inline(children) -> list[Run]:
    """Inline tokens → runs of text with the emphasis they carry (links keep their address in words)."""
    out: list[Run] = []
    links: list[tuple[str, int]] = []
    style = {"e": 0, "s": 0}

    def add(text: str, code: bool = False) -> None:
        flags = "".join(k for k in ("e", "s") if style[k]) + ("c" if code else "")
        if out and out[-1][1] == flags:
            out[-1][0] += text
        elif text:
            out.append([text, flags])

    for tok in children or []:
        kind = tok.type
        if kind in ("text", "html_inline"):
            add(tok.content)
        elif kind == "code_inline":
            add(tok.content, code=True)
        elif kind == "softbreak":
            add(" ")
        elif kind == "hardbreak":
            add("\n")
        elif kind == "image":
            add(_plain_runs(_inline(tok.children)) or tok.content)
        elif kind in ("em_open", "em_close", "strong_open", "strong_close"):
            style["e" if kind.startswith("em") else "s"] += 1 if kind.endswith("open") else -1
        elif kind == "link_open":
            links.append((str(tok.attrs.get("href", "")), len(_plain_runs(out))))
        elif kind == "link_close" and links:
            href, start = links.pop()
            label = _plain_runs(out)[start:].strip()
            shown = href[len("mailto:"):] if href.startswith("mailto:") else href
            if href.startswith(("http://", "https://", "mailto:")) and shown not in label:
                add(f" ({shown})")
        # strikethrough is not in CommonMark; anything else carries no text
    return out


def _plain_runs(runs: list[Run]) -> str:
    return "".join(text for text, _ in runs)


def to_blocks(markdown: str | None) -> Blocks:
    """Markdown → ``[{"k": "p"|"li"|"h"|"hr", "t": text, "r": runs, "q": in a quote, "d": list depth,
    "m": marker}]``. ``t`` is the plain text; ``r`` the same text as ``[text, style]`` runs, so print
    can show emphasis (``style``: "e" emphasis, "s" strong, "c" code, combined as "es")."""
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
            out.append({"k": "hr", "t": "", "r": [], "q": quote > 0, "d": 0, "m": ""})
        elif kind in ("inline", "fence", "code_block", "html_block"):
            runs = _inline(tok.children) if kind == "inline" else \
                [[tok.content.rstrip("\n"), "" if kind == "html_block" else "c"]]
            text = _plain_runs(runs)
            if lists:
                block = {"k": "li", "t": text, "r": runs, "q": quote > 0, "d": len(lists), "m": marker or ""}
                marker = None
            else:
                block = {"k": "h" if heading else "p", "t": text, "r": runs, "q": quote > 0, "d": 0, "m": ""}
            out.append(block)
    return out


def to_inline_runs(text: str) -> list[Run]:
    """A one-line label as runs (see :func:`to_blocks`): inline Markdown only, like :func:`to_inline_html`."""
    tokens = _parser().parseInline(text)
    return _inline(tokens[0].children) if tokens else []


def to_plain(markdown: str | None) -> str:
    """The Markdown as one plain string for print and notebooks (paragraphs joined by blank lines)."""
    return "\n\n".join(b["t"] for b in to_blocks(markdown) if b["t"])
