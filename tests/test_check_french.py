"""``check`` words its problems in the course's language: the same break in an English and a French copy of
the fixture course gives the same problem at the same ``file:line:col``, worded by each catalogue; ``build``
says what it did in it too. The expected words are the catalogue's templates (turned into patterns), never
copies of their text."""

from __future__ import annotations

import re
import shutil
import string
from pathlib import Path

import pytest
from click.testing import CliRunner

from branchbook.cli import main
from branchbook.load import load_course
from branchbook.messages import catalogue, message

FIXTURE = Path(__file__).parent / "fixtures" / "mini"
SCENARIO = "scenarios/noticeboard.yml"
_SCENE = ("  harmful-end:\n    text: Jo stops coming to the garden.\n"
          "    ending: {kind: harmful, title: Jo leaves, debrief: An ambush and silence push people out.}\n")

BREAKS = {  # name -> (file, text replaced, replacement, catalogue key of the problem, of its hint)
    "misspelt ending kind": (SCENARIO, "      kind: good\n", "      kind: godo\n",
                             "check.schema.not_one_of", "check.did_you_mean"),
    "duplicate key": (SCENARIO, "title: The noticeboard\n", "title: The noticeboard\ntitle: A second title\n",
                      "read.yaml.duplicate_key", "read.yaml.duplicate_key_hint"),
    "scene at the file's level": (SCENARIO, _SCENE, "".join(line[2:] + "\n" for line in _SCENE.splitlines()),
                                  "check.indent.at_file_level", "check.indent.lines_hint"),
    "misspelt field in course.yml": ("course.yml", "author: Test authors\n", "autor: Test authors\n",
                                     "check.schema.unknown_field", "check.did_you_mean"),
    "YAML syntax error in course.yml": ("course.yml", "title: Mini course\n", "title: Mini: course\n",
                                        ("read.yaml.syntax", "read.yaml.colon"), "read.yaml.colon_hint"),
    # the model's own rules (its validators), worded from the catalogue like the rest
    "reserved id": (SCENARIO, "id: noticeboard\n", "id: con\n",
                    ("check.schema.at", "check.model.reserved_id"), "check.model.reserved_id_hint"),
    "no correct option": ("modules/basics.md", "        correct: true\n", "",
                          ("check.schema.at", "check.model.no_correct_option"), "check.model.no_correct_option_hint"),
    "translation listed twice": ("course.yml", "title: Mini course\n", "title: Mini course\ntranslations: [de, de]\n",
                                 ("check.schema.at", "check.model.translation_twice"),
                                 "check.model.translation_twice_hint"),
}


def pattern(key: str | tuple[str, str], language: str) -> re.Pattern:
    """The catalogue's template for ``key`` as a pattern: each placeholder a named group (a repeated one
    must repeat its value). A key ``(outer, inner)``: the template of ``inner`` in the ``{message}`` of ``outer``."""
    outer, inner = key if isinstance(key, tuple) else (key, None)
    parts, seen = [], set()
    for literal, name, _, _ in string.Formatter().parse(catalogue(language)[outer]):
        parts.append(re.escape(literal))
        if name == "message" and inner:
            parts.append(pattern(inner, language).pattern)
        elif name is not None:
            parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
            seen.add(name)
    return re.compile("".join(parts))


def broken_copy(tmp_path: Path, language: str, file: str, old: str, new: str) -> Path:
    root = tmp_path / language
    shutil.copytree(FIXTURE, root)
    course = root / "course.yml"
    course.write_text(course.read_text(encoding="utf-8").replace("modules: [basics]",
                                                                 f"language: {language}\nmodules: [basics]"),
                      encoding="utf-8")
    target = root / file
    text = target.read_text(encoding="utf-8")
    assert old in text
    target.write_text(text.replace(old, new), encoding="utf-8")
    return root


def the_problem(root: Path, file: str, key: str, language: str):
    """The one problem in ``file`` worded by ``key``'s template, and the values the template was filled with."""
    found = [(p, pattern(key, language).fullmatch(p.message)) for p in load_course(root).report.problems
             if p.file == file]
    matched = [(p, m.groupdict()) for p, m in found if m]
    assert len(matched) == 1, [p.message for p, _ in found]
    return matched[0]


@pytest.mark.parametrize("name", BREAKS)
def test_a_french_course_gets_french_problems_at_the_same_place(tmp_path, name):
    file, old, new, key, hint_key = BREAKS[name]
    english, values = the_problem(broken_copy(tmp_path, "en", file, old, new), file, key, "en")
    french, french_values = the_problem(broken_copy(tmp_path, "fr", file, old, new), file, key, "fr")
    assert (french.file, french.line, french.col) == (english.file, english.line, english.col)
    # the same ids, values and positions, only the words differ (where a value sits is worded too: scene, scène)
    assert {k: v for k, v in french_values.items() if k != "where"} == {k: v for k, v in values.items() if k != "where"}
    assert pattern(hint_key, "en").fullmatch(english.hint)
    assert pattern(hint_key, "fr").fullmatch(french.hint)
    assert french.message != english.message and french.hint != english.hint


def test_check_prints_the_french_problem(tmp_path):
    file, old, new, key, _ = BREAKS["duplicate key"]
    root = broken_copy(tmp_path, "fr", file, old, new)
    problem, _ = the_problem(root, file, key, "fr")
    result = CliRunner().invoke(main, ["check", str(root)])
    assert result.exit_code == 1
    assert problem.format("fr") in result.output


def test_build_says_what_it_did_in_french(tmp_path):
    root = broken_copy(tmp_path, "fr", "course.yml", "modules: [basics]", "modules: [basics]")  # nothing broken
    result = CliRunner().invoke(main, ["build", str(root), "--no-handouts"])
    assert result.exit_code == 0, result.output
    site = root.resolve() / "book" / "_build" / "html" / "index.html"
    assert message("build.site", "fr", path=site) in result.output
    assert any(pattern("build.generated", "fr").search(line) for line in result.output.splitlines())
    assert message("build.site", "en", path=site) not in result.output


def test_a_condition_that_does_not_parse_is_explained_in_the_course_language(tmp_path):
    # the reason comes from the condition parser, worded by the catalogue of the course's language too
    file, values = SCENARIO, {}
    for language in ("en", "fr"):
        root = broken_copy(tmp_path, language, file, "when: trust >= 1\n", "when: trust >=\n")
        problem, values[language] = the_problem(root, file, ("check.schema.at", "check.model.condition"), language)
        assert pattern("check.condition.ends_early", language).fullmatch(values[language]["reason"])
        assert pattern("check.schema.condition_hint", language).fullmatch(problem.hint)
    assert values["en"]["at"] == values["fr"]["at"]
