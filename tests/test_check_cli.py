"""`branchbook check`: exit status, every problem listed, errors before warnings, --strict."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from branchbook.cli import main
from broken_cases import FIXTURE, all_cases

# One case of each kind (yaml-, graph-, deid-, …) through the command as well; the corpus test covers them all.
CASES = list({case.name.split("-")[0]: case for case in all_cases()}.values())


def check(*args: str):
    result = CliRunner().invoke(main, ["check", *map(str, args)])
    return result.exit_code, result.stderr


def course(tmp_path: Path) -> Path:
    root = tmp_path / "course"
    shutil.copytree(FIXTURE, root)
    return root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_clean_course_exits_0(tmp_path):
    code, err = check("--strict", course(tmp_path))
    assert code == 0, err
    assert "1 modules, 2 scenarios: 0 error(s), 0 warning(s)" in err


def test_course_yml_itself_may_be_given(tmp_path):
    code, err = check(course(tmp_path) / "course.yml")
    assert code == 0, err


def test_no_course_is_a_usage_error_exit_2(tmp_path):
    code, err = check(tmp_path)
    assert code == 2
    assert f"no course.yml in {tmp_path.resolve()}" in err


def test_exit_statuses_of_the_real_command(tmp_path):
    """The installed entry point, not just the click object: 2 for usage, 1 for problems."""
    run = lambda *a: subprocess.run([sys.executable, "-m", "branchbook", "check", *map(str, a)],  # noqa: E731
                                    capture_output=True, text=True, timeout=60)
    assert run(tmp_path / "nowhere").returncode == 2
    root = course(tmp_path)
    edit(root / "scenarios" / "the-favour.yml", "goto: recused", "goto: recussed")
    done = run(root)
    assert done.returncode == 1
    assert "scenarios/the-favour.yml:18:15: error: choice leads to unknown scene 'recussed'" in done.stderr


def test_every_problem_in_every_file_is_listed_errors_then_warnings(tmp_path):
    root = course(tmp_path)
    # a warning in the file that sorts first, errors in three other files
    edit(root / "scenarios" / "noticeboard.yml", "        feedback: Silence tells Jo the committee will not act.\n", "")
    edit(root / "course.yml", "author: Test authors\n", "author: Test authors\nauthr: typo\n")
    edit(root / "modules" / "basics.md", "duration: 45", "duration: -5")
    edit(root / "scenarios" / "the-favour.yml", "goto: recused", "goto: recuse")
    edit(root / "scenarios" / "the-favour.yml", "learner_role: officer", "learner_role: reporter")
    code, err = check(root)
    assert code == 1
    lines = [line for line in err.splitlines() if not line.startswith("    hint:")]
    expected = [
        "course.yml:5:1: error: unknown field 'authr'",
        "modules/basics.md:4:11: error: duration: -5 is out of range; it should be greater than 0",
        "scenarios/the-favour.yml:7:15: error: the learner plays 'reporter', which is marked playable: false",
        "scenarios/the-favour.yml:18:15: error: choice leads to unknown scene 'recuse'",
        "",
        "scenarios/noticeboard.yml:51:16: warning: choice has no feedback",
    ]
    assert lines[:len(expected)] == expected
    assert "4 error(s), 1 warning(s)" in lines[-1]


def test_warnings_alone_pass_unless_strict(tmp_path):
    root = course(tmp_path)
    edit(root / "scenarios" / "noticeboard.yml", "        feedback: Silence tells Jo the committee will not act.\n", "")
    code, err = check(root)
    assert code == 0, err
    assert "scenarios/noticeboard.yml:51:16: warning: choice has no feedback" in err
    assert "0 error(s), 1 warning(s)" in err
    code, err = check("--strict", root)
    assert code == 1
    assert "0 error(s), 1 warning(s) (warnings are fatal with --strict)" in err


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_cli_on_the_corpus(case, tmp_path):
    """The command prints each expected problem as file:line:col and exits 1 exactly when it should."""
    root = case.make_course(tmp_path)
    errors = any(e.severity == "error" for e in case.expected)
    code, err = check(root)
    assert code == (1 if errors else 0), err
    if not errors:  # only warnings: fatal with --strict
        assert check("--strict", root)[0] == 1
    for want in case.expected:
        assert any(line.startswith(f"{want.file}:{want.line}:{want.col}: {want.severity}: ") and want.message in line
                   for line in err.splitlines()), f"{want} not in:\n{err}"
