"""Build the HTML site with Sphinx (Jupyter Book 1) and swap it in atomically.

The live site is ``book/_build/html``, a symbolic link to a complete site folder. A build works
on a copy (so Sphinx stays incremental), and only when everything succeeded is the link
replaced in one ``rename``. A build that fails, or is killed at any moment, leaves the previous
site exactly as it was; its leftovers are cleared by the next build.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import layout
from .sphinx_run import READY

PROGRESS = re.compile(r"^(reading sources|writing output)\.\.\. \[\s*(\d+)%\]")


class SiteBuildFailed(Exception):
    def __init__(self, log: str):
        super().__init__("Sphinx build failed")
        self.log = log


@dataclass
class SitePaths:
    book: Path
    language: str | None = None  # a translation: its sources are in a folder of the book, its site beside the original's

    @property
    def build(self) -> Path:
        return (self.book if self.language is None else self.book.parents[1]) / "_build"

    @property
    def live(self) -> Path:
        return self.build / layout.site_folder(self.language)

    @property
    def doctrees(self) -> Path:
        return self.build / (".doctrees" + self._suffix)

    @property
    def sites(self) -> Path:
        return self.build / (".sites" + self._suffix)

    @property
    def _suffix(self) -> str:
        return "" if self.language is None else f"-{self.language}"


def clean_leftovers(paths: SitePaths) -> None:
    """Remove the staging folders of killed builds and the site folders nothing links to, except
    the newest (the previous live site: the next build's staging copy starts from it)."""
    if not paths.build.is_dir():
        return
    for stale in paths.build.glob(".next-*"):
        shutil.rmtree(stale, ignore_errors=True)
    for site in _unlinked_sites(paths)[:-1]:
        shutil.rmtree(site, ignore_errors=True)


def _unlinked_sites(paths: SitePaths) -> list[Path]:
    """Site folders the live link does not point to, oldest first (their names end in the time they were published)."""
    if not paths.sites.is_dir():
        return []
    live = paths.live.resolve() if paths.live.is_symlink() else None
    found = [site for site in paths.sites.iterdir() if site.resolve() != live]
    return sorted(found, key=lambda site: int(site.name.rpartition("-")[2]) if site.name[-1:].isdigit() else 0)


def _mirror(source: Path, target: Path) -> None:
    """Make the folder ``target`` a copy of ``source``, copying only the files whose size or modification
    time differ (as rsync does: copies keep the time), each by a rename, and removing what ``source`` lacks."""
    for folder, dirs, files in os.walk(source):
        there = target / Path(folder).relative_to(source)
        kinds = {name: "dir" for name in dirs if not os.path.islink(os.path.join(folder, name))}
        kinds.update({name: "link" for name in [*dirs, *files] if os.path.islink(os.path.join(folder, name))})
        kinds.update({name: "file" for name in files if name not in kinds})
        for entry in os.scandir(there):
            kind = "link" if entry.is_symlink() else "dir" if entry.is_dir() else "file"
            if kinds.get(entry.name) != kind:
                shutil.rmtree(entry.path) if kind == "dir" else os.unlink(entry.path)
        for name, kind in kinds.items():
            mine, theirs = os.path.join(folder, name), there / name
            if kind == "dir":
                theirs.mkdir(exist_ok=True)
            elif kind == "link":
                if not theirs.is_symlink() or os.readlink(theirs) != os.readlink(mine):
                    theirs.unlink(missing_ok=True)
                    os.symlink(os.readlink(mine), theirs)
            else:
                want, have = os.stat(mine), theirs.stat() if theirs.exists() else None
                if have is None or (want.st_size, want.st_mtime_ns) != (have.st_size, have.st_mtime_ns):
                    copy = there / f".{name}.copy"
                    shutil.copy2(mine, copy)
                    os.replace(copy, theirs)
        dirs[:] = [name for name in dirs if kinds[name] == "dir"]


def stage(paths: SitePaths, fresh: bool) -> Path:
    """A staging folder; unless ``fresh``, with copies of the live site and doctrees so that Sphinx
    rebuilds only what changed. Fresh when pages were removed or the table of contents changed:
    a copy would keep removed pages and stale sidebars.

    The copy is made from the previous live site, kept for this: bringing it level with the live one
    copies the few pages the last build wrote, where a whole copy (and deleting the old site after
    publishing) cost 0.2-1 s on the shipped course."""
    clean_leftovers(paths)
    staging = paths.build / f".next-{os.getpid()}-{time.time_ns()}"
    staging.mkdir(parents=True)
    spare = _unlinked_sites(paths)
    if paths.live.exists() and not fresh and spare:
        os.replace(spare[-1], staging / "html")
        _mirror(paths.live.resolve(), staging / "html")
    elif paths.live.exists() and not fresh:
        shutil.copytree(paths.live.resolve(), staging / "html", symlinks=True)
    if paths.doctrees.is_dir() and not fresh:
        shutil.copytree(paths.doctrees, staging / "doctrees")
    return staging


def jobs(rebuild_all: bool) -> int:
    """Sphinx worker processes. Every extension the book loads declares itself parallel-safe
    (branchbook's own, the theme's, MyST-NB, bibtex, design, external-toc; see sphinx_run for
    multitoc-numbering), so a full build uses two cores when there are two. An incremental build
    stays serial: Sphinx forks its write workers even for three pages, and that cost more than it
    saved (one-scenario edit of the shipped course, 2 cores: 6.0 s serial, 7.1 s with two)."""
    return min(2, os.cpu_count() or 1) if rebuild_all else 1


class SphinxChild:
    """One Sphinx build in a child process, started ahead of need.

    ``start`` launches it: it imports Sphinx and the extensions and loads the saved environment,
    then waits. ``go`` lets it build (it decides which pages are outdated only then); ``wait``
    returns when it is done and raises :class:`SiteBuildFailed` with the log if it failed.
    ``cancel`` ends it without building. A parent can thus check and generate while the child
    starts up, instead of one after the other."""

    def __init__(self, book: Path, staging: Path, *, rebuild_all: bool, warnings_as_errors: bool,
                 on_progress: Callable[[str, int], None] | None = None, warm: bool = False):
        command = [sys.executable, "-m", "branchbook.sphinx_run", str(book), str(staging / "html"),
                   str(staging / "doctrees"), "--wait", "--jobs", str(jobs(rebuild_all))]
        command += ["--all"] if rebuild_all else []
        command += ["--warnings-as-errors"] if warnings_as_errors else []
        command += ["--warm"] if warm else []  # see sphinx_run: for a child that waits long anyway
        self.staging, self.rebuild_all, self.on_progress, self.log = staging, rebuild_all, on_progress, []
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True, env=env, cwd=book)

    def go(self) -> None:
        try:
            self.process.stdin.write("go\n")  # type: ignore[union-attr]
            self.process.stdin.close()  # type: ignore[union-attr]
        except BrokenPipeError:  # it failed while starting: wait() reports its log
            pass

    def wait(self) -> None:
        for line in self.process.stdout:  # type: ignore[union-attr]
            self.log.append(line)
            match = PROGRESS.match(line)
            if match and self.on_progress:
                self.on_progress(match.group(1), int(match.group(2)))
        if self.process.wait() != 0:
            raise SiteBuildFailed("".join(line for line in self.log if not line.startswith(READY)))

    def cancel(self) -> None:
        """End it (if it still runs) and remove its staging folder, unless that was published."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()  # type: ignore[union-attr]
            except (OSError, ValueError):
                pass
        shutil.rmtree(self.staging, ignore_errors=True)


def publish(paths: SitePaths, staging: Path) -> Path:
    """Make the staged site live with one atomic rename of the link; keep its doctrees for next time."""
    paths.sites.mkdir(parents=True, exist_ok=True)
    site = paths.sites / f"site-{time.time_ns()}"
    os.replace(staging / "html", site)
    if paths.live.exists() and not paths.live.is_symlink():
        os.replace(paths.live, paths.sites / f"site-legacy-{time.time_ns()}")
    link = paths.build / f".link-{os.getpid()}"
    link.unlink(missing_ok=True)
    link.symlink_to(site.relative_to(paths.build), target_is_directory=True)
    os.replace(link, paths.live)
    if (staging / "doctrees").is_dir():
        old = paths.build / f".next-old-doctrees-{time.time_ns()}"
        if paths.doctrees.exists():
            os.replace(paths.doctrees, old)
        os.replace(staging / "doctrees", paths.doctrees)
    shutil.rmtree(staging, ignore_errors=True)
    clean_leftovers(paths)
    return paths.live
