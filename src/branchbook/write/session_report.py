# Tools the report below uses. You do not need to read or change this cell.
"""Read room-mode session records and report them: path, vote split, harmful wins, ending, follow-up.

This file is copied verbatim into each session-report notebook (``write/notebooks.py``), so it runs
with the standard library, IPython and matplotlib alone; branchbook need not be installed. What it
knows of the module (its scenarios: id -> {title, start, scenes, debrief}, its principles) and the
words it prints (the course's catalogue, ``session_report.*`` and ``ending.*``) are written into the
notebook's settings cell and handed to a ``Report``, so the unit tests import this module and build
a ``Report`` of their own.

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
ENDING_KINDS = ("good", "mixed", "harmful")


class BadRecord(Exception):
    """The file is not a session record this notebook can read; the message says why."""


class OtherRecord(Exception):
    """A record for another course, or for a scenario that is not in this module."""


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


def percent(part, whole, words):
    """A whole percentage written as the catalogue's language writes it ("45%", "45 %")."""
    if not whole:
        return words["session_report.no_percent"]
    return words["session_report.percent"].format(value=format(100 * part / whole, ".0f"))


def plain(text):
    """Text that Markdown shows exactly as written."""
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", text)


def shorten(text, width):
    return text if len(text) <= width else text[: width - 1] + "…"


def when(moment):
    """Date and time in numbers only (no month names), so it reads the same in every language."""
    return moment.strftime("%Y-%m-%d %H:%M ") + (moment.tzname() or "")


class Report:
    """One module's report: its course id, title, scenarios and principles, and the words to print."""

    def __init__(self, course_id, module, scenarios, principles, words):
        self.course_id = course_id
        self.module = module
        self.scenarios = scenarios
        self.principles = principles
        self.words = words

    def say(self, key, **values):
        return self.words[key].format(**values)

    # ---- reading records ----

    def read_time(self, value, where):
        """An ISO time such as 2026-11-25T10:00:00Z."""
        if not isinstance(value, str):
            raise BadRecord(self.say("session_report.time_missing", where=where))
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))  # Python before 3.11 reads no "Z"
        except ValueError:
            raise BadRecord(self.say("session_report.time_bad", where=where, value=repr(value))) from None
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)

    def check_option(self, option, where, scene, node):
        if (
            not isinstance(option, dict)
            or not isinstance(option.get("label"), str)
            or not isinstance(option.get("goto"), str)
        ):
            raise BadRecord(self.say("session_report.option_shape", where=where))
        if not whole_number(option.get("votes")) or option["votes"] < 0:
            raise BadRecord(self.say("session_report.option_votes", where=where))
        choice = find_choice(scene, option)
        if choice is None:
            raise BadRecord(
                self.say("session_report.option_unknown", where=where, label=repr(option["label"]), node=repr(node))
            )
        return {
            "label": option["label"],
            "goto": option["goto"],
            "votes": option["votes"],
            "harmful": choice["harmful"],
            "violates": choice["violates"],
        }

    def check_decision(self, decision, number, scenario, expected):
        """One decision of a record, checked against the scene the path so far leads to."""
        where = self.say("session_report.where_decision", n=number)
        if not isinstance(decision, dict):
            raise BadRecord(self.say("session_report.decision_shape", where=where))
        node = decision.get("node")
        if not isinstance(node, str) or node not in scenario["scenes"]:
            raise BadRecord(
                self.say("session_report.decision_scene_unknown", where=where, node=repr(node), title=scenario["title"])
            )
        if node != expected:
            raise BadRecord(
                self.say("session_report.decision_off_path", where=where, node=repr(node), expected=repr(expected))
            )
        scene = scenario["scenes"][node]
        options = decision.get("options")
        if not isinstance(options, list) or not options:
            raise BadRecord(self.say("session_report.decision_options", where=where))
        checked = [
            self.check_option(option, self.say("session_report.where_option", decision=where, n=place), scene, node)
            for place, option in enumerate(options, start=1)
        ]
        chosen = decision.get("chosen")
        if not whole_number(chosen) or not 0 <= chosen < len(checked):
            raise BadRecord(self.say("session_report.decision_chosen", where=where, last=len(checked) - 1))
        leads_to = scenario["scenes"].get(checked[chosen]["goto"])
        if leads_to is None:
            raise BadRecord(
                self.say("session_report.decision_leads_nowhere", where=where, goto=repr(checked[chosen]["goto"]))
            )
        return {
            "number": number,
            "node": node,
            "scene": scene["number"],
            "options": checked,
            "chosen": checked[chosen],
            "leads_to": leads_to["number"],
            "at": self.read_time(decision.get("at"), where + ": 'at'"),
        }

    def check_ending(self, ending, scenario, expected):
        if (
            not isinstance(ending, dict)
            or ending.get("kind") not in ENDING_KINDS
            or not isinstance(ending.get("node"), str)
        ):
            raise BadRecord(self.say("session_report.ending_shape"))
        if ending["node"] != expected:
            raise BadRecord(
                self.say("session_report.ending_off_path", node=repr(ending["node"]), expected=repr(expected))
            )
        known = scenario["scenes"].get(ending["node"], {}).get("ending")
        if known is None:
            raise BadRecord(
                self.say("session_report.ending_unknown", node=repr(ending["node"]), title=scenario["title"])
            )
        return {
            "node": ending["node"],
            "kind": ending["kind"],
            "title": known["title"],
            "scene": scenario["scenes"][ending["node"]]["number"],
        }

    def check_record(self, record):
        """Check one record against this module's scenarios; returns the session, ready to report."""
        if not isinstance(record, dict):
            raise BadRecord(self.say("session_report.not_object"))
        found = record.get("format")
        if found != RECORD_FORMAT:
            newer = whole_number(found) and found > RECORD_FORMAT
            raise BadRecord(
                self.say(
                    "session_report.format_newer" if newer else "session_report.format",
                    expected=RECORD_FORMAT,
                    found=repr(found),
                )
            )
        for key in ("course", "scenario"):
            if not isinstance(record.get(key), str):
                raise BadRecord(self.say("session_report.id_missing", key=key))
        if record["course"] != self.course_id:
            raise OtherRecord(
                self.say("session_report.other_course", course=repr(record["course"]), this=repr(self.course_id))
            )
        if record["scenario"] not in self.scenarios:
            raise OtherRecord(
                self.say(
                    "session_report.other_scenario", scenario=repr(record["scenario"]), module=self.module["title"]
                )
            )
        scenario = self.scenarios[record["scenario"]]
        started = self.read_time(record.get("started"), "'started'")
        finished = None if record.get("finished") is None else self.read_time(record["finished"], "'finished'")
        if not isinstance(record.get("decisions"), list):
            raise BadRecord(self.say("session_report.decisions_list"))
        decisions, expected = [], scenario["start"]
        for number, decision in enumerate(record["decisions"], start=1):
            decisions.append(self.check_decision(decision, number, scenario, expected))
            expected = decisions[-1]["chosen"]["goto"]
        ending = None if record.get("ending") is None else self.check_ending(record["ending"], scenario, expected)
        return {
            "scenario": record["scenario"],
            "title": scenario["title"],
            "started": started,
            "finished": finished,
            "decisions": decisions,
            "ending": ending,
            "last": expected,
            "first": self.scene_name(scenario["scenes"][scenario["start"]]["number"], scenario["start"]),
        }

    def load(self, pattern):
        """Read every record the pattern matches; print a note for each file that is skipped."""
        files = sorted(glob.glob(pattern))
        if not files:
            print(self.say("session_report.none_found", pattern=repr(pattern), folder=os.path.abspath(".")))
        sessions = []
        for path in files:
            name = os.path.basename(path)
            try:
                with open(path, encoding="utf-8") as handle:
                    record = json.load(handle)
            except (OSError, UnicodeDecodeError, ValueError) as problem:
                print(self.say("session_report.skipped_json", file=name, problem=str(problem)))
                continue
            try:
                session = self.check_record(record)
            except OtherRecord as reason:
                print(self.say("session_report.skipped_other", file=name, reason=str(reason)))
                continue
            except BadRecord as problem:
                print(self.say("session_report.skipped_bad", file=name, problem=str(problem)))
                continue
            session["file"] = name
            sessions.append(session)
        sessions.sort(key=lambda s: (s["started"], s["file"]))
        for number, session in enumerate(sessions, start=1):
            session["number"] = number
        return sessions

    # ---- reporting ----

    def scene_name(self, number, node):
        return self.say("session_report.scene", n=number, id=node)

    def heading(self, session):
        display(
            Markdown(
                "### "
                + self.say(
                    "session_report.session",
                    n=session["number"],
                    title=plain(session["title"]),
                    started=plain(when(session["started"])),
                )
            )
        )

    def ending_text(self, session):
        ending = session["ending"]
        if ending is None:
            return self.say("session_report.no_ending", node=session["last"])
        return self.say(
            "session_report.ending_title", ending=self.say("ending." + ending["kind"]), title=ending["title"]
        )

    def show_summary(self, sessions):
        """One line per session read."""
        print(self.say("session_report.read", n=len(sessions)))
        for s in sessions:
            print(
                self.say(
                    "session_report.summary_line",
                    n=s["number"],
                    title=s["title"],
                    started=when(s["started"]),
                    decisions=len(s["decisions"]),
                    ending=self.ending_text(s),
                    file=s["file"],
                )
            )

    def show_path(self, session):
        """The path as a table, then in words."""
        self.heading(session)
        decisions = session["decisions"]
        print(self.say("session_report.decisions_made", n=len(decisions)))
        columns = (
            "session_report.column_step",
            "session_report.column_scene",
            "session_report.column_chosen",
            "session_report.column_votes",
            "session_report.column_harmful",
            "session_report.column_led_to",
        )
        rows = [tuple(self.say(key) for key in columns)]
        for d in decisions:
            chosen = d["chosen"]
            rows.append(
                (
                    str(d["number"]),
                    self.scene_name(d["scene"], d["node"]),
                    shorten(chosen["label"], 60),
                    self.say("session_report.votes_of", votes=chosen["votes"], total=total_votes(d)),
                    self.say("session_report.yes" if chosen["harmful"] else "session_report.no"),
                    self.scene_name(d["leads_to"], chosen["goto"]),
                )
            )
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        print()
        for row in rows:
            print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
        print()
        print(self.say("session_report.in_words"))
        print("  " + session["first"])
        for d in decisions:
            chosen = d["chosen"]
            print(
                "    "
                + self.say(
                    "session_report.room_chose_harmful" if chosen["harmful"] else "session_report.room_chose",
                    label=chosen["label"],
                )
            )
            print("  " + self.scene_name(d["leads_to"], chosen["goto"]))
        print("  " + self.ending_text(session))

    def vote_chart(self, session, decision):
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
        axes.set_xlabel(self.say("session_report.chart_votes"))
        axes.set_title(
            self.say(
                "session_report.chart_title",
                n=session["number"],
                decision=decision["number"],
                scene=self.scene_name(decision["scene"], decision["node"]),
            ),
            loc="left",
        )
        axes.legend(
            handles=[
                Patch(facecolor="#0072B2", edgecolor="black", label=self.say("session_report.chart_chosen")),
                Patch(facecolor="white", edgecolor="black", hatch="//", label=self.say("session_report.chart_harmful")),
            ],
            loc="upper left",
            bbox_to_anchor=(1.01, 1),
            fontsize="small",
        )
        picture = io.BytesIO()
        figure.savefig(picture, format="png", bbox_inches="tight")
        display(Image(data=picture.getvalue(), format="png"))

    def show_votes(self, session):
        """For each decision: the votes as numbers, then as a chart."""
        self.heading(session)
        for d in session["decisions"]:
            print(
                self.say(
                    "session_report.decision_votes",
                    n=d["number"],
                    scene=self.scene_name(d["scene"], d["node"]),
                    total=total_votes(d),
                )
            )
            for option in d["options"]:
                marks = [
                    self.say(m)
                    for m, on in (
                        ("session_report.mark_chosen", option is d["chosen"]),
                        ("session_report.mark_harmful", option["harmful"]),
                    )
                    if on
                ]
                print(
                    str(option["votes"]).rjust(6)
                    + "  "
                    + option["label"]
                    + ("  [" + ", ".join(marks) + "]" if marks else "")
                )
            if majority(d["options"]) is not d["chosen"]:
                print("  " + self.say("session_report.not_majority"))
            self.vote_chart(session, d)

    def harmful_won(self, counts):
        return self.say(
            "session_report.harmful_won",
            won=counts["won"],
            decisions=counts["decisions"],
            percent=percent(counts["won"], counts["decisions"], self.words),
        )

    def show_harmful(self, session):
        self.heading(session)
        counts = harmful_counts([session])
        print(self.harmful_won(counts))
        print(
            self.say(
                "session_report.harmful_offered",
                offered=counts["offered"],
                harmful_votes=counts["harmful_votes"],
                votes=counts["votes"],
                percent=percent(counts["harmful_votes"], counts["votes"], self.words),
            )
        )

    def show_harmful_overall(self, sessions):
        if len(sessions) > 1:
            display(Markdown("### " + self.say("session_report.all_sessions")))
            print(self.harmful_won(harmful_counts(sessions)))

    def show_ending(self, session):
        self.heading(session)
        ending = session["ending"]
        if ending is None:
            print(self.say("session_report.stops_before_ending", node=session["last"]))
            return
        print(
            self.say(
                "session_report.ending_reached",
                ending=self.say("ending." + ending["kind"]),
                title=ending["title"],
                scene=self.scene_name(ending["scene"], ending["node"]),
            )
        )
        if session["finished"] is not None:
            minutes = round((session["finished"] - session["started"]).total_seconds() / 60)
            print(self.say("session_report.took", minutes=minutes))

    def follow_up(self, sessions, scenario_id):
        """Markdown: a scenario's debrief questions, then the harmful options the room chose in it."""
        scenario = self.scenarios[scenario_id]
        lines = ["### " + plain(scenario["title"]), "", self.say("session_report.debrief"), ""]
        lines += [str(i) + ". " + plain(q) for i, q in enumerate(scenario["debrief"], start=1)]
        harmful = [
            (s, d) for s in sessions if s["scenario"] == scenario_id for d in s["decisions"] if d["chosen"]["harmful"]
        ]
        if harmful:
            lines += ["", self.say("session_report.harmful_chosen"), ""]
            for s, d in harmful:
                broken = ", ".join(self.principles.get(p, p) for p in d["chosen"]["violates"])
                lines.append(
                    "- "
                    + self.say(
                        "session_report.harmful_item",
                        n=s["number"],
                        decision=d["number"],
                        scene=plain(self.scene_name(d["scene"], d["node"])),
                        label=plain(d["chosen"]["label"]),
                        principles=plain(broken),
                    )
                )
        return "\n".join(lines)

    def show_follow_up(self, sessions):
        """The debrief questions of each scenario played (in the module's order), and the harmful choices made."""
        played = {s["scenario"] for s in sessions}
        for scenario_id in self.scenarios:
            if scenario_id in played:
                display(Markdown(self.follow_up(sessions, scenario_id)))
