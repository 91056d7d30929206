"""Session notebooks: one Jupyter notebook per module that turns room-mode session records into a report.

In room mode the browser player lets a facilitator count the room's votes at each decision and,
at the ending, download a *session record* (JSON: the options offered, the votes, the choice, the
times; never a name). This writer produces, for every module that has scenarios,
``notebooks/<module-id>-session-report.ipynb``: a notebook a facilitator copies next to a
``session-records/`` folder and runs. It reports the path the room took, the vote split at each
decision (a bar chart each), how often a harmful option won, the ending, and the debrief
questions to follow up.

The notebook carries the module's scenarios as a Python literal, so it runs with the standard
library and matplotlib alone (no branchbook install). Output is deterministic: cell ids come
from their position, outputs are empty, and nbformat writes sorted keys.
"""

from __future__ import annotations

import html
import pprint
import re

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


_TOOLS = r'''# Tools the report below uses. You do not need to read or change this cell.
import glob
import io
import json
import os
import re
import textwrap
from datetime import datetime, timezone

from IPython.display import Image, Markdown, display
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

RECORD_FORMAT = 1
ENDINGS = {"good": "Good ending", "mixed": "Mixed ending", "harmful": "Harmful ending"}


class BadRecord(Exception):
    """The file is not a session record this notebook can read; the message says why."""


class OtherRecord(Exception):
    """A record for another course, or for a scenario that is not in this module."""


def read_time(value, where):
    """An ISO time such as 2026-11-25T10:00:00Z."""
    if not isinstance(value, str):
        raise BadRecord(where + " should be a time such as 2026-11-25T10:00:00Z")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadRecord(where + " is not a time: " + repr(value)) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def whole_number(value):
    return isinstance(value, int) and not isinstance(value, bool)


def find_choice(scene, option):
    """The scenario's choice that a recorded option stands for (same destination, then same label)."""
    same_goto = [c for c in scene["choices"] if c["goto"] == option["goto"]]
    if len(same_goto) == 1:
        return same_goto[0]
    same_label = [c for c in same_goto if " ".join(c["label"].split()) == " ".join(option["label"].split())]
    return same_label[0] if same_label else None


def check_decision(decision, number, scenario, expected):
    where = "decision " + str(number)
    if not isinstance(decision, dict):
        raise BadRecord(where + " should be an object with 'node', 'options', 'chosen' and 'at'")
    node = decision.get("node")
    if not isinstance(node, str) or node not in scenario["scenes"]:
        raise BadRecord(where + " is at scene " + repr(node) + ", which is not in the scenario '"
                        + scenario["title"] + "'; the scenario may have changed since the session")
    if node != expected:
        raise BadRecord(where + " is at scene " + repr(node) + ", but the path before it leads to "
                        + repr(expected))
    scene = scenario["scenes"][node]
    options = decision.get("options")
    if not isinstance(options, list) or not options:
        raise BadRecord(where + ": 'options' should be a list of the options offered")
    checked = []
    for place, option in enumerate(options, start=1):
        here = where + ", option " + str(place)
        if not isinstance(option, dict) or not isinstance(option.get("label"), str) \
                or not isinstance(option.get("goto"), str):
            raise BadRecord(here + " should have a 'label' and a 'goto'")
        if not whole_number(option.get("votes")) or option["votes"] < 0:
            raise BadRecord(here + ": 'votes' should be a whole number, 0 or more")
        choice = find_choice(scene, option)
        if choice is None:
            raise BadRecord(here + " (" + repr(option["label"]) + ") is not an option at scene " + repr(node)
                            + "; the scenario may have changed since the session")
        checked.append({"label": option["label"], "goto": option["goto"], "votes": option["votes"],
                        "harmful": choice["harmful"], "violates": choice["violates"]})
    chosen = decision.get("chosen")
    if not whole_number(chosen) or not 0 <= chosen < len(options):
        raise BadRecord(where + ": 'chosen' should be the position of the chosen option, from 0 to "
                        + str(len(options) - 1))
    return {"number": number, "node": node, "scene": scene["number"], "options": checked,
            "chosen": checked[chosen], "at": read_time(decision.get("at"), where + ": 'at'")}


def check_record(record):
    """Check one record against this module's scenarios; returns the session, ready to report."""
    if not isinstance(record, dict):
        raise BadRecord("it should be a JSON object")
    if record.get("format") != RECORD_FORMAT:
        raise BadRecord("'format' should be " + str(RECORD_FORMAT) + ", not " + repr(record.get("format")))
    for key in ("course", "scenario"):
        if not isinstance(record.get(key), str):
            raise BadRecord("'" + key + "' should be the " + key + "'s id")
    if record["course"] != COURSE_ID:
        raise OtherRecord("it is from another course (" + repr(record["course"]) + "; this notebook is for "
                          + repr(COURSE_ID) + ")")
    if record["scenario"] not in SCENARIOS:
        raise OtherRecord("its scenario " + repr(record["scenario"]) + " is not in the module '"
                          + MODULE["title"] + "'")
    scenario = SCENARIOS[record["scenario"]]
    started = read_time(record.get("started"), "'started'")
    finished = None if record.get("finished") is None else read_time(record["finished"], "'finished'")
    if not isinstance(record.get("decisions"), list):
        raise BadRecord("'decisions' should be a list")
    decisions, expected = [], scenario["start"]
    for number, decision in enumerate(record["decisions"], start=1):
        decisions.append(check_decision(decision, number, scenario, expected))
        expected = decisions[-1]["chosen"]["goto"]
    ending = record.get("ending")
    if ending is not None:
        if not isinstance(ending, dict) or ending.get("kind") not in ENDINGS or not isinstance(ending.get("node"), str):
            raise BadRecord("'ending' should have a 'node' and a 'kind' (good, mixed or harmful)")
        if ending["node"] != expected:
            raise BadRecord("the ending is scene " + repr(ending["node"]) + ", but the path leads to " + repr(expected))
        known = scenario["scenes"].get(ending["node"], {}).get("ending")
        if known is None:
            raise BadRecord("scene " + repr(ending["node"]) + " is not an ending of '" + scenario["title"] + "'")
        ending = {"node": ending["node"], "kind": ending["kind"], "title": known["title"],
                  "scene": scenario["scenes"][ending["node"]]["number"]}
    return {"scenario": record["scenario"], "title": scenario["title"], "started": started,
            "finished": finished, "decisions": decisions, "ending": ending, "last": expected}


def load_records(pattern):
    """Read every record the pattern matches; print a note for each file that is skipped."""
    files = sorted(glob.glob(pattern))
    if not files:
        print("No session records found at " + repr(pattern) + " (in " + os.path.abspath(".") + ").")
        print("Put the downloaded records there, then run all cells again.")
    sessions = []
    for path in files:
        name = os.path.basename(path)
        try:
            with open(path, encoding="utf-8") as handle:
                record = json.load(handle)
        except (OSError, UnicodeDecodeError, ValueError) as problem:
            print("Skipped " + name + ": it cannot be read as JSON (" + str(problem) + ").")
            continue
        try:
            session = check_record(record)
        except OtherRecord as reason:
            print("Skipped " + name + ": " + str(reason) + ".")
            continue
        except BadRecord as problem:
            print("Skipped " + name + ": it is not a session record this notebook can read: " + str(problem) + ".")
            continue
        session["file"] = name
        sessions.append(session)
    sessions.sort(key=lambda s: (s["started"], s["file"]))
    for number, session in enumerate(sessions, start=1):
        session["number"] = number
    return sessions


def when(moment):
    return moment.strftime("%d %b %Y, %H:%M ") + (moment.tzname() or "")


def scene_name(number, node):
    return "scene " + str(number) + " (" + node + ")"


def plain(text):
    """Text that Markdown shows exactly as written."""
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", text)


def percent(part, whole):
    return format(100 * part / whole, ".0f") + "%" if whole else "-"


def heading(session):
    display(Markdown("### Session " + str(session["number"]) + ": " + plain(session["title"]) + ", "
                     + plain(when(session["started"]))))


def ending_text(session):
    ending = session["ending"]
    if ending is None:
        return "no ending: the record stops at " + session["last"]
    return ENDINGS[ending["kind"]] + ": " + ending["title"]


def show_summary(sessions):
    """One line per session read."""
    print("Session records read: " + str(len(sessions)))
    for s in sessions:
        print("  Session " + str(s["number"]) + ": " + s["title"] + ", started " + when(s["started"]) + ", "
              + "decisions: " + str(len(s["decisions"])) + ", " + ending_text(s) + "  (file " + s["file"] + ")")


def shorten(text, width):
    return text if len(text) <= width else text[:width - 1] + "…"


def show_path(session):
    """The path as a table, then in words."""
    heading(session)
    decisions = session["decisions"]
    print("Decisions made: " + str(len(decisions)))
    rows = [("Step", "Scene", "The room chose", "Votes", "Harmful?", "Led to")]
    for d in decisions:
        total = sum(o["votes"] for o in d["options"])
        chosen = d["chosen"]
        next_scene = SCENARIOS[session["scenario"]]["scenes"][chosen["goto"]]["number"]
        rows.append((str(d["number"]), scene_name(d["scene"], d["node"]), shorten(chosen["label"], 60),
                     str(chosen["votes"]) + " of " + str(total), "yes" if chosen["harmful"] else "no",
                     scene_name(next_scene, chosen["goto"])))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    print()
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    print()
    print("In words:")
    first = SCENARIOS[session["scenario"]]["start"]
    print("  " + scene_name(SCENARIOS[session["scenario"]]["scenes"][first]["number"], first))
    for d in decisions:
        chosen = d["chosen"]
        number = SCENARIOS[session["scenario"]]["scenes"][chosen["goto"]]["number"]
        print("    → the room chose “" + chosen["label"] + "”" + (" (harmful)" if chosen["harmful"] else ""))
        print("  " + scene_name(number, chosen["goto"]))
    print("  " + ending_text(session))


def vote_chart(session, decision):
    """A bar chart of one decision's votes: the room's choice in blue, harmful options hatched."""
    options = decision["options"]
    figure = Figure(figsize=(9, 1.6 + 0.7 * len(options)), dpi=100)
    axes = figure.subplots()
    labels = [textwrap.fill(o["label"], 45) for o in options]
    votes = [o["votes"] for o in options]
    colours = ["#0072B2" if o is decision["chosen"] else "#BBBBBB" for o in options]
    bars = axes.barh(range(len(options)), votes, color=colours, edgecolor="black")
    for bar, option in zip(bars, options):
        if option["harmful"]:
            bar.set_hatch("//")
    axes.set_yticks(range(len(options)), labels)
    axes.invert_yaxis()
    axes.bar_label(bars, padding=3)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlim(0, max(votes + [1]) * 1.15)
    axes.set_xlabel("Votes")
    axes.set_title("Session " + str(session["number"]) + ", decision " + str(decision["number"]) + ": "
                   + scene_name(decision["scene"], decision["node"]), loc="left")
    axes.legend(handles=[Patch(facecolor="#0072B2", edgecolor="black", label="The room's choice"),
                         Patch(facecolor="white", edgecolor="black", hatch="//", label="Harmful option")],
                loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    picture = io.BytesIO()
    figure.savefig(picture, format="png", bbox_inches="tight")
    display(Image(data=picture.getvalue(), format="png"))


def show_votes(session):
    """For each decision: the votes as numbers, then as a chart."""
    heading(session)
    for d in session["decisions"]:
        total = sum(o["votes"] for o in d["options"])
        print("Decision " + str(d["number"]) + ", " + scene_name(d["scene"], d["node"]) + ": " + str(total) + " votes")
        for option in d["options"]:
            marks = [m for m, on in (("chosen", option is d["chosen"]), ("harmful", option["harmful"])) if on]
            print(str(option["votes"]).rjust(6) + "  " + option["label"] + ("  [" + ", ".join(marks) + "]" if marks else ""))
        vote_chart(session, d)


def harmful_counts(sessions):
    decisions = [d for s in sessions for d in s["decisions"]]
    won = sum(1 for d in decisions if d["chosen"]["harmful"])
    offered = sum(1 for d in decisions if any(o["harmful"] for o in d["options"]))
    votes = sum(o["votes"] for d in decisions for o in d["options"])
    harmful_votes = sum(o["votes"] for d in decisions for o in d["options"] if o["harmful"])
    return won, len(decisions), offered, harmful_votes, votes


def show_harmful(session):
    heading(session)
    won, made, offered, harmful_votes, votes = harmful_counts([session])
    print("Harmful options won " + str(won) + " of " + str(made) + " decisions (" + percent(won, made) + ").")
    print("A harmful option was on offer at " + str(offered) + " of them; " + str(harmful_votes) + " of "
          + str(votes) + " votes (" + percent(harmful_votes, votes) + ") went to harmful options.")


def show_harmful_overall(sessions):
    if len(sessions) > 1:
        won, made, offered, harmful_votes, votes = harmful_counts(sessions)
        display(Markdown("### All sessions together"))
        print("Harmful options won " + str(won) + " of " + str(made) + " decisions (" + percent(won, made) + ").")


def show_ending(session):
    heading(session)
    ending = session["ending"]
    if ending is None:
        print("The record stops before an ending, at " + session["last"] + ".")
        return
    print("Ending: " + ending["kind"] + ". The room reached “" + ending["title"] + "”, "
          + scene_name(ending["scene"], ending["node"]) + ".")
    if session["finished"] is not None:
        minutes = round((session["finished"] - session["started"]).total_seconds() / 60)
        print("The session took " + str(minutes) + " minutes.")


def show_follow_up(sessions):
    """The debrief questions of each scenario played, and the harmful choices the room made."""
    for scenario_id in sorted({s["scenario"] for s in sessions}, key=list(SCENARIOS).index):
        scenario = SCENARIOS[scenario_id]
        lines = ["### " + plain(scenario["title"]), "", "Debrief questions:", ""]
        lines += [str(i) + ". " + plain(q) for i, q in enumerate(scenario["debrief"], start=1)]
        harmful = [(s, d) for s in sessions if s["scenario"] == scenario_id
                   for d in s["decisions"] if d["chosen"]["harmful"]]
        if harmful:
            lines += ["", "Harmful options the room chose, worth coming back to:", ""]
            for s, d in harmful:
                broken = ", ".join(PRINCIPLES.get(p, p) for p in d["chosen"]["violates"])
                lines.append("- Session " + str(s["number"]) + ", decision " + str(d["number"]) + ", "
                             + plain(scene_name(d["scene"], d["node"])) + ": “" + plain(d["chosen"]["label"])
                             + "”, which goes against " + plain(broken))
        display(Markdown("\n".join(lines)))
'''

_CELLS = [
    ("markdown", None),  # the intro
    ("code", None),      # settings and the module's scenarios
    ("code", _TOOLS),
    ("markdown", "## The sessions\n\nThe records found, and a note for any file that was skipped."),
    ("code", "sessions = load_records(RECORDS)\nshow_summary(sessions)"),
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
    ("code", "show_follow_up(sessions)"),
]


def notebook(course: Course, module: Module) -> nbformat.NotebookNode:
    """The session-report notebook for one module (outputs empty, ids from cell positions)."""
    sources = [_intro(course, module), _settings(module_data(course, module))] + [s for _, s in _CELLS[2:]]
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
