"""Page-level hardening applied when the HTML build finishes.

A strict Content-Security-Policy as a ``<meta>`` tag: scripts only from the site itself, plus
the theme's few inline scripts allowed by their exact SHA-256 hashes. Nothing may connect anywhere
but the site. The hashes are computed from the final HTML, so the policy blocks what is injected
in the browser (inline scripts, event handlers, code from strings) but would allow a ``<script>``
that reached a page at build time: keeping author text out of the HTML as markup is the escaping's
job, and tests/test_hostile.py checks that no inline script but the theme's is ever written.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html import escape as html_escape
from pathlib import Path

from markupsafe import Markup

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
    ``<script>`` would become live markup. Escape it once here.

    The course title and author (``docstitle`` and ``author``, from ``_config.yml``, which branchbook
    writes from ``course.yml``) and the home page's title (``root_title``) are printed unescaped by
    the themes too (navbar, footer, sidebar), on every page. They become ``Markup``: escaped once,
    and left alone by the templates that do escape them (``|e``)."""
    if "pagetitle" in context:
        context["pagetitle"] = html_escape(context["pagetitle"], quote=True)
    for key in ("docstitle", "author", "root_title"):
        if isinstance(context.get(key), str) and not isinstance(context[key], Markup):
            context[key] = Markup(html_escape(context[key], quote=True))


def _no_tags(text: str) -> str:
    return text.replace("<", "&lt;").replace(">", "&gt;")


def escape_search_index(app, exception) -> None:
    """``build-finished`` handler: Sphinx 7's search page inserts the section titles and object names
    kept in ``searchindex.js`` into its result list with ``innerHTML`` (fixed upstream in Sphinx 8.2,
    sphinx-doc/sphinx#13356), and keeps them as plain text, so a heading such as ``<svg onload=…>``
    became live markup in the results. Their ``<`` and ``>`` become entities; idempotent, since an
    incremental build reloads the index it wrote before."""
    path = Path(app.outdir) / "searchindex.js"
    if exception is not None or app.builder.format != "html" or not path.is_file():
        return
    text = path.read_text(encoding="utf-8")
    prefix, suffix = "Search.setIndex(", ")"
    if not (text.startswith(prefix) and text.endswith(suffix)):
        return
    data = json.loads(text[len(prefix):-len(suffix)])
    for key in ("alltitles", "indexentries"):
        merged: dict = {}
        for title, places in (data.get(key) or {}).items():
            merged.setdefault(_no_tags(title), []).extend(places)
        data[key] = merged
    data["objects"] = {_no_tags(name): [[*entry[:4], _no_tags(entry[4]), *entry[5:]] if len(entry) > 4 else entry
                                        for entry in entries]
                       for name, entries in (data.get("objects") or {}).items()}
    fixed = prefix + json.dumps(data, sort_keys=True) + suffix
    if fixed != text:
        path.write_text(fixed, encoding="utf-8")
