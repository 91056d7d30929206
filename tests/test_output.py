"""The rules of writing generated files (output.py) on a temporary folder, without Sphinx."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from branchbook import output


def build(root: Path, files: dict[str, bytes], force: bool = False) -> output.Plan:
    result = output.plan(root, files, force=force)
    output.apply(root, files, result)
    return result


def test_first_build_writes_everything_and_records_it(tmp_path: Path):
    result = build(tmp_path, {"a.md": b"A", "sub/b.md": b"B"})
    assert sorted(result.write) == ["a.md", "sub/b.md"] and result.unchanged == [] and result.delete == []
    assert (tmp_path / "sub" / "b.md").read_bytes() == b"B"
    manifest = json.loads((tmp_path / output.MANIFEST).read_text())["files"]
    assert manifest == {"a.md": [output.sha256(b"A")], "sub/b.md": [output.sha256(b"B")]}


def test_unchanged_files_are_not_rewritten(tmp_path: Path):
    build(tmp_path, {"a.md": b"A", "b.md": b"B"})
    before = (tmp_path / "a.md").stat()
    result = build(tmp_path, {"a.md": b"A", "b.md": b"B2"})
    assert list(result.write) == ["b.md"] and result.unchanged == ["a.md"]
    after = (tmp_path / "a.md").stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_a_hand_edit_stops_the_plan_before_anything_is_touched(tmp_path: Path):
    build(tmp_path, {"a.md": b"A", "b.md": b"B"})
    (tmp_path / "a.md").write_bytes(b"my edit")
    with pytest.raises(output.OutputConflict) as stopped:
        output.plan(tmp_path, {"a.md": b"A2", "b.md": b"B2"})
    assert "edited by hand" in str(stopped.value) and "--force" in str(stopped.value)
    assert (tmp_path / "a.md").read_bytes() == b"my edit" and (tmp_path / "b.md").read_bytes() == b"B"


def test_force_discards_a_hand_edit(tmp_path: Path):
    build(tmp_path, {"a.md": b"A"})
    (tmp_path / "a.md").write_bytes(b"my edit")
    build(tmp_path, {"a.md": b"A2"}, force=True)
    assert (tmp_path / "a.md").read_bytes() == b"A2"


def test_an_author_file_is_never_overwritten_even_with_force_it_is_named(tmp_path: Path):
    (tmp_path / "intro.md").write_bytes(b"mine")
    with pytest.raises(output.OutputConflict) as stopped:
        output.plan(tmp_path, {"intro.md": b"generated"}, force=True)
    assert "does not list it, so it is kept as yours" in str(stopped.value)
    assert (tmp_path / "intro.md").read_bytes() == b"mine"


def test_files_no_longer_generated_are_deleted_unless_edited(tmp_path: Path):
    build(tmp_path, {"a.md": b"A", "old.md": b"O", "kept.md": b"K", "mine.md": b"M"})
    (tmp_path / "kept.md").write_bytes(b"edited")
    (tmp_path / "mine.md").unlink()
    (tmp_path / "author.md").write_bytes(b"never generated")
    with pytest.raises(output.OutputConflict) as stopped:
        output.plan(tmp_path, {"a.md": b"A"})
    assert "kept.md" in str(stopped.value) and "Delete it yourself" in str(stopped.value)
    (tmp_path / "kept.md").write_bytes(b"K")
    result = build(tmp_path, {"a.md": b"A"})
    assert result.delete == ["kept.md", "old.md"]
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == ["a.md", "author.md"]


def test_a_build_killed_while_replacing_files_is_not_taken_for_hand_edits(tmp_path: Path, monkeypatch):
    build(tmp_path, {"a.md": b"A", "b.md": b"B"})
    real = output.write_atomic
    calls = []

    def dies_on_second_file(path: Path, data: bytes) -> None:
        calls.append(path.name)
        if path.name == "b.md":
            raise KeyboardInterrupt  # the process stops half-way
        real(path, data)

    monkeypatch.setattr(output, "write_atomic", dies_on_second_file)
    with pytest.raises(KeyboardInterrupt):
        build(tmp_path, {"a.md": b"A2", "b.md": b"B2"})
    monkeypatch.setattr(output, "write_atomic", real)
    assert (tmp_path / "a.md").read_bytes() == b"A2" and (tmp_path / "b.md").read_bytes() == b"B"
    result = build(tmp_path, {"a.md": b"A3", "b.md": b"B3"})  # no conflict: both contents are known
    assert sorted(result.write) == ["a.md", "b.md"]


def test_write_atomic_leaves_no_temporary_file_and_write_if_missing_never_overwrites(tmp_path: Path):
    target = tmp_path / "deep" / "file.txt"
    output.write_atomic(target, b"one")
    assert [p.name for p in target.parent.iterdir()] == ["file.txt"]
    assert output.write_if_missing(target, b"two") is False and target.read_bytes() == b"one"
    assert output.write_if_missing(tmp_path / "new.txt", b"x") is True


def test_disk_cache_keeps_only_what_the_last_build_used_and_refuses_odd_keys(tmp_path: Path):
    cache = output.DiskCache(tmp_path / "cache")
    cache["a" * 16] = b"one"
    cache["b" * 16] = b"two"
    second = output.DiskCache(tmp_path / "cache")
    assert second["a" * 16] == b"one" and "b" * 16 in second
    second.prune()
    assert sorted(second) == ["a" * 16]
    with pytest.raises(KeyError):
        second["../escape"]
    assert "../escape" not in second


def test_a_plan_within_a_folder_leaves_the_rest_of_the_book_alone(tmp_path: Path):
    """``branchbook handouts`` remakes handouts/ alone: the pages a build wrote are neither deleted
    nor forgotten (a later build still knows them as generated), and handouts/ is planned as usual."""
    build(tmp_path, {"page.md": b"P", "handouts/a.pdf": b"A", "handouts/old.pdf": b"O"})
    (tmp_path / "page.md").write_bytes(b"edited by hand")  # outside the plan: not its business
    result = output.plan(tmp_path, {"handouts/a.pdf": b"A2"}, within="handouts/")
    output.apply(tmp_path, {"handouts/a.pdf": b"A2"}, result)
    assert list(result.write) == ["handouts/a.pdf"] and result.delete == ["handouts/old.pdf"]
    assert (tmp_path / "page.md").exists() and not (tmp_path / "handouts" / "old.pdf").exists()
    assert output.generated(tmp_path) == {"page.md", "handouts/a.pdf"}
    with pytest.raises(output.OutputConflict, match="edited by hand"):  # the next whole build still sees the edit
        output.plan(tmp_path, {"page.md": b"P2", "handouts/a.pdf": b"A2"})


def test_a_plan_within_a_folder_that_changes_nothing_rewrites_nothing(tmp_path: Path):
    build(tmp_path, {"page.md": b"P", "handouts/a.pdf": b"A"})
    manifest = (tmp_path / output.MANIFEST).stat()
    result = output.plan(tmp_path, {"handouts/a.pdf": b"A"}, within="handouts/")
    output.apply(tmp_path, {"handouts/a.pdf": b"A"}, result)
    assert result.write == {} and result.unchanged == ["handouts/a.pdf"] and result.delete == []
    assert (tmp_path / output.MANIFEST).stat().st_mtime_ns == manifest.st_mtime_ns
