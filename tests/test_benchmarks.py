"""Every benchmark still runs (in its quick form) and measures what it says; no wall-clock time is asserted."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).parent.parent
sys.path.insert(0, str(REPO))

from benchmarks import registry  # noqa: E402
from benchmarks.player import LABELS  # noqa: E402


def test_every_benchmark_runs_quick_and_prints_a_table_and_json(tmp_path):
    # as a user runs it: its own process (the serve benchmark drives Chromium through Playwright's sync
    # API, which refuses to start inside a test process that already holds the browser tests' Playwright)
    run = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--json", str(tmp_path / "figures.json")],
                         cwd=REPO, capture_output=True, text=True, timeout=1800)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    out = run.stdout
    document = json.loads(out[out.index("\n{") + 1:])
    assert document == json.loads((tmp_path / "figures.json").read_text(encoding="utf-8"))
    assert document["machine"]["cores"] >= 1
    rows = document["rows"]
    assert {row["benchmark"] for row in rows} == set(registry())
    assert all(row["value"] >= 0 for row in rows)
    for row in rows:
        assert row["what"] in out.split("\n{", 1)[0]  # each row is in the table too

    check = {row["what"]: row for row in rows if row["benchmark"] == "check"}
    sizes = sorted({int(what.split()[0]) for what in check if what[0].isdigit()})
    assert len(sizes) >= 2
    for size in sizes:
        warm, same = (check[f"{size} scenarios, {when}"] for when in ("warm", "warm, same process"))
        # cold parses every file; after one scenario changed, only that scenario is parsed (course.yml is cached)
        assert "files parsed: 1" in warm["note"] and "files parsed: 1" in same["note"]
        assert f"files parsed: {size + 1}" not in warm["note"]
    assert "×" in check[f"{sizes[1]} scenarios, cold"]["note"]  # growth against the smaller course
    assert f"{sizes[-1]} scenarios, reworded (not clones), cold" in check  # clones alone would flatter the cold check

    compiled = {row["what"]: tuple(map(int, re.search(r"PDFs compiled: (\d+) of (\d+)", row["note"]).groups()))
                for row in rows if row["benchmark"] == "handouts"}
    cold, warm, edit = (compiled[f"all handouts{when}"] for when in (", cold (no cache)", ", warm (nothing changed)",
                                                                     " after one scenario edit"))
    # cold compiles every PDF; warm, none (all from the handout cache); after one scenario edit, some but not all
    assert cold[0] == cold[1] > 0 and warm[0] == 0 and 0 < edit[0] < edit[1]

    serve = {row["what"]: row for row in rows if row["benchmark"] == "serve"}
    # a scenario save, and a module reading's once Sphinx rebuilt its page, show in the open page without loading it again
    assert serve["save one scenario → open page shows it"]["note"].endswith("page loads: 0")
    assert serve["save a module reading → page shows it"]["note"].endswith("page loads: 0")

    player = {row["what"]: row for row in rows if row["benchmark"] == "player"}
    # scenarios were played to an ending in the browser: both kinds of click timed, in the DOM and painted
    assert set(LABELS.values()) <= player.keys()
    assert all(player[label]["note"].startswith("median of") for label in LABELS.values())
    assert 0 < player["scenario data per page"]["value"] < player["everything a scenario page loads"]["value"]


def test_an_unknown_benchmark_is_a_usage_error():
    run = subprocess.run([sys.executable, "-m", "benchmarks", "no-such-benchmark"], cwd=REPO, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 2 and "unknown benchmark" in run.stderr
