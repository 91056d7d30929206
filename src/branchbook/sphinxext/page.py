"""Page-level hardening applied when the HTML build finishes.

A strict Content-Security-Policy as a ``<meta>`` tag: scripts only from the site itself, plus
the theme's few inline scripts allowed by their exact SHA-256 hashes (computed from the final
HTML, so an injected script can never match). Nothing may connect anywhere but the site.
"""

from __future__ import annotations

import base64
import hashlib
import re
from html import escape as html_escape
from pathlib import Path

_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>(.*?)</script>", re.S)
_HEAD = re.compile(r"<head[^>]*>")
MARKER = 'http-equiv="Content-Security-Policy"'


def policy(html: str) -> str:
    hashes = sorted({"'sha256-" + base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode() + "'"
                     for body in _INLINE_SCRIPT.findall(html)})
    return "; ".join([
        "default-src 'self'",
        "script-src 'self' " + " ".join(hashes) if hashes else "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ])


def harden(path: Path) -> None:
    html = path.read_text(encoding="utf-8")
    if MARKER in html:
        return
    head = _HEAD.search(html)
    if not head:
        return
    meta = f'\n<meta {MARKER} content="{policy(html)}">'
    path.write_text(html[: head.end()] + meta + html[head.end():], encoding="utf-8")


def add_security_meta(app, exception) -> None:
    """``build-finished`` handler: add the policy to every page written."""
    if exception is None and app.builder.format == "html":
        for page in Path(app.outdir).rglob("*.html"):
            harden(page)


def escape_page_title(app, pagename, templatename, context, doctree) -> None:
    """``html-page-context`` handler: sphinx-book-theme prints ``pagetitle`` unescaped in its print
    header, and Sphinx derives it by stripping tags (which unescapes entities), so a title such as
    ``<script>`` would become live markup. Escape it once here."""
    if "pagetitle" in context:
        context["pagetitle"] = html_escape(context["pagetitle"], quote=True)
