"""Everything `branchbook build` generates in book/ is ignored by git, so an author's `git status`
shows only the files they write (a generated page committed by mistake would go stale)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def test_every_generated_book_file_is_ignored(built_mini):
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    book = built_mini.parent.parent
    generated = sorted(json.loads((book / ".branchbook-manifest.json").read_text(encoding="utf-8"))["files"])
    assert "workshop.md" in generated and "intro.md" not in generated
    paths = [f"book/{rel}" for rel in [*generated, ".branchbook-manifest.json", "_build/html/index.html"]]
    assert _not_ignored(paths) == []
    assert _not_ignored(["book/intro.md", "book/_config.yml"]) == ["book/intro.md", "book/_config.yml"]


def _not_ignored(paths: list[str]) -> list[str]:
    run = subprocess.run(["git", "check-ignore", "--no-index", "--verbose", "--non-matching", *paths],
                         cwd=REPO, capture_output=True, text=True)
    lines = run.stdout.splitlines()
    assert run.returncode in (0, 1) and len(lines) == len(paths), run.stderr   # one answer per path
    return [line.split("\t")[-1] for line in lines if line.startswith("::")]


def test_no_ignored_file_is_committed():
    """A generated file that is ignored yet tracked reaches every clone and stops its first build."""
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    tracked = subprocess.run(["git", "ls-files", "--cached", "--ignored", "--exclude-standard"], cwd=REPO,
                             capture_output=True, text=True, check=True).stdout.split()
    assert tracked == []
