"""``branchbook build``: load → check → model → writers → book sources → Sphinx → live site.

Nothing is written unless the course checks clean; generated sources are written only where
their content changed; the site is swapped in only when the whole build succeeded.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Callable

from . import layout, output, site
from .model import Course
from .write import WriteOptions, markdown, registry
from .write import handouts as handout_writer

Progress = Callable[[str, float], None]


@dataclass
class BuildResult:
    site: Path
    written: list[str]
    unchanged: int
    deleted: list[str]
    stale_handouts: bool = False


def handout_cache(book: Path) -> output.DiskCache:
    """The compiled PDFs kept between runs, shared by ``build`` and ``handouts``."""
    return output.DiskCache(book / "_build" / ".cache" / "handouts")


HANDOUT_LINK = re.compile(r"\b" + re.escape(layout.HANDOUTS_DIR) + r"/[^\s<>`]+\.pdf")


def _handout_links(page: bytes) -> set[str]:
    """The handouts a generated page links (``{download}`` targets under ``handouts/``)."""
    return set(HANDOUT_LINK.findall(page.decode("utf-8", "replace")))


def generated_files(course: Course, options: WriteOptions) -> dict[str, bytes]:
    """Everything the writers produce for the book, keyed by path relative to ``book/``.

    Without handouts, the PDFs of the last build that made them are kept (those the handouts
    writer would still make, as it wrote them), and every page whose PDFs are all there keeps
    linking them: switching ``--no-handouts`` on and off then rewrites nothing, and a scenario
    added meanwhile only has no links yet. (``stale_handouts`` says when PDFs were kept, for the
    build to tell.)"""
    book = course.root / layout.book_folder(book_language(course))
    own = translation_files(course) if course.translation is not None else {}
    last = {} if options.handouts else output.kept(book, layout.HANDOUTS_DIR + "/")
    kept = {job.path: last[job.path] for job in handout_writer.plan(course, options.paper) if job.path in last}
    if not kept:
        return {**registry.run(course, options), **own}
    others = tuple(writer for writer in registry.BOOK if writer is not handout_writer)
    linked = registry.run(course, replace(options, handouts=True), others)
    if any(_handout_links(data) - kept.keys() for data in linked.values()):  # some PDFs were never made
        unlinked = registry.run(course, replace(options, handouts=False), others)
        linked = {path: data if _handout_links(data) <= kept.keys() else unlinked[path]
                  for path, data in linked.items()}
    return {**linked, **kept, **own}


def write_handouts(course: Course, options: WriteOptions, *, force: bool = False,
                   out: Path | None = None) -> output.Plan:
    """``branchbook handouts``: the handouts writer alone, with the build's cache, into the build's
    folder (``book/handouts``, or a translation's ``book/_languages/LL/handouts``; the rest of the book is left
    as it is) or into ``out``. PDFs are written only where they changed, and a PDF edited by hand stops it, as
    in a build."""
    book = course.root / layout.book_folder(book_language(course))
    cache = handout_cache(book)
    files = registry.run(course, replace(options, handouts=True, cache=cache), (handout_writer,))
    cache.prune()
    root, within = book, layout.HANDOUTS_DIR + "/"
    if out is not None:
        root, within = out, ""
        files = {path.removeprefix(layout.HANDOUTS_DIR + "/"): data for path, data in files.items()}
    plan = output.plan(root, files, force=force, within=within)
    output.apply(root, files, plan)
    return plan


def author_files(course: Course) -> dict[str, bytes]:
    """Files the author owns, created from templates only when missing."""
    folder = resources.files("branchbook").joinpath("templates", "book")
    from .messages import message

    values = {"title": course.settings.title, "author": course.settings.author,
              "subtitle": course.settings.subtitle or "", "search": message("site.search", course.settings.language)}
    # Course text is data in both files: inside the YAML template's double quotes it is JSON-escaped
    # (a '"' or a line break cannot end the string), and in intro.md it is literal MyST (a '{{ … }}'
    # would otherwise be rendered by Jinja2 at build time). One pass, so no value is substituted twice.
    quote = {"_config.yml": lambda text: json.dumps(text, ensure_ascii=False)[1:-1], "intro.md": markdown.literal}
    return {name: re.sub(r"\{(title|author|subtitle|search)\}", lambda m: quote[name](values[m.group(1)]),
                         folder.joinpath(name).read_text(encoding="utf-8")).encode("utf-8")
            for name in ("_config.yml", "intro.md")}


def translation_files(course: Course) -> dict[str, bytes]:
    """What a translated book needs besides its pages: the original book's settings (the author's
    ``_config.yml``, its title and search box translated and Sphinx told the language), its bibliography and
    home page (the author's translation, ``book/intro.LL.md``, else the original's, whose page says so)."""
    import yaml

    from .messages import message

    language = course.settings.language
    book = course.root / layout.book_folder()
    own = author_files(course)
    config_file = book / "_config.yml"
    config = yaml.safe_load(config_file.read_text(encoding="utf-8") if config_file.is_file() else own["_config.yml"])
    config["title"] = course.settings.title
    sphinx = config.setdefault("sphinx", {}).setdefault("config", {})
    sphinx["language"] = language
    sphinx.setdefault("html_theme_options", {})["search_bar_text"] = message("site.search", language)
    bib = book / "references.bib"
    home = [path for path in (course.root / layout.home_page_overlay(language), course.root / layout.home_page())
            if path.is_file()]
    return {"_config.yml": ("# Generated by branchbook from book/_config.yml for this translation: edit that file.\n"
                            + yaml.safe_dump(config, allow_unicode=True, sort_keys=True)).encode("utf-8"),
            "intro.md": home[0].read_bytes() if home else own["intro.md"],
            "references.bib": bib.read_bytes() if bib.is_file() else b""}


def book_language(course: Course) -> str | None:
    """None for a course in its own language; the language of a translated course (its own book folder)."""
    return course.settings.language if course.translation is not None else None


def start_site_build(root: Path, *, warnings_as_errors: bool = True,
                     rebuild_all: bool = False) -> site.SphinxChild | None:
    """Start the Sphinx child for the next build of the course at ``root`` before its check runs, so
    that Sphinx's start-up overlaps the check and the generation. None when the book has not been
    built before (the sources it starts from do not exist yet). The caller passes it to
    :func:`build`, or cancels it."""
    book = root / "book"
    if not ((book / "_config.yml").is_file() and (book / "_toc.yml").is_file()):
        return None
    paths = site.SitePaths(book)
    fresh = rebuild_all or not paths.live.exists()
    return site.SphinxChild(book, site.stage(paths, fresh), rebuild_all=fresh,
                            warnings_as_errors=warnings_as_errors)


_TITLE = re.compile(rb"^# (.*)$", re.M)


def _title(page: bytes) -> bytes | None:
    found = _TITLE.search(page)
    return found.group(1) if found else None


def rebuild_every_page(book: Path, files: dict[str, bytes], plan: output.Plan) -> bool:
    """Whether applying ``plan`` changes what every page shows: the table of contents, a page
    removed, or the title of a page about to be rewritten. Every page's sidebar lists the pages by
    title, and Sphinx rewrites only the pages whose sources changed, so the others would keep the
    old contents. Call it before the plan is applied (it reads the pages being replaced)."""
    if "_toc.yml" in plan.write or plan.delete:
        return True
    return any(name.endswith(".md") and (book / name).is_file() and _title((book / name).read_bytes()) != _title(files[name])
               for name in plan.write)


def build(course: Course, *, handouts: bool = True, paper: str = "a4", force: bool = False,
          warnings_as_errors: bool = True,
          rebuild_all: bool = False, on_progress: Progress | None = None,
          started: site.SphinxChild | None = None) -> BuildResult:
    """Generate the book sources and build the site. ``started`` is a child from
    :func:`start_site_build` (used when it fits this build, cancelled otherwise)."""
    language = book_language(course)
    book = course.root / layout.book_folder(language)
    say = on_progress or (lambda stage, amount: None)
    say("generating", 0)
    try:
        cache = handout_cache(book)
        done = [0]

        def made(path: str) -> None:
            done[0] += 1
            say(f"handouts: {path}", done[0])

        files = generated_files(course, WriteOptions(paper=paper, handouts=handouts, cache=cache, on_progress=made))
        if handouts:
            cache.prune()
        plan = output.plan(book, files, force=force)
        every_page = rebuild_every_page(book, files, plan)
        if language is None:
            for name, data in author_files(course).items():
                output.write_if_missing(book / name, data)
        output.apply(book, files, plan)
    except BaseException:
        if started:
            started.cancel()
        raise
    say("generated", 100)
    paths = site.SitePaths(book, language)
    fresh = rebuild_all or every_page
    child = started
    if child is not None and fresh and not child.rebuild_all:  # it read the old table of contents
        child.cancel()
        child = None
    if child is None:
        child = site.SphinxChild(book, site.stage(paths, fresh), rebuild_all=fresh,
                                 warnings_as_errors=warnings_as_errors)
    child.on_progress = lambda stage, pct: say(stage, pct)
    try:
        child.go()
        child.wait()
        live = site.publish(paths, child.staging)
    except BaseException:
        child.cancel()
        raise
    stale = not handouts and any(name.startswith(layout.HANDOUTS_DIR + "/") for name in files)
    return BuildResult(live, sorted(plan.write), len(plan.unchanged), plan.delete, stale)
