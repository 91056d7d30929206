"""Docutils nodes for the player and knowledge checks; their HTML comes from Jinja templates."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from docutils import nodes
from jinja2 import Environment, FileSystemLoader, select_autoescape

TEMPLATES = Path(__file__).parent / "templates"


class player_node(nodes.General, nodes.Element):
    """Holds one scenario's player data (``data``)."""


class check_node(nodes.General, nodes.Element):
    """Holds one module's knowledge-check data (``data``)."""


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["script_json"] = script_json
    return env


def script_json(data: object) -> str:
    """JSON safe inside <script type=application/json>: no '<', '>' or '&' can close the element."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def message(data: dict, key: str, **values: object) -> str:
    return data["messages"][key].format(**values)


def player_html(data: dict) -> str:
    """One scenario's player as HTML; ``serve`` also sends it in place of a page's player when the
    data changed and Sphinx has not rebuilt the page yet."""
    return _env().get_template("player.html").render(d=data, m=lambda k, **v: message(data, k, **v))


def visit_player_html(translator, node: player_node) -> None:
    translator.body.append(player_html(node["data"]))
    raise nodes.SkipNode


def visit_check_html(translator, node: check_node) -> None:
    data = node["data"]
    translator.body.append(_env().get_template("check.html").render(d=data, m=lambda k, **v: message(data, k, **v)))
    raise nodes.SkipNode


def depart_noop(translator, node) -> None:  # pragma: no cover - SkipNode prevents the call
    pass
