"""Session notebooks: one Jupyter notebook per module that turns room-mode session records into a report.

In room mode the browser player lets a facilitator count the room's votes at each decision and,
at the ending, download a *session record* (JSON: the options offered, the votes, the choice, the
times; never a name). This writer produces, for every module that has scenarios,
``notebooks/<module-id>-session-report.ipynb``: a notebook a facilitator copies next to a
``session-records/`` folder and runs. It reports the path the room took, the vote split at each
decision (a bar chart each), how often a harmful option won, the ending, and the debrief
questions to follow up.

The notebook carries the module's scenarios as a Python literal and the report's code, the module
``session_report.py`` copied verbatim (it is linted and unit-tested as a module of this package), so
it runs with the standard library, IPython and matplotlib alone (no branchbook install). Output is deterministic: cell ids come
from their position, outputs are empty, and nbformat writes sorted keys.
"""

from __future__ import annotations

import html
import pprint
import re
from importlib import resources

import nbformat
from nbformat import v4

from .. import layout
from ..messages import catalogue
from ..model import Choice, Course, Module, Scenario
from . import markdown

RECORDS_GLOB = "session-records/*.json"

def _label_text(label: str) -> str:
    """A choice label as the player shows it (and writes it into session records): its rendered text."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]*>", "", markdown.to_inline_html(label)))).strip()


def _harmful(choice: Choice) -> bool:
    """A harmful option violates at least one principle and upholds none."""
    return bool(choice.violates) and not choice.upholds


def scenario_data(scenario: Scenario) -> dict:
    """What the notebook needs to know about one scenario (plain Python values, in the author's order)."""
    scenes = {}
    for number, (node_id, node) in enumerate(scenario.nodes.items(), start=1):
        scenes[node_id] = {
            "number": number,
            "choices": [
                {"label": _label_text(c.label), "goto": c.goto, "upholds": list(c.upholds),
                 "violates": list(c.violates), "harmful": _harmful(c)}
                for c in node.choices
            ],
            "ending": None if node.ending is None else {"kind": node.ending.kind, "title": node.ending.title},
        }
    return {
        "title": scenario.title,
        "start": scenario.start,
        "scenes": scenes,
        "debrief": [markdown.to_plain(q) for q in scenario.debrief],
    }


def module_data(course: Course, module: Module) -> dict:
    scenarios = [course.scenario(sid) for sid in module.scenarios]
    used = {p for s in scenarios for n in s.nodes.values() for c in n.choices for p in (*c.upholds, *c.violates)}
    return {
        "course": course.settings.id,
        "module": {"id": module.id, "title": module.title},
        "principles": {p.id: p.name for p in course.settings.principles if p.id in used},
        "scenarios": {s.id: scenario_data(s) for s in scenarios},
    }


def _literal(value: object) -> str:
    return pprint.pformat(value, width=100, sort_dicts=False)


def _intro(course: Course, module: Module) -> str:
    words = catalogue(course.settings.language)
    titles = "\n".join(f"- *{markdown.literal(course.scenario(sid).title)}* (`{sid}`)" for sid in module.scenarios)
    return f"""# Session report: {markdown.literal(module.title)}

This notebook is for facilitators. It reads the **session records** saved while the room played this
module's scenarios together, and reports for each session: the path the room took, how the votes split
at each decision, how often a harmful option won, the ending the room reached, and the debrief
questions to follow up.

Scenarios in this module:

{titles}

## 1. Record a session

1. Open the scenario's page in the course and press **{markdown.literal(words["player.facilitate"])}**.
2. At each decision, count the room's votes with **+** and **−** beside each option, then press
   **{markdown.literal(words["player.decide"])}**.
3. At the ending, press **{markdown.literal(words["player.download_record"])}**. Your browser saves a file
   whose name starts with `branchbook-` and the scenario's id.

## 2. Put the records next to this notebook

1. Copy this notebook into a folder of your own, outside the course's `book/` folder: branchbook
   rewrites the copy in `book/`, and a copy saved there with results in it stops the next build.
2. In that folder, make a folder called `session-records` and put the downloaded files in it.
   Several records at once are fine. Records from another course, or for a scenario that is not in this
   module, are skipped with a note.

## 3. Run it

Run every cell (in Jupyter: **Run → Run All Cells**). The report appears under the cells below. You
need Python 3 with Jupyter and matplotlib; branchbook itself does not need to be installed.

## Privacy

A session record holds **no names**: only which options were offered, how many votes each got, which
one the room chose, and the times. Keep it that way: do not put names in the file names or in notes in
this notebook, and delete the records when your organisation's rules say so.
"""


def _settings(data: dict) -> str:
    return f"""# Settings: the only line you might change.
# Which session records to read, relative to this notebook ("*" matches any file name).
RECORDS = "{RECORDS_GLOB}"

# ---------------------------------------------------------------------------------------------
# This module's scenarios, written by branchbook from the course. You do not need to change them.
# For each scene: its number (its place in the scenario), its choices and its ending, if any.
# A choice is "harmful" when it violates at least one principle and upholds none.
# ---------------------------------------------------------------------------------------------
COURSE_ID = {data["course"]!r}
MODULE = {_literal(data["module"])}
PRINCIPLES = {_literal(data["principles"])}
SCENARIOS = {{}}
""" + "".join(f"\nSCENARIOS[{sid!r}] = {_literal(scenario)}\n" for sid, scenario in data["scenarios"].items())


def _tools() -> str:
    """The report's code: a real module of this package, linted and unit-tested, copied into the notebook."""
    return resources.files(__package__).joinpath("session_report.py").read_text(encoding="utf-8")


_CELLS = [
    ("markdown", None),  # the intro
    ("code", None),      # settings and the module's scenarios
    ("code", None),      # the tools: session_report.py, copied verbatim
    ("markdown", "## The sessions\n\nThe records found, and a note for any file that was skipped."),
    ("code", "sessions = load_records(RECORDS, COURSE_ID, MODULE, SCENARIOS)\nshow_summary(sessions)"),
    ("markdown", "## The path the room took\n\nEach decision: the scene, the option the room chose, its votes, "
                 "whether it was harmful, and the scene it led to."),
    ("code", "for session in sessions:\n    show_path(session)"),
    ("markdown", "## How the votes split\n\nOne chart per decision. The room's choice is blue; harmful options "
                 "(they go against a principle and uphold none) are hatched."),
    ("code", "for session in sessions:\n    show_votes(session)"),
    ("markdown", "## How often a harmful option won"),
    ("code", "for session in sessions:\n    show_harmful(session)\nshow_harmful_overall(sessions)"),
    ("markdown", "## The ending"),
    ("code", "for session in sessions:\n    show_ending(session)"),
    ("markdown", "## To follow up\n\nThe scenario's debrief questions, and the harmful options the room chose."),
    ("code", "show_follow_up(sessions, SCENARIOS, PRINCIPLES)"),
]


def notebook(course: Course, module: Module) -> nbformat.NotebookNode:
    """The session-report notebook for one module (outputs empty, ids from cell positions)."""
    sources = [_intro(course, module), _settings(module_data(course, module)), _tools()] + [s for _, s in _CELLS[3:]]
    cells = []
    for position, ((kind, _), source) in enumerate(zip(_CELLS, sources), start=1):
        make = v4.new_markdown_cell if kind == "markdown" else v4.new_code_cell
        cells.append(make(source.rstrip("\n"), id=f"cell-{position}"))
    return v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    })


def encode(nb: nbformat.NotebookNode) -> bytes:
    return (nbformat.writes(nb, version=4) + "\n").encode("utf-8")


def write(course: Course) -> dict[str, bytes]:
    return {layout.session_notebook(m.id): encode(notebook(course, m)) for m in course.modules if m.scenarios}
