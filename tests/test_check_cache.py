"""The check cache: a warm check re-reads only what changed, and the cache never changes a result
(deleted, corrupted or planted, the report is the same as a cold check's)."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from branchbook import check_cache, parallel
from branchbook.cli import main
from branchbook.load import load_course
from branchbook.read import yaml_source
from broken_cases import all_cases

CACHE = ("book", "_build", ".cache", "check")


@pytest.fixture
def parses(monkeypatch):
    """The files parsed from here on, by shown name (course.yml, module front matter, scenarios)."""
    seen: list[str] = []
    original = yaml_source.parse

    def counting(text, file, *args, **kwargs):
        seen.append(file)
        return original(text, file, *args, **kwargs)

    monkeypatch.setattr(yaml_source, "parse", counting)
    return seen


def fresh(course):
    """``course`` without a check cache (one is copied along from a fixture that was checked in place)."""
    shutil.rmtree(course.joinpath(*CACHE), ignore_errors=True)
    return course


def new_process(monkeypatch):
    """Forget what this process remembers between checks, as a new ``branchbook check`` would start."""
    monkeypatch.setattr(check_cache, "_MEMORY", {})


def report_of(course):
    loaded = load_course(course)
    return [p.format() for p in loaded.report.errors + loaded.report.warnings], loaded.course


@pytest.fixture
def mini(mini_course):
    """The fixture course with no check cache."""
    return fresh(mini_course)


def add_scenario(course, scenario_id="a-new-scenario"):
    """A scenario made by `branchbook new scenario` (which lists it in its module)."""
    result = CliRunner().invoke(main, ["new", "scenario", scenario_id, str(course)])
    assert result.exit_code == 0, result.output
    assert scenario_id in "".join(p.read_text(encoding="utf-8") for p in (course / "modules").glob("*.md"))
    return course / "scenarios" / f"{scenario_id}.yml"


@pytest.mark.parametrize("process", ["new process", "same process"])
def test_the_cache_keeps_one_entry_per_file(mini, monkeypatch, process):
    """The entry of a file's older version goes once the file changed, whichever process checks next."""
    folder = mini.joinpath(*CACHE)
    files = 1 + len(list((mini / "modules").glob("*.md"))) + len(list((mini / "scenarios").glob("*.yml")))
    load_course(mini)
    entries = set(folder.iterdir())
    assert len(entries) == files  # course.yml's settings, every module and scenario
    path = min((mini / "scenarios").glob("*.yml"))
    edited = path.read_text(encoding="utf-8").replace("text: |", "text: |\n      (Edited.)", 1)
    path.write_text(edited, encoding="utf-8")
    if process == "new process":
        new_process(monkeypatch)
    load_course(mini)
    after = set(folder.iterdir())
    assert len(after) == files and len(after - entries) == 1


@pytest.mark.parametrize("process", ["new process", "same process"])
def test_a_warm_check_parses_only_the_changed_file(mini, parses, monkeypatch, process):
    new = add_scenario(mini)
    report_of(mini)
    assert "scenarios/a-new-scenario.yml" in parses and len(parses) >= 4
    new.write_text(new.read_text(encoding="utf-8").replace("title:", "title: Changed,", 1), encoding="utf-8")
    if process == "new process":
        new_process(monkeypatch)
    parses.clear()
    warm_report, course = report_of(mini)
    # besides the changed file, only a file a course-wide rule reports on is parsed (for its lines)
    reported = {line.split(":", 1)[0] for line in warm_report}
    assert parses[:1] == ["scenarios/a-new-scenario.yml"] and set(parses[1:]) <= reported
    assert course.scenario("a-new-scenario").title.startswith("Changed,")
    parses.clear()
    assert report_of(mini)[0] == warm_report  # nothing changed: all cached
    assert set(parses) <= reported


def test_a_cache_hit_is_counted_and_needs_no_parse(mini, parses, monkeypatch):
    load_course(mini)
    files = len(parses)  # course.yml and every module and scenario
    new_process(monkeypatch)
    hits = []
    monkeypatch.setattr(check_cache.CheckCache, "finish", lambda self: hits.append(self.hits))
    parses.clear()
    load_course(mini)
    assert hits == [files] and parses == []


def test_changing_course_settings_or_the_denylist_checks_every_file_again(mini, parses, monkeypatch):
    cold, _ = report_of(mini)
    course_yml = mini / "course.yml"
    course_yml.write_text(course_yml.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    parses.clear()
    assert report_of(mini)[0] == cold
    assert len(parses) == len(list((mini / "scenarios").glob("*.yml"))) + len(
        list((mini / "modules").glob("*.md"))) + 1
    # listing a word the fixture's scenarios use makes a cached clean file report it
    from branchbook.check.deidentify import digest
    word = load_course(mini).course.scenarios[0].title.split()[-1]
    with open(mini / "denylist.sha256", "a", encoding="utf-8") as handle:
        handle.write(digest(word) + "\n")
    assert any("denylist" in line for line in report_of(mini)[0])


def test_a_changed_branchbook_checks_every_file_again(mini, parses, monkeypatch):
    """A rule added or changed in branchbook's code must not be answered from results of the old code."""
    cold, _ = report_of(mini)
    files = len(parses)
    new_process(monkeypatch)
    monkeypatch.setattr(check_cache, "code_digest", lambda: b"the code of another branchbook")
    parses.clear()
    assert report_of(mini)[0] == cold and len(parses) == files


CASES = all_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_report_is_the_same_cold_warm_deleted_and_corrupted(case, tmp_path, monkeypatch):
    course = fresh(case.make_course(tmp_path))
    cold = report_of(course)
    new_process(monkeypatch)
    assert report_of(course) == cold  # every file from the cache: course-wide problems located by parsing again
    cache = course.joinpath(*CACHE)
    for entry in cache.iterdir():
        entry.write_bytes(entry.read_bytes()[:-7] + b"garbage")
    new_process(monkeypatch)
    loaded = load_course(course)
    assert [p.format() for p in loaded.report.errors + loaded.report.warnings] == cold[0]
    assert any("unreadable or unsigned" in note for note in loaded.report.notes)
    for entry in cache.iterdir():
        entry.unlink()
    new_process(monkeypatch)
    assert report_of(course) == cold


def test_a_planted_pickle_is_never_loaded(mini, tmp_path, monkeypatch):
    """A course folder may come from anyone: an entry not signed by this user's key is ignored, not run."""
    cold = report_of(mini)
    sentinel = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (open, (str(sentinel), "w"))

    for entry in mini.joinpath(*CACHE).iterdir():
        entry.write_bytes(b"\0" * 32 + pickle.dumps(Payload()))
    new_process(monkeypatch)
    assert report_of(mini) == cold
    assert not sentinel.exists()


@pytest.mark.skipif(parallel.cores() < 2, reason="workers are used only on several cores")
def test_workers_give_the_same_report_as_checking_in_order(tmp_path, monkeypatch):
    if threading.active_count() > 1:  # threads left by earlier tests (the browser tests'): workers never fork then
        if os.environ.get("BB_TEST_RESPAWNED"):
            pytest.skip("workers are used only in a process without other threads")
        test = f"{Path(__file__).resolve()}::test_workers_give_the_same_report_as_checking_in_order"
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test],
                              capture_output=True, text=True, cwd=Path(__file__).parent.parent,
                              env={**os.environ, "BB_TEST_RESPAWNED": "1", "PYTHONPATH": os.pathsep.join(sys.path)})
        assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout[-3000:] + done.stderr[-2000:]
        return

    def checked(where):
        problems, course = report_of(where)
        return problems, course and (course.settings, course.modules, course.scenarios)

    by_case = {case.name: checked(fresh(case.make_course(tmp_path / "in-order" / case.name))) for case in CASES[:12]}
    monkeypatch.setattr(parallel, "MIN_ITEMS", 1)
    used_workers = []
    original = parallel.map_pickled
    monkeypatch.setattr(parallel, "map_pickled", lambda *args: used_workers.append(original(*args)) or used_workers[-1])
    for case in CASES[:12]:
        assert checked(fresh(case.make_course(tmp_path / "workers" / case.name))) == by_case[case.name], case.name
    assert used_workers and all(result is not None for result in used_workers)


def test_the_command_notes_a_corrupt_cache_and_still_passes(mini):
    command = [sys.executable, "-m", "branchbook", "check", str(mini)]
    assert subprocess.run(command, capture_output=True, text=True).returncode == 0
    for entry in mini.joinpath(*CACHE).iterdir():
        entry.write_bytes(b"not a cache entry")
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0
    assert "note: ignored" in done.stderr and "check cache" in done.stderr
    assert "note:" not in subprocess.run(command, capture_output=True, text=True).stderr  # rewritten, clean again


def test_without_a_usable_key_the_cache_is_off_and_says_so(mini, tmp_path, monkeypatch):
    cold = report_of(mini)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    (tmp_path / "user-cache" / "branchbook").mkdir(parents=True)
    (tmp_path / "user-cache" / "branchbook" / "check-cache.key").write_bytes(b"short")
    new_process(monkeypatch)
    loaded = load_course(mini)
    assert [p.format() for p in loaded.report.errors + loaded.report.warnings] == cold[0]
    assert any(note.startswith("the check cache is off") for note in loaded.report.notes)


HYPHENATION = """
import sys
import pyphen
from branchbook.check import measures
if sys.argv[1] == "no-parsing":
    def refuse(self, path):
        raise AssertionError("the dictionary was parsed again")
    pyphen.HyphDict.__init__ = refuse
print(measures.reading_ease("Le comité s'est réuni mardi. Personne n'avait lu la plainte avant.", "fr"),  # first
      measures.reading_ease("The committee met on a Tuesday. Nobody had read the complaint before it began."))
"""


def test_parsed_hyphenation_patterns_are_kept_for_the_next_process(tmp_path):
    """The reading ease's syllable counts need pyphen's dictionary, parsed once and then kept in the user's cache
    folder: a later process reads it back instead of parsing the dictionary, and a damaged or outdated copy is
    parsed again, with the same result."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "PYTHONPATH": os.pathsep.join(sys.path)}

    def ease(mode: str) -> str:
        return subprocess.run([sys.executable, "-c", HYPHENATION, mode], capture_output=True, text=True, check=True,
                              env=env).stdout

    first = ease("parse")
    kept = tmp_path / "branchbook" / "hyphenation-en_US.pickle"
    assert kept.is_file() and (tmp_path / "branchbook" / "hyphenation-fr.pickle").is_file()
    assert ease("no-parsing") == first
    for damaged in (b"not a pickle", pickle.dumps(("another version", {}))):
        kept.write_bytes(damaged)
        assert ease("parse") == first
        assert ease("no-parsing") == first  # made whole again
