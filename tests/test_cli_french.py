"""The commands' own lines (what `new`, `import`, `export`, `map`, `translate`, `serve` and `init` say they did
or why they refused) are worded in the course's language, as `check`'s problems are: the same command on an
English and a French copy of the fixture course says the same thing in each catalogue's words. The expected
words are the catalogue's templates turned into patterns (tests/test_check_french.py), never copies of their text.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_check_french import broken_copy, pattern

from branchbook.cli import main
from branchbook.messages import catalogue

LANGUAGES = ("en", "fr")


@pytest.fixture(params=LANGUAGES)
def course(request, tmp_path) -> tuple[Path, str]:
    """A copy of the fixture course whose course.yml says ``language:`` en or fr, and that language."""
    return broken_copy(tmp_path, request.param, "course.yml", "modules: [basics]", "modules: [basics]"), request.param


def run(*args, code: int = 0):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == code, result.output
    return result


def saying(text: str, key: str, language: str) -> list[dict[str, str]]:
    """The values of each line of ``text`` worded by ``key``'s template in ``language``. The other catalogues'
    templates for ``key`` match no line (none is left in another language), when they have words to tell
    them apart (not a bare '{path}: {said}')."""
    lines = text.splitlines()
    for other in LANGUAGES:
        if other != language and re.search(r"[^\W\d_]", re.sub(r"\{\w*\}", "", catalogue(other)[key])):
            assert not any(line_pattern(key, other).search(line) for line in lines), (key, other, text)
    return [m.groupdict() for line in lines if (m := line_pattern(key, language).search(line))]


def line_pattern(key: str, language: str) -> re.Pattern:
    """The template's pattern, ending its line (click puts 'Error: ' before it), a value possibly empty (an
    empty list)."""
    return re.compile(pattern(key, language).pattern.replace(".+?)", ".*?)") + "$")


def says(text: str, key: str, language: str) -> dict[str, str]:
    """The values of the one line of ``text`` worded by ``key``'s template in ``language``."""
    found = saying(text, key, language)
    assert len(found) == 1, (key, text)
    return found[0]


def says_all(text: str, keys: list[str], language: str) -> None:
    for key in keys:
        says(text, key, language)


def test_new_scenario_and_new_module_say_what_they_did(course):
    root, lang = course
    said = run("new", "module", "second-steps", root).output
    says_all(said, ["cli.wrote", "cli.listed_in", "cli.new.next_module"], lang)
    assert says(said, "cli.new.next_module", lang) == {"module": "second-steps"}
    said = run("new", "scenario", "first-draft", root, "--module", "second-steps").output
    assert says(said, "cli.wrote", lang)["path"].endswith("first-draft.yml")
    says_all(said, ["cli.listed_in", "cli.new.next_scenario"], lang)


def test_new_says_why_it_refuses(course):
    root, lang = course
    refusals = {("new", "scenario", "first-draft", root, "--module", "nosuch"): "cli.new.unknown_module",
                ("new", "scenario", "Bad_Id", root): "cli.new.bad_id",
                ("new", "module", "Bad_Id", root): "cli.new.bad_id",
                ("new", "scenario", "noticeboard", root): "cli.new.exists",
                ("new", "module", "basics", root): "cli.new.module_exists"}
    for args, key in refusals.items():
        says(run(*args, code=2).stderr, key, lang)
    module = root / "modules" / "basics.md"
    module.write_text(module.read_text(encoding="utf-8").replace("scenarios: [noticeboard, the-favour]",
                                                                 "scenarios: just one"), encoding="utf-8")
    says(run("new", "scenario", "first-draft", root, code=2).stderr, "cli.new.not_a_list", lang)
    module.write_text("no front matter\n", encoding="utf-8")
    says(run("new", "scenario", "first-draft", root, code=2).stderr, "cli.new.no_module", lang)


def test_export_and_import_twee_say_what_they_did(course, tmp_path):
    root, lang = course
    out = tmp_path / f"twee-{lang}"
    assert says(run("export", "twee", "--course", root, "-o", out).output, "cli.export.twee_wrote", lang)["n"] == "2"
    says(run("export", "twee", "nosuch", "--course", root, "-o", out, code=2).stderr, "cli.unknown_scenarios", lang)
    says(run("export", "twee", "--course", root, "-o", out, "--language", "de", code=2).stderr, "cli.no_translation",
         lang)
    said = run("import", "twee", out / "the-favour.twee", "--course", root, "--id", "the-favour-again").output
    says_all(said, ["cli.import.wrote", "cli.listed_in", "cli.import.next"], lang)
    not_twine = tmp_path / "notes.txt"
    not_twine.write_text("just some notes\n", encoding="utf-8")
    says(run("import", "twee", not_twine, "--course", root, code=2).stderr, "cli.import.not_twine", lang)


def test_export_scorm_and_site_say_why_they_refuse(course, tmp_path):
    root, lang = course
    says(run("export", "scorm", "--course", root, "--module", "nosuch", "-o", tmp_path / "x.zip", code=2).stderr,
         "cli.unknown_modules", lang)
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "mine.txt").write_text("mine", encoding="utf-8")
    says(run("export", "site", "--course", root, "-o", tmp_path / "taken", code=2).stderr, "cli.export.not_ours", lang)


def test_map_says_what_it_wrote_and_why_it_refuses(course, tmp_path):
    root, lang = course
    says(run("map", "the-favour", root, "-o", tmp_path / "map.dot").stderr, "cli.wrote", lang)
    says(run("map", "the-favour", root, "-o", tmp_path / "map.txt", code=2).stderr, "cli.map.no_format", lang)
    assert says(run("map", "the-favor", root, code=2).stderr, "cli.map.no_scenario", lang)["id"] == "the-favor"
    says(run("map", "zzz", root, code=2).stderr, "cli.map.scenarios_are", lang)
    other = root / "scenarios" / "noticeboard.yml"
    other.write_text(other.read_text(encoding="utf-8").replace("start:", "strat:"), encoding="utf-8")
    says(run("map", "the-favour", root, "-o", tmp_path / "alone.dot").stderr, "cli.map.drawn_alone_one_broken", lang)
    says(run("map", "noticeboard", root, code=1).stderr, "cli.map.course_errors", lang)


def test_translate_says_what_it_did(course):
    root, lang = course
    (root / "book" / "intro.md").write_text("# Mini course\n\nWelcome.\n", encoding="utf-8")
    said = run("translate", "de", root).output
    assert says(said, "cli.translate.listed", lang)["code"] == "de"
    created = [says(line, "cli.translate.file", lang)["path"] for line in said.splitlines()
               if saying(line, "cli.translate.created", lang)]
    assert sorted(Path(path).name for path in created) == ["basics.de.md", "course.de.yml", "noticeboard.de.yml",
                                                                "the-favour.de.yml"]
    says(said, "cli.translate.home_copy", lang)
    assert saying(run("translate", "de", root, "--stamp").output, "cli.translate.stamped", lang)
    says(run("translate", lang, root, code=2).stderr, "cli.translate.own_language", lang)
    says(run("translate", "deu", root, code=2).stderr, "cli.translate.not_code", lang)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_says_why_it_refuses(course):
    root, lang = course
    says(run("serve", root, "--scenario", "the-favor", code=2).stderr, "cli.serve.no_scenario_hint", lang)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        says(run("serve", root, "--port", port, code=1).stderr, "cli.serve.port_busy_try", lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_serve_says_it_starts_and_stops(tmp_path, lang):
    root = broken_copy(tmp_path, lang, "course.yml", "modules: [basics]", "modules: [basics]")
    process = subprocess.Popen([sys.executable, "-m", "branchbook", "serve", str(root), "--port", str(free_port())],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env=dict(os.environ, PYTHONUNBUFFERED="1"))
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(process.stdout.readline, "")), daemon=True)
    reader.start()
    try:  # until it says it serves, in any language (the test then tells which)
        deadline = time.monotonic() + 120
        while process.poll() is None and time.monotonic() < deadline and not any(
                line_pattern("cli.serve.serving", any_lang).search(line) for line in lines for any_lang in LANGUAGES):
            time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGINT)  # Ctrl-C
        process.wait(timeout=120)
        reader.join(timeout=10)
    says_all("".join(lines), ["cli.serve.serving", "cli.serve.stopping", "cli.serve.stopped"], lang)


def test_init_speaks_the_new_courses_language(tmp_path):
    """`init` writes an English course, so it says what it did in English (a refusal too: there is no course)."""
    says_all(run("init", tmp_path / "new-course").output, ["cli.init.created", "cli.init.next"], "en")
