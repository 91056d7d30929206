"""`branchbook check`: exit status, every problem listed, errors before warnings, --strict, output formats,
finding the course from a subfolder."""

from __future__ import annotations

import json
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
    """Exit code and stdout (where results go); usage errors are on stderr."""
    result = CliRunner().invoke(main, ["check", *map(str, args)])
    return result.exit_code, result.stdout + result.stderr


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
    assert "1 module, 2 scenarios: 0 errors, 0 warnings" in err


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
    assert "scenarios/the-favour.yml:18:15: error: choice leads to unknown scene 'recussed'" in done.stdout
    assert done.stderr == ""


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
    assert "4 errors, 1 warning" in lines[-1]


def test_warnings_alone_pass_unless_strict(tmp_path):
    root = course(tmp_path)
    edit(root / "scenarios" / "noticeboard.yml", "        feedback: Silence tells Jo the committee will not act.\n", "")
    code, err = check(root)
    assert code == 0, err
    assert "scenarios/noticeboard.yml:51:16: warning: choice has no feedback" in err
    assert "0 errors, 1 warning" in err
    code, err = check("--strict", root)
    assert code == 1
    assert "0 errors, 1 warning (warnings are fatal with --strict)" in err


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


def test_the_course_is_found_from_any_folder_inside_it(tmp_path, monkeypatch):
    root = course(tmp_path)
    edit(root / "scenarios" / "the-favour.yml", "goto: recused", "goto: recuse")
    (root / "scenarios" / "drafts").mkdir()
    monkeypatch.chdir(root / "scenarios" / "drafts")
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 1
    assert "scenarios/the-favour.yml:18:15: error: choice leads to unknown scene 'recuse'" in result.stdout
    assert check(root / "scenarios" / "noticeboard.yml")[0] == 1  # a file inside the course names it too


def test_results_go_to_stdout_and_usage_errors_to_stderr(tmp_path):
    run = lambda *a: subprocess.run([sys.executable, "-m", "branchbook", "check", *map(str, a)],  # noqa: E731
                                    capture_output=True, text=True, timeout=60)
    root = course(tmp_path)
    clean = run(root)
    assert clean.returncode == 0 and clean.stderr == ""
    assert clean.stdout.strip().splitlines()[-1].endswith("1 module, 2 scenarios: 0 errors, 0 warnings")
    missing = run(tmp_path / "nowhere")
    assert missing.returncode == 2 and missing.stdout == "" and "does not exist" in missing.stderr


def test_json_format_lists_every_problem_with_its_place_and_hint(tmp_path):
    root = course(tmp_path)
    edit(root / "scenarios" / "the-favour.yml", "goto: recused", "goto: recuse")
    edit(root / "scenarios" / "noticeboard.yml", "        feedback: Silence tells Jo the committee will not act.\n", "")
    result = CliRunner().invoke(main, ["check", "--format", "json", str(root)])
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["format"] == "branchbook-check" and isinstance(document["version"], int)
    assert (document["ok"], document["errors"], document["warnings"]) == (False, 1, 1)
    assert document["problems"] == [
        {"file": "scenarios/the-favour.yml", "line": 18, "col": 15, "severity": "error",
         "message": "choice leads to unknown scene 'recuse'", "hint": "did you mean 'recused'?"},
        {"file": "scenarios/noticeboard.yml", "line": 51, "col": 16, "severity": "warning",
         "message": "choice has no feedback", "hint": "say why this choice helps or harms"}]
    text = check(root)[1]
    assert all(f"{p['file']}:{p['line']}:{p['col']}: {p['severity']}: {p['message']}" in text
               for p in document["problems"])


def test_github_format_writes_workflow_annotations(tmp_path, monkeypatch):
    root = course(tmp_path)
    edit(root / "scenarios" / "the-favour.yml", "goto: recused", "goto: recuse")
    reading = root / "modules" / "basics.md"
    reading.write_text(reading.read_text() + "\nAbout 40% of people, in one survey, said so.\n")
    monkeypatch.chdir(tmp_path)  # GitHub reads paths from the repository root: here, the course's parent
    result = CliRunner().invoke(main, ["check", "--format", "github", "course"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert ("::error file=course/scenarios/the-favour.yml,line=18,col=15,title=branchbook::"
            "choice leads to unknown scene 'recuse'%0Ahint: did you mean 'recused'?") in lines
    warning = next(line for line in lines if line.startswith("::warning file=course/modules/basics.md,"))
    assert "About 40%25 of people, in one survey, said so." in warning  # '%' escaped, as GitHub requires
    strict = CliRunner().invoke(main, ["check", "--format", "github", "--strict", "course"]).stdout
    assert not any(line.startswith("::warning") for line in strict.splitlines())


def test_a_long_message_on_stderr_stays_one_line_in_a_log(capsys):
    """What build and handouts say on stderr also lands in CI logs and pipes, where a sentence or a path
    cut at 80 columns cannot be searched or copied: there each message is one line."""
    from branchbook.cli import err

    said = ("Handouts were not remade (--no-handouts): the site links the PDFs of the last build that made "
            "them, in /home/someone/courses/our-course/book/handouts/scenarios/the-long-name-packet.pdf")
    err.print(said)
    assert capsys.readouterr().err == said + "\n"
