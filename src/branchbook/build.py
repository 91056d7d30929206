"""``branchbook build``: load → check → model → writers → book sources → Sphinx → live site.

Nothing is written unless the course checks clean; generated sources are written only where
their content changed; the site is swapped in only when the whole build succeeded.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Callable

from . import output, site
from .model import Course
from .write import book_pages, markdown, notebooks, player_data

Progress = Callable[[str, float], None]


@dataclass
class BuildResult:
    site: Path
    written: list[str]
    unchanged: int
    deleted: list[str]


def generated_files(course: Course, handouts: bool, paper: str = "a4",
                    on_progress: Progress | None = None, cache: output.DiskCache | None = None) -> dict[str, bytes]:
    """Everything the writers produce for the book, keyed by path relative to ``book/``."""
    files = book_pages.write(course, handouts=handouts)
    files.update(player_data.write(course))
    files.update(notebooks.write(course))
    if handouts:
        from .write import handouts as handout_writer

        done = [0]

        def tick(name: str) -> None:
            done[0] += 1
            if on_progress:
                on_progress(f"handouts: {name}", done[0])

        files.update(handout_writer.write(course, paper=paper, on_progress=tick, cache=cache))
    return files


def author_files(course: Course) -> dict[str, bytes]:
    """Files the author owns, created from templates only when missing."""
    folder = resources.files("branchbook").joinpath("templates", "book")
    values = {"title": course.settings.title, "author": course.settings.author,
              "subtitle": course.settings.subtitle or ""}
    # Course text is data in both files: inside the YAML template's double quotes it is JSON-escaped
    # (a '"' or a line break cannot end the string), and in intro.md it is literal MyST (a '{{ … }}'
    # would otherwise be rendered by Jinja2 at build time). One pass, so no value is substituted twice.
    quote = {"_config.yml": lambda text: json.dumps(text, ensure_ascii=False)[1:-1], "intro.md": markdown.literal}
    return {name: re.sub(r"\{(title|author|subtitle)\}", lambda m: quote[name](values[m.group(1)]),
                         folder.joinpath(name).read_text(encoding="utf-8")).encode("utf-8")
            for name in ("_config.yml", "intro.md")}


def build(course: Course, *, handouts: bool = True, paper: str = "a4", force: bool = False, strict: bool = True,
          rebuild_all: bool = False, on_progress: Progress | None = None) -> BuildResult:
    book = course.root / "book"
    say = on_progress or (lambda stage, amount: None)
    say("generating", 0)
    cache = output.DiskCache(book / "_build" / ".cache" / "handouts")
    files = generated_files(course, handouts, paper, on_progress, cache)
    if handouts:
        cache.prune()
    plan = output.plan(book, files, force=force)
    for name, data in author_files(course).items():
        output.write_if_missing(book / name, data)
    output.apply(book, files, plan)
    say("generated", 100)
    paths = site.SitePaths(book)
    fresh = rebuild_all or "_toc.yml" in plan.write or bool(plan.delete)
    staging = site.stage(paths, fresh)
    try:
        site.run_sphinx(book, staging, rebuild_all=fresh, strict=strict,
                        on_progress=lambda stage, pct: say(stage, pct))
        live = site.publish(paths, staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return BuildResult(live, sorted(plan.write), len(plan.unchanged), plan.delete)
