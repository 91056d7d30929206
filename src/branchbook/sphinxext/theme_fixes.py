"""Accessibility fixes for markup that the theme (pydata-sphinx-theme via sphinx-book-theme) and
docutils write on every page, applied to the finished HTML when the build ends.

Each fix answers one axe-core rule (WCAG 2.2 A/AA) that the stock markup fails; none disables a
rule. They are plain, idempotent text rewrites of exact theme markup, so a page already fixed is
left as it is (incremental builds copy fixed pages forward) and a theme release that changes the
markup simply stops matching (the browser accessibility tests then say so).

- ``label-content-name-mismatch`` (WCAG 2.5.3 Label in Name), search button: its ``aria-label``
  ("Search") hides its visible text ("Search Ctrl+K"). Without the ``aria-label`` the name is the
  visible text; the ``title`` tooltip stays.
- ``label-content-name-mismatch``, colour-mode button: Font Awesome turns each icon's ``title``
  into an SVG ``<title>``, text inside the button that its ``aria-label`` ("Color mode") does not
  contain. The icons are decorative (the button's name says what it does): ``aria-hidden``, no title.
- ``summary-name`` (WCAG 4.1.2), sidebar: the ``<summary>`` that expands a section holds only a
  chevron icon. It is named after the section it expands (the link beside it).
- Focus visible (WCAG 2.4.7): the search and sidebar buttons get the theme's focus ring back;
  that one is CSS, in ``static/bb-theme.css`` (``THEME_CSS``), added to every page.
- ``aria-deprecated-role`` and ``aria-required-children`` (WCAG 4.1.2), bibliography: docutils
  gives each entry of a ``role="list"`` the deprecated role ``doc-biblioentry``; ``listitem`` is
  what a list needs.

One fix is a setting rather than a rewrite (``one_search_field``): two search fields in the first
view at desktop widths. pydata-sphinx-theme 0.17 puts a search field in a top bar
(``navbar_persistent``) unless the theme options name that setting; sphinx-book-theme already has
one at the top of its sidebar and leaves the top bar otherwise empty. Saying ``navbar_persistent:
[]`` drops the duplicate and its empty bar from the page (so no reader, assistive technology
included, meets it twice); narrow screens keep the theme's search button in the article header.
An author who sets ``navbar_persistent`` in ``_config.yml`` keeps their setting.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

THEME_CSS = "bb-theme.css"

_SEARCH_BUTTON = re.compile(r'(<button class="btn search-button-field[^"]*"[^>]*?)\s+aria-label="[^"]*"')
_MODE_ICON = re.compile(r'(<i class="theme-switch [^"]*"\s+data-mode="[a-z]+")\s+title="[^"]*"')
_TOC_SUMMARY = re.compile(
    r'(<a class="(?:[^"]*\s)?reference internal(?:\s[^"]*)?"[^>]*>(?P<text>(?:(?!</a>).)*)</a>\s*<details(?:\s[^>]*)?>\s*)'
    r'<summary>(?=\s*<span class="toctree-toggle")', re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_BIBLIOENTRY = 'role="doc-biblioentry"'


def _name_summary(match: re.Match) -> str:
    text = html.unescape(_TAG.sub("", match.group("text")))
    name = " ".join(text.split())
    return f'{match.group(1)}<summary aria-label="{html.escape(name, quote=True)}">'


def fix_html(page: str) -> str:
    """The page with every fix applied (unchanged if none applies)."""
    page = _SEARCH_BUTTON.sub(r"\1", page)
    page = _MODE_ICON.sub(r'\1 aria-hidden="true"', page)
    page = _TOC_SUMMARY.sub(_name_summary, page)
    return page.replace(_BIBLIOENTRY, 'role="listitem"')


def fix_file(path: Path) -> bool:
    text = path.read_text(encoding="utf-8")
    fixed = fix_html(text)
    if fixed == text:
        return False
    path.write_text(fixed, encoding="utf-8")
    return True


def fix_pages(app, exception) -> None:
    """``build-finished`` handler (connected before the security meta is added): fix every page."""
    if exception is None and app.builder.format == "html":
        for page in Path(app.outdir).rglob("*.html"):
            if "_static" not in page.relative_to(app.outdir).parts:
                fix_file(page)


def one_search_field(app, config) -> None:
    """``config-inited`` handler: one search field per page (see the module docstring)."""
    options = dict(config.html_theme_options or {})
    options.setdefault("navbar_persistent", [])
    config.html_theme_options = options
