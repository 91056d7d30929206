# Tools the report below uses. You do not need to read or change this cell.
"""Read room-mode session records and report them: path, vote split, harmful wins, ending, follow-up.

This file is copied verbatim into each session-report notebook (``write/notebooks.py``), so it runs
with the standard library, IPython and matplotlib alone; branchbook need not be installed. The
scenario data it checks records against (``scenarios``: id -> {title, start, scenes, debrief}) is
written into the notebook's settings cell, and every function takes it as an argument, so the unit
tests import this module and call the functions directly.

A record (docs/player.md, format 1) lists at each decision the options offered, each with its own
label, target and votes, and ``chosen`` is the position of the room's choice *in that list*: it is
read only against the record's own options, never against the scenario's choice list. Each option
is matched to the scenario's choice by its target and then its label, and the path is checked scene
by scene, so a scenario whose choices were reordered since the session still reads correctly.
"""

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
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))  # Python before 3.11 reads no "Z"
    except ValueError:
        raise BadRecord(where + " is not a time: " + repr(value)) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def whole_number(value):
    return isinstance(value, int) and not isinstance(value, bool)


def same_words(a, b):
    return " ".join(a.split()) == " ".join(b.split())


def find_choice(scene, option):
    """The scenario's choice that a recorded option stands for (same destination, then same label)."""
    same_goto = [c for c in scene["choices"] if c["goto"] == option["goto"]]
    if len(same_goto) == 1:
        return same_goto[0]
    same_label = [c for c in same_goto if same_words(c["label"], option["label"])]
    return same_label[0] if same_label else None


def total_votes(decision):
    return sum(o["votes"] for o in decision["options"])


def majority(options):
    """The option with strictly the most votes, or None (no votes, or a tie at the top).

    The same rule as the player's "Go with the room's choice"; when the room's choice is not this
    option, the facilitator broke a tie or chose without a majority.
    """
    top = max((o["votes"] for o in options), default=0)
    leaders = [o for o in options if o["votes"] == top]
    return leaders[0] if top > 0 and len(leaders) == 1 else None


def check_option(option, here, scene, node):
    if not isinstance(option, dict) or not isinstance(option.get("label"), str) \
            or not isinstance(option.get("goto"), str):
        raise BadRecord(here + " should have a 'label' and a 'goto'")
    if not whole_number(option.get("votes")) or option["votes"] < 0:
        raise BadRecord(here + ": 'votes' should be a whole number, 0 or more")
    choice = find_choice(scene, option)
    if choice is None:
        raise BadRecord(here + " (" + repr(option["label"]) + ") is not an option at scene " + repr(node)
                        + "; the scenario may have changed since the session")
    return {"label": option["label"], "goto": option["goto"], "votes": option["votes"],
            "harmful": choice["harmful"], "violates": choice["violates"]}


def check_decision(decision, number, scenario, expected):
    """One decision of a record, checked against the scene the path so far leads to."""
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
    checked = [check_option(option, where + ", option " + str(place), scene, node)
               for place, option in enumerate(options, start=1)]
    chosen = decision.get("chosen")
    if not whole_number(chosen) or not 0 <= chosen < len(checked):
        raise BadRecord(where + ": 'chosen' should be the position of the chosen option in its 'options', "
                        "from 0 to " + str(len(checked) - 1))
    leads_to = scenario["scenes"].get(checked[chosen]["goto"])
    if leads_to is None:
        raise BadRecord(where + ": the chosen option leads to " + repr(checked[chosen]["goto"])
                        + ", which is not in the scenario; the scenario may have changed since the session")
    return {"number": number, "node": node, "scene": scene["number"], "options": checked,
            "chosen": checked[chosen], "leads_to": leads_to["number"],
            "at": read_time(decision.get("at"), where + ": 'at'")}


def check_ending(ending, scenario, expected):
    if not isinstance(ending, dict) or ending.get("kind") not in ENDINGS or not isinstance(ending.get("node"), str):
        raise BadRecord("'ending' should have a 'node' and a 'kind' (good, mixed or harmful)")
    if ending["node"] != expected:
        raise BadRecord("the ending is scene " + repr(ending["node"]) + ", but the path leads to " + repr(expected))
    known = scenario["scenes"].get(ending["node"], {}).get("ending")
    if known is None:
        raise BadRecord("scene " + repr(ending["node"]) + " is not an ending of '" + scenario["title"] + "'")
    return {"node": ending["node"], "kind": ending["kind"], "title": known["title"],
            "scene": scenario["scenes"][ending["node"]]["number"]}


def check_record(record, course_id, module, scenarios):
    """Check one record against this module's scenarios; returns the session, ready to report."""
    if not isinstance(record, dict):
        raise BadRecord("it should be a JSON object")
    if record.get("format") != RECORD_FORMAT:
        newer = whole_number(record.get("format")) and record["format"] > RECORD_FORMAT
        raise BadRecord("'format' should be " + str(RECORD_FORMAT) + ", not " + repr(record.get("format"))
                        + ("; it was saved by a newer player: use the notebook from the same version of the course"
                           if newer else ""))
    for key in ("course", "scenario"):
        if not isinstance(record.get(key), str):
            raise BadRecord("'" + key + "' should be the " + key + "'s id")
    if record["course"] != course_id:
        raise OtherRecord("it is from another course (" + repr(record["course"]) + "; this notebook is for "
                          + repr(course_id) + ")")
    if record["scenario"] not in scenarios:
        raise OtherRecord("its scenario " + repr(record["scenario"]) + " is not in the module '"
                          + module["title"] + "'")
    scenario = scenarios[record["scenario"]]
    started = read_time(record.get("started"), "'started'")
    finished = None if record.get("finished") is None else read_time(record["finished"], "'finished'")
    if not isinstance(record.get("decisions"), list):
        raise BadRecord("'decisions' should be a list")
    decisions, expected = [], scenario["start"]
    for number, decision in enumerate(record["decisions"], start=1):
        decisions.append(check_decision(decision, number, scenario, expected))
        expected = decisions[-1]["chosen"]["goto"]
    ending = None if record.get("ending") is None else check_ending(record["ending"], scenario, expected)
    return {"scenario": record["scenario"], "title": scenario["title"], "started": started,
            "finished": finished, "decisions": decisions, "ending": ending, "last": expected,
            "first": scene_name(scenario["scenes"][scenario["start"]]["number"], scenario["start"])}


def load_records(pattern, course_id, module, scenarios):
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
            session = check_record(record, course_id, module, scenarios)
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
        chosen = d["chosen"]
        rows.append((str(d["number"]), scene_name(d["scene"], d["node"]), shorten(chosen["label"], 60),
                     str(chosen["votes"]) + " of " + str(total_votes(d)), "yes" if chosen["harmful"] else "no",
                     scene_name(d["leads_to"], chosen["goto"])))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    print()
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    print()
    print("In words:")
    print("  " + session["first"])
    for d in decisions:
        chosen = d["chosen"]
        print("    → the room chose “" + chosen["label"] + "”" + (" (harmful)" if chosen["harmful"] else ""))
        print("  " + scene_name(d["leads_to"], chosen["goto"]))
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
    axes.set_xlim(0, max([*votes, 1]) * 1.15)
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
        print("Decision " + str(d["number"]) + ", " + scene_name(d["scene"], d["node"]) + ": "
              + str(total_votes(d)) + " votes")
        for option in d["options"]:
            marks = [m for m, on in (("chosen", option is d["chosen"]), ("harmful", option["harmful"])) if on]
            print(str(option["votes"]).rjust(6) + "  " + option["label"]
                  + ("  [" + ", ".join(marks) + "]" if marks else ""))
        if majority(d["options"]) is not d["chosen"]:
            print("  The room's choice did not have the most votes: a tie, or the facilitator's call.")
        vote_chart(session, d)


def harmful_counts(sessions):
    """Over the sessions' decisions: how many a harmful option won, how many offered one, and the votes."""
    decisions = [d for s in sessions for d in s["decisions"]]
    return {
        "won": sum(1 for d in decisions if d["chosen"]["harmful"]),
        "decisions": len(decisions),
        "offered": sum(1 for d in decisions if any(o["harmful"] for o in d["options"])),
        "harmful_votes": sum(o["votes"] for d in decisions for o in d["options"] if o["harmful"]),
        "votes": sum(total_votes(d) for d in decisions),
    }


def print_harmful_won(counts):
    print("Harmful options won " + str(counts["won"]) + " of " + str(counts["decisions"]) + " decisions ("
          + percent(counts["won"], counts["decisions"]) + ").")


def show_harmful(session):
    heading(session)
    counts = harmful_counts([session])
    print_harmful_won(counts)
    print("A harmful option was on offer at " + str(counts["offered"]) + " of them; " + str(counts["harmful_votes"])
          + " of " + str(counts["votes"]) + " votes (" + percent(counts["harmful_votes"], counts["votes"])
          + ") went to harmful options.")


def show_harmful_overall(sessions):
    if len(sessions) > 1:
        display(Markdown("### All sessions together"))
        print_harmful_won(harmful_counts(sessions))


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


def follow_up(sessions, scenario_id, scenario, principles):
    """Markdown: a scenario's debrief questions, then the harmful options the room chose in it."""
    lines = ["### " + plain(scenario["title"]), "", "Debrief questions:", ""]
    lines += [str(i) + ". " + plain(q) for i, q in enumerate(scenario["debrief"], start=1)]
    harmful = [(s, d) for s in sessions if s["scenario"] == scenario_id
               for d in s["decisions"] if d["chosen"]["harmful"]]
    if harmful:
        lines += ["", "Harmful options the room chose, worth coming back to:", ""]
        for s, d in harmful:
            broken = ", ".join(principles.get(p, p) for p in d["chosen"]["violates"])
            lines.append("- Session " + str(s["number"]) + ", decision " + str(d["number"]) + ", "
                         + plain(scene_name(d["scene"], d["node"])) + ": “" + plain(d["chosen"]["label"])
                         + "”, which goes against " + plain(broken))
    return "\n".join(lines)


def show_follow_up(sessions, scenarios, principles):
    """The debrief questions of each scenario played (in the module's order), and the harmful choices made."""
    played = {s["scenario"] for s in sessions}
    for scenario_id, scenario in scenarios.items():
        if scenario_id in played:
            display(Markdown(follow_up(sessions, scenario_id, scenario, principles)))
