"""Session notebooks: generated deterministically, and, run on sample session records, they report
the figures the records hold (decisions, votes, harmful wins, endings) without errors."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import nbformat
import pytest

from branchbook.load import load_course
from branchbook.messages import message
from branchbook.model import Course
from branchbook.model import conditions
from branchbook.write import WriteOptions, notebooks

FIXTURE = Path(__file__).parent / "fixtures" / "mini"
NOTEBOOK = "notebooks/basics-session-report.ipynb"
START = datetime(2026, 11, 25, 10, 0, tzinfo=timezone.utc)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def sample_record(course: Course, scenario_id: str, steps: list[tuple[str, list[int]]],
                  started: datetime = START) -> dict:
    """A session record as the player writes one in room mode, made by walking the scenario.

    ``steps`` gives, for each decision, the goto of the option the room chose and the votes of
    the options on offer (in the scenario's order; options whose ``when`` is false are not offered).
    """
    scenario = course.scenario(scenario_id)
    values = {name: v.initial for name, v in scenario.variables.items()}
    node_id, moment, decisions = scenario.start, started, []
    for goto, votes in steps:
        node = scenario.nodes[node_id]
        offered = [c for c in node.choices if c.when is None or conditions.evaluate(c.condition, values)]
        assert len(votes) == len(offered), f"{node_id} offers {len(offered)} options"
        chosen = [c.goto for c in offered].index(goto)
        moment += timedelta(minutes=5)
        decisions.append({"node": node_id,
                          "options": [{"label": c.label, "goto": c.goto, "votes": v} for c, v in zip(offered, votes)],
                          "chosen": chosen, "at": _iso(moment)})
        for name, delta in offered[chosen].effects.items():
            v = scenario.variables[name]
            values[name] = max(v.min, min(v.max, values[name] + delta))
        node_id = goto
    ending = scenario.nodes[node_id].ending
    assert ending is not None, f"the walk stops at {node_id}, which is not an ending"
    return {"format": 1, "course": course.settings.id, "scenario": scenario_id, "started": _iso(started),
            "finished": _iso(moment + timedelta(minutes=10)), "decisions": decisions,
            "ending": {"node": node_id, "kind": ending.kind}}


def _harmful(course: Course, scenario_id: str, node: str, goto: str) -> bool:
    choice = next(c for c in course.scenario(scenario_id).nodes[node].choices if c.goto == goto)
    return bool(choice.violates) and not choice.upholds


@pytest.fixture(scope="module")
def course() -> Course:
    return load_course(FIXTURE).course


@pytest.fixture(scope="module")
def records(course: Course) -> list[dict]:
    # An ambush, a repair, then a broken promise and a denial: three of four decisions harmful.
    harmful = sample_record(course, "noticeboard", [("ambush", [2, 5]), ("listen", [4, 3]), ("promise", [1, 6]),
                                                    ("harmful-end", [2, 3])])
    # Straight to a fair process, an hour later.
    good = sample_record(course, "noticeboard", [("listen", [7, 1]), ("fair", [6, 2])],
                         started=START + timedelta(hours=1))
    return [harmful, good]


def _stream(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")


def _code_cell(nb, source: str):
    return next(c for c in nb.cells if c.cell_type == "code" and c.source.startswith(source))


def _ensure_kernel() -> None:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec("python3")
    except NoSuchKernel:
        subprocess.run([sys.executable, "-m", "ipykernel", "install", "--user", "--name", "python3"], check=True)


def _execute(course: Course, records: list[dict], folder: Path):
    """The notebook run in ``folder`` on the records, plus two files it must skip with a note."""
    from nbclient import NotebookClient

    _ensure_kernel()
    (folder / "session-records").mkdir()
    for number, record in enumerate(records, start=1):
        (folder / "session-records" / f"record-{number}.json").write_text(json.dumps(record, indent=2))
    # Files the notebook must skip with a note, without failing.
    other = dict(records[1], course="another-course")
    (folder / "session-records" / "other-course.json").write_text(json.dumps(other))
    (folder / "session-records" / "broken.json").write_text(json.dumps(dict(records[1], decisions="none")))
    data = notebooks.write(course, WriteOptions())[NOTEBOOK]
    (folder / "report.ipynb").write_bytes(data)
    nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    return nb


@pytest.fixture(scope="module")
def executed(course: Course, records: list[dict], tmp_path_factory):
    return _execute(course, records, tmp_path_factory.mktemp("session"))


def test_generation_is_deterministic_with_empty_outputs(course: Course):
    first, second = notebooks.write(course, WriteOptions()), notebooks.write(load_course(FIXTURE).course, WriteOptions())
    assert list(first) == [NOTEBOOK]
    assert first == second
    nb = nbformat.reads(first[NOTEBOOK].decode("utf-8"), as_version=4)
    nbformat.validate(nb)
    assert [c.id for c in nb.cells] == [f"cell-{i}" for i in range(1, len(nb.cells) + 1)]
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    settings = nb.cells[1].source
    assert 'RECORDS = "session-records/*.json"' in settings
    assert "import branchbook" not in "".join(c.source for c in nb.cells)


def test_report_matches_the_records(executed, records: list[dict], course: Course):
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []
    stderr = [o.text for c in executed.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "stream" and o.name == "stderr"]
    assert stderr == []

    loaded = _stream(_code_cell(executed, "report = Report("))
    assert "Skipped other-course.json: it is from another course" in loaded
    assert "Skipped broken.json: it is not a session record this notebook can read: 'decisions' should be a list" \
        in loaded
    assert "Session records read: 2" in loaded

    # The path: decisions per session, and the chosen options in order.
    path = _stream(_code_cell(executed, "for session in sessions:\n    report.show_path"))
    assert re.findall(r"^Decisions made: (\d+)$", path, re.M) == [str(len(r["decisions"])) for r in records]
    for record in records:
        for d in record["decisions"]:
            chosen = d["options"][d["chosen"]]
            assert f"→ the room chose “{chosen['label']}”" in path

    # The votes: one block per decision, one line per option offered, with its count and marks.
    votes = _stream(_code_cell(executed, "for session in sessions:\n    report.show_votes"))
    blocks = re.split(r"^Decision \d+, scene \d+ \([a-z-]+\): \d+ votes$", votes, flags=re.M)[1:]
    expected = [(r["scenario"], d) for r in records for d in r["decisions"]]
    assert len(blocks) == len(expected) == 6
    for block, (scenario_id, d) in zip(blocks, expected):
        lines = [line for line in block.splitlines() if line.strip()]
        assert len(lines) == len(d["options"])
        for i, (line, option) in enumerate(zip(lines, d["options"])):
            match = re.fullmatch(r"\s*(\d+)  (.*?)(?:  \[(.*)\])?", line)
            assert match, line
            assert int(match.group(1)) == option["votes"]
            assert match.group(2) == option["label"]
            marks = set((match.group(3) or "").split(", ")) - {""}
            assert ("chosen" in marks) == (i == d["chosen"])
            assert ("harmful" in marks) == _harmful(course, scenario_id, d["node"], option["goto"])

    pngs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})]
    assert len(pngs) == len(expected)

    # Harmful wins, per session and together, counted from the records independently.
    harmful = _stream(_code_cell(executed, "for session in sessions:\n    report.show_harmful"))
    wins = [sum(_harmful(course, r["scenario"], d["node"], d["options"][d["chosen"]]["goto"]) for d in r["decisions"])
            for r in records]
    assert wins == [3, 0]
    lines = re.findall(r"^Harmful options won (\d+) of (\d+) decisions \((\d+)%\)\.$", harmful, re.M)
    made = [len(r["decisions"]) for r in records]
    assert lines == [(str(w), str(n), str(round(100 * w / n))) for w, n in zip(wins, made)] + \
        [(str(sum(wins)), str(sum(made)), str(round(100 * sum(wins) / sum(made))))]
    assert lines[0][2] == "75" and lines[2][2] == "50"

    ending = _stream(_code_cell(executed, "for session in sessions:\n    report.show_ending"))
    kinds = {message(f"ending.{kind}"): kind for kind in ("good", "mixed", "harmful")}
    reached = re.findall(r"^(.+)\. The room reached ", ending, re.M)
    assert [kinds[k] for k in reached] == [r["ending"]["kind"] for r in records] == ["harmful", "good"]

    follow = [o["data"]["text/markdown"] for o in _code_cell(executed, "report.show_follow_up").outputs]
    assert len(follow) == 1
    assert "What did Jo need to know before the meeting" in follow[0]
    assert follow[0].count("- Session 1, decision") == 3


def test_build_does_not_turn_notebooks_into_pages(tmp_path: Path):
    """The book's _config.yml builds only the pages in _toc.yml: the notebooks sit beside them, unpublished."""
    from branchbook.build import generated_files

    course = load_course(shutil.copytree(FIXTURE, tmp_path / "mini")).course
    files = generated_files(course, WriteOptions(handouts=False))
    assert NOTEBOOK in files
    assert b"notebooks/" not in files["_toc.yml"]


def test_the_notebook_prose_comes_from_the_catalogue(course: Course, monkeypatch):
    """With every message replaced by a numbered marker, the markdown cells hold markers, titles and ids only."""
    from branchbook.messages import catalogue

    keys = list(catalogue(course.settings.language))
    fake = {key: f"§{number}§" + "".join(f" {{{name}}}" for name in re.findall(r"{(\w+)}", text))
            for number, (key, text) in enumerate(catalogue(course.settings.language).items())}
    monkeypatch.setattr(notebooks, "catalogue", lambda language: fake)
    monkeypatch.setattr(notebooks, "message", lambda key, language, **values: fake[key].format(**values))
    nb = nbformat.reads(notebooks.write(course, WriteOptions())[NOTEBOOK].decode("utf-8"), as_version=4)
    prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    used = {keys[int(n)] for n in re.findall(r"§(\d+)§", prose)}
    assert {k for k in keys if k.startswith("notebook.")} <= used
    left = re.sub(r"§\d+§", "", prose)
    module = course.modules[0]
    for text in [module.title, *(course.scenario(s).title for s in module.scenarios), *module.scenarios]:
        left = left.replace(text, "")
    assert re.findall(r"[A-Za-z]{2,}", left) == []


def test_the_report_is_the_same_on_every_run(executed, course: Course, records: list[dict], tmp_path: Path):
    """Run again elsewhere on the same records: every output, text and charts, is byte for byte the same."""
    again = _execute(course, records, tmp_path)
    assert [c.get("outputs") for c in again.cells] == [c.get("outputs") for c in executed.cells]
