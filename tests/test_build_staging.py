"""The staging copy a build starts from: made from the previous live site, brought level with the
live one; the result must be exactly the live site (never a file of the older one left over)."""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import pytest

from branchbook import site
from branchbook.build import build
from branchbook.load import load_course


def tree(root: Path) -> dict[str, object]:
    """Every entry under ``root``: a file's bytes and modification time, a link's target, a folder."""
    found: dict[str, object] = {}
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            path = Path(folder, name)
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                found[rel] = ("link", os.readlink(path))
            elif path.is_dir():
                found[rel] = "dir"
            else:
                found[rel] = (path.read_bytes(), path.stat().st_mtime_ns)
    return found


def random_tree(root: Path, rng: random.Random, names: list[str]) -> None:
    for _ in range(rng.randint(5, 25)):
        rel = Path(*rng.choices(names, k=rng.randint(1, 3)))
        path = root / rel
        if any(parent.is_symlink() or parent.exists() and not parent.is_dir() for parent in [root / p for p in rel.parents]):
            continue
        if path.exists() or path.is_symlink():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        kind = rng.choice(["file", "file", "file", "link", "dir"])
        if kind == "dir":
            path.mkdir()
        elif kind == "link":
            path.symlink_to(rng.choice(names))
        else:
            path.write_bytes(rng.choice([b"", b"same", b"other", b"longer text"]))
            stamp = rng.choice([1_000_000_000_000_000_000, 1_000_000_000_000_000_001])
            os.utime(path, ns=(stamp, stamp))


@pytest.mark.parametrize("seed", range(40))
def test_mirror_makes_any_older_tree_the_same_as_the_live_one(tmp_path: Path, seed: int):
    rng = random.Random(seed)
    names = ["a", "b", "c.html", "d"]
    live, spare = tmp_path / "live", tmp_path / "spare"
    live.mkdir()
    spare.mkdir()
    random_tree(live, rng, names)
    random_tree(spare, rng, names)

    site._mirror(live, spare)

    assert tree(spare) == tree(live)


def test_a_file_changed_in_place_with_the_same_size_and_time_is_the_one_blind_spot(tmp_path: Path):
    # documents the rule (as rsync's): a file of the same size and modification time is taken as the same
    live, spare = tmp_path / "live", tmp_path / "spare"
    for root, text in ((live, b"new"), (spare, b"old")):
        root.mkdir()
        (root / "page.html").write_bytes(text)
        os.utime(root / "page.html", ns=(10**18, 10**18))
    site._mirror(live, spare)
    assert (spare / "page.html").read_bytes() == b"old"
    os.utime(live / "page.html", ns=(10**18 + 1, 10**18 + 1))
    site._mirror(live, spare)
    assert (spare / "page.html").read_bytes() == b"new"


@pytest.mark.slow
def test_rebuilds_reuse_the_previous_site_and_publish_the_same_site_as_a_whole_copy(mini_course: Path):
    build(load_course(mini_course).course, handouts=False)
    scenario = mini_course / "scenarios" / "noticeboard.yml"
    paths = site.SitePaths(mini_course / "book")
    for i in range(2):
        scenario.write_text(scenario.read_text().replace("Jo goes quiet", f"Jo goes quiet ({i})", 1))
        result = build(load_course(mini_course).course, handouts=False)
        assert f"({i})" in (result.site / "scenarios" / "noticeboard.html").read_text(encoding="utf-8")
        # the live site and one spare (the previous live site) are kept, nothing else
        assert len(list(paths.sites.iterdir())) == 2
        assert not list(paths.build.glob(".next-*"))

    live = tree(paths.live.resolve())
    staging = site.stage(paths, fresh=False)  # what the next build would start from
    try:
        assert tree(staging / "html") == live
        assert len(list(paths.sites.iterdir())) == 1  # the spare became the staging copy
    finally:
        shutil.rmtree(staging)
    staging = site.stage(paths, fresh=False)  # no spare left: a whole copy, the same tree
    try:
        assert tree(staging / "html") == live
    finally:
        shutil.rmtree(staging)
