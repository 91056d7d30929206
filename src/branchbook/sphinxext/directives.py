"""Directives that read a writer's JSON file into a node, noting it as a page dependency."""

from __future__ import annotations

import json

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

from .nodes import check_node, player_node


class _JsonDirective(SphinxDirective):
    required_arguments = 1
    has_content = False
    node_class: type[nodes.Element]

    def run(self) -> list[nodes.Node]:
        rel, path = self.env.relfn2path(self.arguments[0])
        self.env.note_dependency(rel)
        try:
            data = json.loads(open(path, encoding="utf-8").read())
        except (OSError, ValueError) as err:
            raise self.error(f"cannot read {self.arguments[0]}: {err}") from None
        node = self.node_class()
        node["data"] = data
        return [node]


class PlayerDirective(_JsonDirective):
    """``{branchbook-player} path/to/scenario.json``: the gamebook, which the player script brings to life."""

    node_class = player_node


class KnowledgeCheckDirective(_JsonDirective):
    """``{branchbook-check} path/to/module.json``: questions whose explanations show for the option chosen."""

    node_class = check_node
