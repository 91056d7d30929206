"""Sphinx extension for branchbook pages: the scenario player and knowledge checks.

Laid out like sphinx-exercise and sphinx-design: directives, nodes, templates and static
assets each in their own file. The directives read the JSON that the ``player_data`` writer
produced and declare it as a dependency, so Sphinx re-reads a page exactly when its data changes.
"""

from __future__ import annotations

from pathlib import Path

from sphinx.application import Sphinx

from .directives import KnowledgeCheckDirective, PlayerDirective
from .nodes import check_node, player_node, visit_check_html, visit_player_html, depart_noop
from .languages import add_switch
from .page import add_security_meta, escape_page_title, escape_search_index
from .theme_fixes import THEME_CSS, fix_pages, one_search_field

STATIC = Path(__file__).parent / "static"


def _add_static(app: Sphinx) -> None:
    app.config.html_static_path.append(str(STATIC))
    if not app.config.html_favicon:  # without one, browsers request /favicon.ico and log a 404
        app.config.html_favicon = str(STATIC / "bb-favicon.png")


def setup(app: Sphinx) -> dict:
    app.add_node(player_node, html=(visit_player_html, depart_noop))
    app.add_node(check_node, html=(visit_check_html, depart_noop))
    app.add_directive("branchbook-player", PlayerDirective)
    app.add_directive("branchbook-check", KnowledgeCheckDirective)
    app.connect("builder-inited", _add_static)
    app.connect("config-inited", one_search_field)
    app.add_css_file("bb-player.css")
    app.add_css_file(THEME_CSS)
    app.add_js_file("bb-leave.js", loading_method="defer")
    # Deferred scripts run in this order: the story rules before the player that uses them.
    app.add_js_file("bb-story.js", loading_method="defer")
    app.add_js_file("bb-player.js", loading_method="defer")
    app.add_js_file("bb-quiz.js", loading_method="defer")
    app.connect("build-finished", fix_pages, priority=400)  # before the policy is computed
    app.connect("build-finished", add_security_meta)
    app.connect("build-finished", escape_search_index)
    app.connect("html-page-context", escape_page_title)
    app.connect("html-page-context", add_switch)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
