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
it runs with the standard library, IPython and matplotlib alone (no branchbook install). Its prose
and every word the report prints come from the course language's message catalogue (``notebook.*``,
``session_report.*``, ``ending.*``). Output is deterministic: cell ids come from their position, outputs are
empty, and nbformat writes sorted keys.
"""

from __future__ import annotations

import html
import pprint
import re
from importlib import resources

import nbformat
from nbformat import v4

from .. import layout
from ..messages import catalogue, message
from ..model import Choice, Course, Module, Scenario
from . import WriteOptions, markdown

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
    """The notebook's first cell: what it is for and how to use it, in the course's language."""
    language = course.settings.language
    words = catalogue(language)

    def say(key: str, **values: str) -> str:
        return message(key, language, **values)

    def button(key: str) -> str:
        return markdown.literal(words[key])

    titles = "\n".join(f"- *{markdown.literal(course.scenario(sid).title)}* (`{sid}`)" for sid in module.scenarios)
    return "\n\n".join([
        "# " + say("notebook.title", module=markdown.literal(module.title)),
        say("notebook.about"),
        say("notebook.scenarios"),
        titles,
        "## " + say("notebook.record_title"),
        "\n".join([
            "1. " + say("notebook.record_open", facilitate=button("player.facilitate")),
            "2. " + say("notebook.record_count", decide=button("player.decide")),
            "3. " + say("notebook.record_save", download=button("player.download_record")),
        ]),
        "## " + say("notebook.place_title"),
        "1. " + say("notebook.place_copy") + "\n2. " + say("notebook.place_folder"),
        "## " + say("notebook.run_title"),
        say("notebook.run"),
        "## " + say("notebook.privacy_title"),
        say("notebook.privacy"),
    ])


def _words(language: str) -> dict[str, str]:
    """The catalogue's words the report code prints (``session_report.*``, and the endings' names)."""
    return {k: v for k, v in catalogue(language).items() if k.startswith(("session_report.", "ending."))}


def _settings(data: dict, words: dict[str, str], language: str) -> str:
    def note(key: str) -> str:
        return "# " + message(key, language)

    rule = "# " + "-" * 93
    return f"""{note("notebook_settings.title")}
{note("notebook_settings.records")}
RECORDS = "{RECORDS_GLOB}"

{rule}
{note("notebook_settings.scenarios")}
{note("notebook_settings.scenes")}
{note("notebook_settings.harmful")}
{rule}
COURSE_ID = {data["course"]!r}
MODULE = {_literal(data["module"])}
PRINCIPLES = {_literal(data["principles"])}
{note("notebook_settings.words")}
WORDS = {_literal(words)}
SCENARIOS = {{}}
""" + "".join(f"\nSCENARIOS[{sid!r}] = {_literal(scenario)}\n" for sid, scenario in data["scenarios"].items())


def _tools() -> str:
    """The report's code: a real module of this package, linted and unit-tested, copied into the notebook."""
    return resources.files(__package__).joinpath("session_report.py").read_text(encoding="utf-8")


# The report, one part at a time: its heading and explanation (catalogue keys), then the code that shows it.
_PARTS = [
    ("notebook.sessions_title", "notebook.sessions_about",
     ("report = Report(COURSE_ID, MODULE, SCENARIOS, PRINCIPLES, WORDS)\nsessions = report.load(RECORDS)\n"
      "report.show_summary(sessions)")),
    ("notebook.path_title", "notebook.path_about", "for session in sessions:\n    report.show_path(session)"),
    ("notebook.votes_title", "notebook.votes_about", "for session in sessions:\n    report.show_votes(session)"),
    ("notebook.harmful_title", None,
     "for session in sessions:\n    report.show_harmful(session)\nreport.show_harmful_overall(sessions)"),
    ("notebook.ending_title", None, "for session in sessions:\n    report.show_ending(session)"),
    ("notebook.follow_up_title", "notebook.follow_up_about", "report.show_follow_up(sessions)"),
]


def notebook(course: Course, module: Module) -> nbformat.NotebookNode:
    """The session-report notebook for one module (outputs empty, ids from cell positions)."""
    language = course.settings.language
    cells = [v4.new_markdown_cell(_intro(course, module)), v4.new_code_cell(_settings(module_data(course, module), _words(language), language)),
             v4.new_code_cell(_tools())]
    for title, about, code in _PARTS:
        text = "## " + message(title, language) + ("" if about is None else "\n\n" + message(about, language))
        cells += [v4.new_markdown_cell(text), v4.new_code_cell(code)]
    for position, cell in enumerate(cells, start=1):
        cell.source = cell.source.rstrip("\n")
        cell.id = f"cell-{position}"
    return v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    })


def encode(nb: nbformat.NotebookNode) -> bytes:
    return (nbformat.writes(nb, version=4) + "\n").encode("utf-8")


def write(course: Course, options: WriteOptions) -> dict[str, bytes]:
    """One session notebook per module with scenarios (no option changes them)."""
    return {layout.session_notebook(m.id): encode(notebook(course, m)) for m in course.modules if m.scenarios}
