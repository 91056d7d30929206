"""The session-report code the notebooks carry, tested as a module: vote counts, majority, harmful
wins, records of other format versions, and records made before the scenario changed."""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from branchbook.cli import main
from branchbook.load import load_course
from branchbook.messages import catalogue
from branchbook.write import WriteOptions, notebooks, session_report
from branchbook.write.session_report import BadRecord, OtherRecord, Report, harmful_counts, majority

REPO = Path(__file__).parent.parent
FIXTURE = Path(__file__).parent / "fixtures" / "mini"
MODULE = {"id": "m", "title": "A module"}
WORDS = catalogue("en")


def choice(label: str, goto: str, harmful: bool = False) -> dict:
    return {
        "label": label,
        "goto": goto,
        "upholds": [] if harmful else ["care"],
        "violates": ["safety"] if harmful else [],
        "harmful": harmful,
    }


def scene(number: int, choices: list[dict] = (), ending: str | None = None) -> dict:
    return {
        "number": number,
        "choices": list(choices),
        "ending": None if ending is None else {"kind": ending, "title": f"The {ending} end"},
    }


# A scenario as notebooks.scenario_data writes it: two decisions, three endings.
SCENARIO = {
    "title": "A test",
    "start": "ask",
    "scenes": {
        "ask": scene(1, [choice("Listen first", "listen"), choice("Call both in together", "ambush", harmful=True)]),
        "listen": scene(2, [choice("Promise secrecy", "promise", harmful=True), choice("Explain the options", "fair")]),
        "ambush": scene(3, ending="harmful"),
        "promise": scene(4, ending="mixed"),
        "fair": scene(5, ending="good"),
    },
    "debrief": ["What did the person need?"],
}
SCENARIOS = {"test": SCENARIO}


def record(
    decisions: list[tuple[str, list[tuple[str, str, int]], int]], ending: tuple[str, str] | None, **changes
) -> dict:
    """A session record as the player downloads it: per decision the scene, the options offered
    (label, goto, votes) in the order shown, and the position of the room's choice among them."""
    return {
        "format": 1,
        "course": "c",
        "scenario": "test",
        "started": "2026-11-25T10:00:00Z",
        "finished": "2026-11-25T10:30:00Z",
        "decisions": [
            {
                "node": node,
                "options": [{"label": label, "goto": goto, "votes": votes} for label, goto, votes in options],
                "chosen": chosen,
                "at": f"2026-11-25T10:{10 + i:02d}:00Z",
            }
            for i, (node, options, chosen) in enumerate(decisions)
        ],
        "ending": None if ending is None else {"node": ending[0], "kind": ending[1]},
        **changes,
    }


ASK = [("Listen first", "listen", 2), ("Call both in together", "ambush", 5)]
LISTEN = [("Promise secrecy", "promise", 6), ("Explain the options", "fair", 1)]


def read(rec: dict, scenarios: dict = SCENARIOS) -> dict:
    return Report("c", MODULE, scenarios, {}, WORDS).check_record(rec)


def test_vote_counts_and_the_path():
    session = read(record([("ask", ASK, 0), ("listen", LISTEN, 1)], ("fair", "good")))
    assert [session_report.total_votes(d) for d in session["decisions"]] == [7, 7]
    assert [d["chosen"]["goto"] for d in session["decisions"]] == ["listen", "fair"]
    assert [d["chosen"]["votes"] for d in session["decisions"]] == [2, 1]
    assert [d["leads_to"] for d in session["decisions"]] == [2, 5]
    assert session["ending"] == {"node": "fair", "kind": "good", "title": "The good end", "scene": 5}
    assert session["first"] == WORDS["session_report.scene"].format(n=1, id="ask")


def test_majority_is_strictly_the_most_votes():
    options = [{"label": "a", "votes": 3}, {"label": "b", "votes": 5}, {"label": "c", "votes": 0}]
    assert majority(options) is options[1]
    assert majority([dict(o, votes=4) for o in options[:2]]) is None  # a tie at the top
    assert majority([dict(o, votes=0) for o in options]) is None  # nobody voted
    assert majority([{"label": "a", "votes": 1}]) == {"label": "a", "votes": 1}


@given(st.lists(st.integers(min_value=0, max_value=20), min_size=1, max_size=6))
def test_majority_on_any_votes(votes: list[int]):
    options = [{"label": str(i), "votes": v} for i, v in enumerate(votes)]
    winner = majority(options)
    if max(votes) == 0 or votes.count(max(votes)) > 1:
        assert winner is None
    else:
        assert winner is options[votes.index(max(votes))]


def test_harmful_wins_counted_over_sessions():
    # The room chose harmfully twice out of two, then once out of one (the ambush ends it).
    sessions = [
        read(record([("ask", ASK, 0), ("listen", LISTEN, 0)], ("promise", "mixed"))),
        read(record([("ask", ASK, 1)], ("ambush", "harmful"))),
    ]
    assert harmful_counts(sessions[:1]) == {"won": 1, "decisions": 2, "offered": 2, "harmful_votes": 11, "votes": 14}
    assert harmful_counts(sessions) == {"won": 2, "decisions": 3, "offered": 3, "harmful_votes": 16, "votes": 21}
    assert harmful_counts([]) == {"won": 0, "decisions": 0, "offered": 0, "harmful_votes": 0, "votes": 0}
    assert session_report.percent(2, 3, WORDS) == "67%" and session_report.percent(0, 0, WORDS) == "–"
    # the percent sign as the language writes it (a non-breaking space before it in French)
    assert session_report.percent(2, 3, catalogue("fr")) == "67\u00a0%"


def test_chosen_is_a_position_in_the_records_own_options_not_in_the_scenario():
    # The player lists the options in the order it showed them; here the reverse of the scenario's.
    shown = list(reversed(ASK))
    session = read(record([("ask", shown, 0)], ("ambush", "harmful")))
    chosen = session["decisions"][0]["chosen"]
    assert (chosen["goto"], chosen["harmful"], chosen["votes"]) == ("ambush", True, 5)
    # A position that does not agree with the path is caught, not silently read.
    with pytest.raises(BadRecord, match="the path leads to 'listen'"):
        read(record([("ask", shown, 1)], ("ambush", "harmful")))
    with pytest.raises(BadRecord, match="'chosen' should be the position of the chosen option in its 'options'"):
        read(record([("ask", ASK, 2)], ("ambush", "harmful")))


def test_record_from_before_the_scenario_changed():
    rec = record([("ask", ASK, 0), ("listen", LISTEN, 1)], ("fair", "good"))
    before = read(rec)
    # The author reordered every scene's choices and reworded one label since the session.
    changed = copy.deepcopy(SCENARIOS)
    for node in changed["test"]["scenes"].values():
        node["choices"].reverse()
    changed["test"]["scenes"]["listen"]["choices"][0]["label"] = "Explain every option, and what each means"
    after = read(rec, changed)
    assert after == before
    # A scene the room passed through was removed: the record is refused with the reason.
    del changed["test"]["scenes"]["listen"]
    with pytest.raises(BadRecord, match="may have changed since the session"):
        read(rec, changed)


@pytest.mark.parametrize(
    ("fmt", "reason"),
    [
        (None, "'format' should be 1, not None"),
        (0, "'format' should be 1, not 0"),
        ("1", "'format' should be 1, not '1'"),
        (2, "not 2; it was saved by a newer player"),
    ],
)
def test_records_of_another_format_are_refused_with_the_reason(fmt, reason: str):
    rec = record([("ask", ASK, 0)], None, format=fmt)
    with pytest.raises(BadRecord, match=reason.replace("(", r"\(")):
        read(rec)


def test_records_for_elsewhere_and_unfinished_records():
    with pytest.raises(OtherRecord, match="another course"):
        Report("other", MODULE, SCENARIOS, {}, WORDS).check_record(record([], None))
    with pytest.raises(OtherRecord, match="not in the module 'A module'"):
        read(record([], None, scenario="elsewhere"))
    unfinished = read(record([("ask", ASK, 0)], None, finished=None))
    assert unfinished["ending"] is None and unfinished["last"] == "listen"


def walk(scenario: dict, picks: list[int]) -> dict:
    """A record of a walk through scenario data: at each scene every choice is offered (in the
    scenario's order) with made-up votes, and picks[i] chooses, until an ending or the picks run out."""
    node, decisions = scenario["start"], []
    for i, pick in enumerate(picks):
        offered = scenario["scenes"][node]["choices"]
        if not offered:
            break
        options = [(c["label"], c["goto"], (i + j) % 4) for j, c in enumerate(offered)]
        decisions.append((node, options, pick % len(offered)))
        node = offered[pick % len(offered)]["goto"]
    kind = (scenario["scenes"][node]["ending"] or {}).get("kind")
    return record(decisions, (node, kind) if kind else None)


def course_scenarios(folder: Path) -> tuple[str, dict, dict]:
    course = load_course(folder).course
    data = notebooks.module_data(course, course.modules[0])
    return data["course"], data["module"], data["scenarios"]


def test_records_of_the_fixture_course_and_a_new_scenario(mini_course: Path):
    result = CliRunner().invoke(main, ["new", "scenario", "first-draft", str(mini_course)])
    assert result.exit_code == 0, result.output
    course_id, module, scenarios = course_scenarios(mini_course)
    assert list(scenarios)[-1] == "first-draft"
    for scenario_id, scenario in scenarios.items():
        for picks in ([0] * 12, [1] * 12, [0, 1] * 6):
            rec = dict(walk(scenario, picks), course=course_id, scenario=scenario_id)
            session = Report(course_id, module, scenarios, {}, WORDS).check_record(rec)
            assert [d["node"] for d in session["decisions"]] == [d["node"] for d in rec["decisions"]]
            won = sum(scenario["scenes"][d["node"]]["choices"][d["chosen"]]["harmful"] for d in rec["decisions"])
            assert harmful_counts([session])["won"] == won


@st.composite
def scenarios(draw) -> dict:
    """Random scenario data: scenes in a chain of layers, each non-ending scene with 1-3 choices
    to later scenes (two may share a target), some of them harmful; the last scene and others are endings."""
    size = draw(st.integers(min_value=2, max_value=8))
    ids = [f"s{i}" for i in range(size)]
    scenes = {}
    for i, node in enumerate(ids):
        if i == size - 1 or (i > 0 and draw(st.booleans())):
            scenes[node] = scene(i + 1, ending=draw(st.sampled_from(["good", "mixed", "harmful"])))
            continue
        targets = draw(st.lists(st.sampled_from(ids[i + 1 :]), min_size=1, max_size=3))
        scenes[node] = scene(
            i + 1, [choice(f"option {j} of {node}", t, draw(st.booleans())) for j, t in enumerate(targets)]
        )
    return {"title": "Random", "start": ids[0], "scenes": scenes, "debrief": []}


@settings(max_examples=60, deadline=None)
@given(scenarios(), st.lists(st.integers(min_value=0, max_value=5), max_size=10))
def test_any_walk_through_random_scenarios_is_read_back(scenario: dict, picks: list[int]):
    rec = walk(scenario, picks)
    shuffled = copy.deepcopy(scenario)  # and the author reordered every scene's choices since
    for node in shuffled["scenes"].values():
        node["choices"].reverse()
    for data in (scenario, shuffled):
        session = read(rec, {"test": data})
        assert [d["chosen"]["goto"] for d in session["decisions"]] == [
            d["options"][d["chosen"]]["goto"] for d in rec["decisions"]
        ]
        counts = harmful_counts([session])
        harmful = {
            (n, c["goto"], c["label"]) for n, s in scenario["scenes"].items() for c in s["choices"] if c["harmful"]
        }
        assert counts["won"] == sum(
            (d["node"], d["options"][d["chosen"]]["goto"], d["options"][d["chosen"]]["label"]) in harmful
            for d in rec["decisions"]
        )
        assert counts["votes"] == sum(o["votes"] for d in rec["decisions"] for o in d["options"])


def test_the_notebook_carries_the_module_verbatim():
    nb = nbformat.reads(
        notebooks.write(load_course(FIXTURE).course, WriteOptions())["notebooks/basics-session-report.ipynb"].decode(), as_version=4
    )
    source = Path(session_report.__file__).read_text(encoding="utf-8")
    assert nb.cells[2].source == source.rstrip("\n")
    assert "branchbook" not in "".join(line for line in source.splitlines() if line.startswith(("import", "from")))


def test_every_word_the_report_prints_is_in_the_catalogue_and_used():
    source = Path(session_report.__file__).read_text(encoding="utf-8")
    used = set(re.findall(r'"(session_report\.\w+)"', source))
    assert used == {key for key in WORDS if key.startswith("session_report.")}
    assert 'self.say("ending." + ' in source
    assert {f"ending.{kind}" for kind in session_report.ENDING_KINDS} <= set(WORDS)


def test_the_report_prints_the_catalogues_words(capsys, monkeypatch):
    """A report made with other words prints those words: nothing it prints is fixed in the code."""

    def show(shown):  # Markdown shown by IPython: print its text with the rest (charts are images)
        if isinstance(shown, session_report.Markdown):
            print(shown.data)

    monkeypatch.setattr(session_report, "display", show)
    words = {
        key: f"<{key}>" + "".join(f"[{{{name}}}]" for name in re.findall(r"{(\w+)}", text))
        for key, text in WORDS.items()
    }
    report = Report("c", MODULE, SCENARIOS, {"safety": "Safety"}, words)
    session = dict(report.check_record(record([("ask", ASK, 1)], ("ambush", "harmful"))), number=1, file="f.json")
    report.show_summary([session])
    report.show_path(session)
    report.show_harmful(session)
    report.show_ending(session)
    report.show_votes(session)
    report.show_follow_up([session])
    printed = capsys.readouterr().out
    left = re.sub(r"<session_report\.\w+>|<ending\.\w+>|\[[^\]]*\]", "", printed)
    data = [
        "Listen first",
        "Call both in together",
        "A test",
        "The harmful end",
        "f.json",
        *map(session_report.plain, SCENARIO["debrief"]),
    ]
    for text in data:
        left = left.replace(text, "")
    assert re.findall(r"[A-Za-z]{2,}", left) == []
    assert "<session_report.harmful_won>[1][1][<session_report.percent>[100]]" in printed
    assert "<session_report.ending_reached>[<ending.harmful>][The harmful end]" in printed


@pytest.mark.parametrize("command", [["check", "--no-cache"], ["format", "--check", "--no-cache"]])
def test_the_module_passes_the_linter_and_the_formatter(command: list[str]):
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *command, str(Path(session_report.__file__))],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_notebooks_are_byte_identical_across_processes(tmp_path: Path):
    script = (
        "import sys; from pathlib import Path; from branchbook.load import load_course; "
        "from branchbook.write import WriteOptions, notebooks; "
        "[Path(sys.argv[2], p.replace('/', '_')).write_bytes(b) "
        "for p, b in notebooks.write(load_course(Path(sys.argv[1])).course, WriteOptions()).items()]"
    )
    outputs = []
    for seed in ("1", "2"):
        folder = tmp_path / seed
        folder.mkdir()
        env = dict(os.environ, PYTHONHASHSEED=seed)
        subprocess.run([sys.executable, "-c", script, str(FIXTURE), str(folder)], check=True, env=env)
        outputs.append({p.name: p.read_bytes() for p in folder.iterdir()})
    assert outputs[0] and outputs[0] == outputs[1]
