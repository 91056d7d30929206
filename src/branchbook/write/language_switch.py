"""The language switch's data: which sites a page links to, and which pages still show untranslated texts.

A course with ``translations:`` gets ``_data/languages.json`` in each of its books; the Sphinx extension
(:mod:`branchbook.sphinxext.languages`) puts a switch on every page from it, and a notice on the pages
whose texts fell back to the original (``Course.translation.fell_back``).
"""

from __future__ import annotations

import json

from .. import layout
from ..messages import message
from ..model import Course
from . import WriteOptions

_COURSE_PAGES = {"principles": "principles", "failures": "failures", "glossary": "glossary",
                 "support": "before-you-begin"}  # course.yml's lists -> the page that shows them


def endonym(code: str) -> str:
    """A language's name in itself ('Français'), as a reader looks for it in a switch."""
    from babel import Locale

    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def _untranslated_pages(course: Course) -> list[str]:
    if course.translation is None:
        return []
    pages = set()
    for part, paths in course.translation.fell_back.items():
        kind, _, item = part.partition(":")
        if kind == "scenario":
            pages.add(layout.scenario_page(item))
        elif kind == "module":
            pages.add(layout.module_page(item))
        else:
            pages.update(_COURSE_PAGES[p.split(".")[0]] for p in paths if p.split(".")[0] in _COURSE_PAGES)
    if not (course.root / layout.home_page_overlay(course.settings.language)).is_file():
        pages.add(layout.BOOK_ROOT_PAGE)  # the book shows the original's home page
    return sorted(pages)


def write(course: Course, options: WriteOptions) -> dict[str, bytes]:
    original = course.source.settings
    if not original.translations:
        return {}
    language = course.settings.language
    sites = [(original.language, None), *((code, code) for code in original.translations)]
    from babel import Locale

    data = {
        "format": 1,
        "language": language,
        "label": message("language.switch", language),
        "links": [{"language": code, "name": endonym(code), "site": layout.site_folder(site)}
                  for code, site in sites if code != language],
        "untranslated": _untranslated_pages(course),
        "notice": message("language.untranslated", language,
                          original=Locale.parse(original.language).get_display_name(language) or original.language),
    }
    return {layout.LANGUAGES_JSON: (json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode()}
