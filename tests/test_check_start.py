"""A warm `check` in a new process does only what its answer needs: the command imports no writer, the
cached scenarios' models are not read back, translation overlays and course.yml come from the cache,
and within one process an unchanged file is not even read again. Every such shortcut gives the same
report as a check without it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from branchbook import deferred, load
from branchbook.cli import main
from branchbook.load import load_course
from branchbook.read import overlay
from course_support import french_mini
from test_check_cache import add_scenario, fresh, new_process, report_of

IMPORTED = """
import sys
from branchbook.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print("\\n" + " ".join(sorted(sys.modules)))
"""


def modules_imported(*args: str) -> set[str]:
    """The modules a new ``branchbook ARGS`` process imported."""
    done = subprocess.run([sys.executable, "-c", IMPORTED, *args], capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    return set(done.stdout.splitlines()[-1].split())


def test_version_imports_no_part_of_the_pipeline():
    imported = modules_imported("--version")
    assert "branchbook.cli" in imported
    assert not {"branchbook.load", "branchbook.model", "pydantic", "yaml"} & imported


def test_a_warm_check_imports_no_writer_and_builds_no_validator(mini_course):
    subprocess.run([sys.executable, "-m", "branchbook", "check", str(fresh(mini_course))], check=True,
                   capture_output=True)
    imported = modules_imported("check", str(mini_course))
    assert "branchbook.load" in imported
    unneeded = {"branchbook.write.decision_map", "branchbook.write.markdown", "branchbook.map_command",
                "branchbook.translate_command", "branchbook.build", "markdown_it", "myst_parser", "rich",
                "textstat", "pydantic.plugin._loader"}  # the last: pydantic builds a validator (course.yml's)
    assert not unneeded & imported


def test_help_lists_every_command_and_the_lazy_ones_run():
    runner = CliRunner()
    listed = runner.invoke(main, ["--help"]).output
    for command in ("check", "build", "serve", "map", "translate", "export", "import", "stats"):
        assert f"\n  {command} " in listed
    assert "scorm" in runner.invoke(main, ["export", "--help"]).output
    assert "--format" in runner.invoke(main, ["map", "--help"]).output
    result = runner.invoke(main, ["nonesuch"])
    assert result.exit_code == 2 and "No such command" in result.output


@pytest.fixture
def model_loads(monkeypatch):
    """How many cached scenario models were read back (unpickled) from here on."""
    loads = []
    original = deferred.Deferred.model.fget

    def counted(self):
        if not self.loaded:
            loads.append(self.id)
        return original(self)

    monkeypatch.setattr(deferred.Deferred, "model", property(counted))
    return loads


def test_a_warm_check_reads_back_no_scenario_model_and_the_course_is_the_same(mini_course, monkeypatch,
                                                                               model_loads):
    mini = fresh(mini_course)
    add_scenario(mini)
    cold = load_course(mini)
    cold_course = (cold.course.settings, cold.course.modules, cold.course.scenarios)
    new_process(monkeypatch)
    result = CliRunner().invoke(main, ["check", str(mini)])
    assert result.exit_code == 0 and "a-new-scenario" not in result.output
    assert model_loads == []
    new_process(monkeypatch)
    warm = load_course(mini)
    assert model_loads == [] and warm.report.problems == cold.report.problems
    assert (warm.course.settings, warm.course.modules, warm.course.scenarios) == cold_course
    assert len(model_loads) == len(cold_course[2])  # assembling the course reads them back, once each


def test_json_report_is_the_same_warm(mini_course, monkeypatch):
    """The summary counts come without assembling the course: the same as when it is assembled."""
    mini = fresh(mini_course)
    cold = CliRunner().invoke(main, ["check", "--format", "json", str(mini)]).output
    new_process(monkeypatch)
    assert CliRunner().invoke(main, ["check", "--format", "json", str(mini)]).output == cold
    assert json.loads(cold)["ok"]


@pytest.fixture
def overlay_reads(monkeypatch):
    read = []
    original = overlay.read

    def counting(kind, path, *args, **kwargs):
        read.append(path.name)
        return original(kind, path, *args, **kwargs)

    monkeypatch.setattr(overlay, "read", counting)
    return read


def test_overlays_come_from_the_cache_until_they_or_their_originals_change(tmp_path, monkeypatch, overlay_reads):
    root = french_mini(tmp_path)
    favour = root / "scenarios" / "the-favour.fr.yml"
    favour.write_text(favour.read_text(encoding="utf-8") + "\nnot_a_field: x\n", encoding="utf-8")  # one error
    cold = report_of(root)[0]
    assert any("the-favour.fr.yml" in line and "not_a_field" in line for line in cold)
    assert sorted(overlay_reads) == sorted(p.name for p in root.rglob("*.fr.*"))
    for process in ("new", "same"):
        overlay_reads.clear()
        if process == "new":
            new_process(monkeypatch)
        assert report_of(root)[0] == cold and overlay_reads == []
    original = root / "scenarios" / "the-favour.yml"
    original.write_text(original.read_text(encoding="utf-8").replace("title:", "title: Edited,", 1), encoding="utf-8")
    overlay_reads.clear()
    report_of(root)
    assert overlay_reads == ["the-favour.fr.yml"]  # its original changed: what it translates may have
    favour.write_text(favour.read_text(encoding="utf-8").replace("\nnot_a_field: x\n", "\n"), encoding="utf-8")
    overlay_reads.clear()
    new_process(monkeypatch)
    assert not any("not_a_field" in line for line in report_of(root)[0])
    assert overlay_reads == ["the-favour.fr.yml"]


def test_in_one_process_an_unchanged_file_is_not_read_again_and_a_changed_one_is(mini_course, monkeypatch):
    """Even a change that keeps the file's size and puts its modification time back is seen (its ctime moved)."""
    mini = fresh(mini_course)
    path = min((mini / "scenarios").glob("*.yml"))
    old = path.stat().st_mtime_ns - 3_600_000_000_000
    for file in [mini / "course.yml", *mini.rglob("*.md"), *mini.rglob("*.yml")]:
        os.utime(file, ns=(old, old))  # settled: changed an hour ago
    monkeypatch.setattr(load, "_DIGESTS", {})
    # ten seconds on: files are remembered only once settled, and utime just moved their ctime to now
    monkeypatch.setattr(load, "time", SimpleNamespace(time_ns=lambda: time.time_ns() + 10_000_000_000))
    reads = []
    original = load.bytes_or_empty
    monkeypatch.setattr(load, "bytes_or_empty", lambda p: reads.append(p.name) or original(p))
    first = report_of(mini)
    assert path.name in reads
    reads.clear()
    assert report_of(mini) == first and path.name not in reads
    text = path.read_text(encoding="utf-8")
    title = next(line for line in text.splitlines() if line.startswith("title:"))
    changed = title[:-1] + ("X" if title[-1] != "X" else "Y")
    path.write_text(text.replace(title, changed, 1), encoding="utf-8")
    os.utime(path, ns=(old, old))
    problems, course = report_of(mini)
    assert path.name in reads and changed.split(":", 1)[1].strip() in [s.title for s in course.scenarios]



TEXTSTAT = """
import sys
{first}
from branchbook.check import measures
ease = measures.reading_ease("The committee met. It listened, and it said what would happen next.")
before = "pkg_resources" in sys.modules
used = sys.modules["textstat.textstat"].pkg_resources.resource_stream  # what textstat's word lists would call
print(ease, before, type(sys.modules["pkg_resources"]).__name__, callable(used))
"""


@pytest.mark.parametrize("first", ["", "import pkg_resources"])
def test_the_reading_ease_does_not_import_pkg_resources_until_something_uses_it(first):
    # textstat imports setuptools' pkg_resources for word lists the reading ease never reads (half its import);
    # it gets a stand-in, and anything that then uses it (or imports it) gets the real module
    done = subprocess.run([sys.executable, "-c", TEXTSTAT.format(first=first)], capture_output=True, text=True,
                          check=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    ease, before, kind, used = done.stdout.split()
    from textstat.textstat import textstatistics

    assert float(ease) == round(textstatistics().flesch_reading_ease(
        "The committee met. It listened, and it said what would happen next."), 1)
    assert before == ("True" if first else "False")
    assert kind == "module" and used == "True"
