"""Where each output lives in the book and the site: the one place writers agree on paths.

Writers link to each other's outputs (a scenario page links to its printable packet) without
importing each other; both read the convention from here.
"""

from __future__ import annotations

BOOK_ROOT_PAGE = "intro"
HANDOUTS_DIR = "handouts"


def scenario_page(scenario_id: str) -> str:
    return f"scenarios/{scenario_id}"


def module_page(module_id: str) -> str:
    return f"modules/{module_id}"


def player_json(scenario_id: str) -> str:
    return f"_data/player/{scenario_id}.json"


def decision_map_svg(scenario_id: str) -> str:
    return f"_data/maps/{scenario_id}.svg"


def checks_json(module_id: str) -> str:
    return f"_data/checks/{module_id}.json"


def packet_pdf(scenario_id: str) -> str:
    return f"{HANDOUTS_DIR}/scenarios/{scenario_id}-packet.pdf"


def role_cards_pdf(scenario_id: str) -> str:
    return f"{HANDOUTS_DIR}/scenarios/{scenario_id}-role-cards.pdf"


def quickref_pdf(card_id: str) -> str:
    return f"{HANDOUTS_DIR}/quickref/{card_id}.pdf"


def facilitator_guide_pdf(module_id: str | None = None) -> str:
    """The course's guide, or one module's section of it."""
    return f"{HANDOUTS_DIR}/facilitator/guide.pdf" if module_id is None \
        else f"{HANDOUTS_DIR}/facilitator/modules/{module_id}.pdf"


CERTIFICATE_PDF = f"{HANDOUTS_DIR}/certificate.pdf"

QUICKREF_CARDS = (
    ("receiving-a-disclosure", "Receiving a disclosure"),
    ("conflicts-of-interest", "Conflicts of interest: declaration and recusal"),
    ("mediation-and-restorative-processes", "Is mediation or a restorative process appropriate?"),
    ("interim-measures", "Interim measures planner"),
    ("red-flags-for-lethal-risk", "Red flags for lethal risk, and where to refer"),
)
"""The quick-reference cards (their content lives with the Typst templates) and their link titles."""


def session_notebook(module_id: str) -> str:
    return f"notebooks/{module_id}-session-report.ipynb"


# ---- translations: a translated course's book sources live in a folder of the book, its site beside the original's

LANGUAGES_DIR = "_languages"
LANGUAGES_JSON = "_data/languages.json"


def book_folder(language: str | None = None) -> str:
    """The book's sources, relative to the course: ``book``, or ``book/_languages/fr`` for a translation
    (Sphinx ignores it in the original book: only the pages of its table of contents are built)."""
    return "book" if language is None else f"book/{LANGUAGES_DIR}/{language}"


def handouts_folder(language: str | None = None) -> str:
    """The handouts of the book in ``language`` (None: the original), relative to the course."""
    return f"{book_folder(language)}/{HANDOUTS_DIR}"


def home_page() -> str:
    """The book's home page, the author's own Markdown, relative to the course."""
    return f"{book_folder()}/{BOOK_ROOT_PAGE}.md"


def home_page_overlay(language: str) -> str:
    """The author's translation of the book's home page (``book/intro.md``), relative to the course: an overlay
    as the course's are (Sphinx leaves it out of the original book: it is in no table of contents)."""
    return f"{book_folder()}/{BOOK_ROOT_PAGE}.{language}.md"


def site_folder(language: str | None = None) -> str:
    """The live site's folder in ``book/_build``: ``html``, or ``html-fr`` for a translation."""
    return "html" if language is None else f"html-{language}"


def published_folder(language: str | None, translated: bool) -> str:
    """Where ``branchbook export site`` puts a language's site in the folder to publish: a course in one language
    at its root; a translated course's sites side by side as in ``book/_build`` (where the switch links them),
    below a home page that leads to the original."""
    return "" if not translated else site_folder(language)


def page_in_language(pagename: str, language: str | None) -> str:
    """The link from a page of any of the course's sites to the same page in ``language`` (None: the original):
    relative, so it works from ``file://`` as when served, as long as the sites stay side by side."""
    return "../" * (pagename.count("/") + 1) + f"{site_folder(language)}/{pagename}.html"
