"""Section numbers of a scenario's scenes, as the printed packet numbers them (§1, §2, …).

Shared by the packet, the facilitator guide's decision map and the decision map on the site, so
that "§7" means the same scene on paper and on screen.
"""

from __future__ import annotations

import hashlib
import random

from ..model import Scenario


def _rng(scenario_id: str) -> random.Random:
    return random.Random(int.from_bytes(hashlib.sha256(scenario_id.encode()).digest()[:8], "big"))


def section_numbers(scenario: Scenario, tries: int = 200) -> dict[str, int]:
    """Scene id → section number. The start is §1; the other scenes follow in a shuffled order and
    the endings come last (also shuffled). The shuffle is seeded from the scenario id, and among
    the first ``tries`` shuffles the one with the fewest choices leading to a neighbouring number
    is kept, so the next section is rarely (usually never) the adjacent one."""
    scenes = [n for n, node in scenario.nodes.items() if node.ending is None and n != scenario.start]
    endings = [n for n, node in scenario.nodes.items() if node.ending is not None and n != scenario.start]
    edges = [(nid, c.goto) for nid, node in scenario.nodes.items() for c in node.choices
             if c.goto != nid and c.goto in scenario.nodes]  # an unchecked scenario may point nowhere
    rng = _rng(scenario.id)
    best: tuple[int, dict[str, int]] | None = None
    for _ in range(tries):
        rng.shuffle(scenes)
        rng.shuffle(endings)
        numbers = {nid: i for i, nid in enumerate([scenario.start, *scenes, *endings], start=1)}
        score = sum(abs(numbers[a] - numbers[b]) == 1 for a, b in edges)
        if best is None or score < best[0]:
            best = (score, numbers)
        if score == 0:
            break
    assert best is not None
    return best[1]


def letter(index: int) -> str:
    """The letter of a scene's ``index``-th choice (A, B, …), as the packet prints it."""
    return chr(ord("A") + index)
