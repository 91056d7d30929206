"""The language switch on every page of a translated course, and the notice on pages not fully translated.

The data comes from ``_data/languages.json`` (written by :mod:`branchbook.write.language_switch`); a book
without it (a course in one language) gets neither.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

from .. import layout


def _data(app) -> dict | None:
    path = Path(app.srcdir) / layout.LANGUAGES_JSON
    if not hasattr(app, "_bb_languages"):
        app._bb_languages = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
    return app._bb_languages


def add_switch(app, pagename, templatename, context, doctree) -> None:
    """``html-page-context`` handler: the switch (links to this page in the other languages) and, where
    texts fell back to the original, a note saying so, at the top of the page's body."""
    data = _data(app)
    if data is None or "body" not in context:
        return
    depth = "../" * (pagename.count("/") + 1)
    links = " ".join(f'<a href="{escape(depth + link["site"] + "/" + pagename + ".html")}" '
                     f'hreflang="{link["language"]}" lang="{link["language"]}">{escape(link["name"])}</a>'
                     for link in data["links"])
    html = f'<nav class="bb-languages" aria-label="{escape(data["label"])}">{links}</nav>\n'
    if pagename in data["untranslated"]:
        html += f'<p class="bb-untranslated" role="note">{escape(data["notice"])}</p>\n'
    context["body"] = html + context["body"]
