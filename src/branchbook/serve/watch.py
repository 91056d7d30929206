"""Which saves ``serve`` reacts to: the author's files only, never what a build writes."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable

import watchfiles

from .. import layout, output

SOURCE_DIRS = ("modules", "scenarios")
STEP_MS = 30  # a save is reported once the files have been quiet this long


def authored(root: Path, path: Path) -> bool:
    """True for a file the author edits: course.yml and files beside it (the denylist), modules/,
    scenarios/, and book/ except its build folder and the pages branchbook generates there."""
    try:
        rel = path.relative_to(root)
    except ValueError:
        return False
    if rel.name.startswith(".") or rel.name.endswith(("~", ".swp", ".tmp")) or path.is_dir():
        return False
    if len(rel.parts) == 1:
        return rel.suffix in (".yml", ".yaml", ".sha256")
    top, inner = rel.parts[0], Path(*rel.parts[1:])
    if top in SOURCE_DIRS:
        return rel.suffix in (".md", ".yml", ".yaml")
    if top == "book":
        return inner.parts[0] not in ("_build", layout.LANGUAGES_DIR) and inner.as_posix() not in output.generated(root / "book") \
            and inner.name != output.MANIFEST
    return False


def watch_course(root: Path, report: Callable[[set[Path]], None], stop: threading.Event) -> None:
    """Call ``report`` with each batch of saved author files until ``stop`` is set. The course
    folder itself is watched without its subfolders (it may hold anything, e.g. a repository)."""
    def watch(paths: list[Path], recursive: bool) -> None:
        for changes in watchfiles.watch(*paths, watch_filter=lambda _, p: authored(root, Path(p)),
                                        recursive=recursive, step=STEP_MS, stop_event=stop,
                                        raise_interrupt=False, rust_timeout=500):
            report({Path(p) for _, p in changes})

    (root / "book").mkdir(exist_ok=True)
    folders = [root / d for d in (*SOURCE_DIRS, "book") if (root / d).is_dir()]
    inner = threading.Thread(target=watch, args=(folders, True), name="branchbook-watch-folders", daemon=True)
    inner.start()
    watch([root], False)
    inner.join()
