"""Decision-map data for the facilitator guide: the scenario's map as SVG (drawn by Graphviz
through the shared :mod:`branchbook.write.decision_map`) with the guide's pause points marked.

The SVG travels to Typst inside the JSON data, as a string; the template turns it into bytes for
``image()``. Nothing of it is read as Typst markup.
"""

from __future__ import annotations

from typing import Any

from ...model import Scenario
from .. import decision_map


def map_data(scenario: Scenario) -> dict[str, Any]:
    """``{"svg": the drawing, "width": pt, "height": pt}``: the template draws it at that size,
    which ``dot`` has already kept within the printable area."""
    svg = decision_map.svg(scenario, decision_map.Options.of(scenario, pauses=True))
    width, height = decision_map.svg_size_pt(svg)
    return {"svg": svg.decode("utf-8"), "width": width, "height": height}


def draw_all(scenarios: list[Scenario]) -> None:
    """Lay out every scenario's map in one ``dot`` run ahead of the guides that show them."""
    decision_map.render_svgs([decision_map.dot_source(s, decision_map.Options.of(s, pauses=True))
                              for s in scenarios])
