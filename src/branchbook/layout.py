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


def checks_json(module_id: str) -> str:
    return f"_data/checks/{module_id}.json"


def packet_pdf(scenario_id: str) -> str:
    return f"{HANDOUTS_DIR}/scenarios/{scenario_id}-packet.pdf"


def role_cards_pdf(scenario_id: str) -> str:
    return f"{HANDOUTS_DIR}/scenarios/{scenario_id}-role-cards.pdf"
