"""``branchbook init``: a new course folder that checks and builds with no edit.

A new course starts from the packaged templates (the principles vocabulary, one example module
and scenario, a README, a publishing workflow). ``--from-shipped`` starts instead from the
course this copy of branchbook ships, for an organisation adapting it to its own contacts and
policy; ``localise_warnings`` in its ``course.yml`` makes ``check`` list every item still marked
``localise: true`` until it is replaced.
"""

from __future__ import annotations

import json
import re
import shutil
from importlib import resources
from pathlib import Path

from . import __version__

TEMPLATES = ("templates", "init")
SHIPPED_FILES = ("course.yml", "denylist.sha256", "book/references.bib", "book/_config.yml", "book/intro.md")
SHIPPED_FOLDERS = ("modules", "scenarios")


class InitError(Exception):
    """The target cannot take a new course (a usage error)."""


def shipped_course() -> Path:
    """The course beside this package's source tree (present when branchbook runs from its repository)."""
    for folder in Path(__file__).resolve().parents:
        if (folder / "course.yml").is_file() and (folder / "scenarios").is_dir() and (folder / "src").is_dir():
            return folder
    raise InitError("the shipped course is not installed with this copy of branchbook: it lives in branchbook's "
                    "source repository; install from a clone (`pip install -e .`) to use --from-shipped")


def _template(*parts: str, folder: tuple[str, ...] = TEMPLATES) -> str:
    return resources.files("branchbook").joinpath(*folder, *parts).read_text(encoding="utf-8")


def _yaml_text(value: str) -> str:
    """A YAML double-quoted scalar (JSON is valid YAML), so any title is data, never markup."""
    return json.dumps(value, ensure_ascii=False)


def _check_target(target: Path) -> None:
    if target.exists() and not target.is_dir():
        raise InitError(f"{target} is a file; give a new or empty folder")
    if (target / "course.yml").exists():
        raise InitError(f"{target} already holds a course (course.yml); give a new or empty folder")
    clutter = [p.name for p in target.iterdir() if p.name != ".git"] if target.is_dir() else []
    if clutter:
        raise InitError(f"{target} is not empty ({', '.join(sorted(clutter)[:5])}…); give a new or empty folder")


def new_course_files(course_id: str, title: str, author: str) -> dict[str, str]:
    """Every file of a new course, by path relative to its folder."""
    from .model import json_schema

    fill = lambda text: re.sub(r"\{(id|title|author|version)\}", lambda m: {  # noqa: E731
        "id": course_id, "title": _yaml_text(title), "author": _yaml_text(author), "version": __version__}[m.group(1)],
        text)
    scenario = _template("scenario.yml", folder=("templates", "new")).replace("{id}", "first-scenario") \
        .replace("{module}", "first-module")
    return {
        "course.yml": fill(_template("course.yml")),
        "modules/first-module.md": _template("modules", "first-module.md"),
        "scenarios/first-scenario.yml": scenario,
        # the file the first line of every new scenario points editors to ($schema=../scenario.schema.json)
        "scenario.schema.json": json_schema.text("scenario"),
        "book/references.bib": _template("book", "references.bib"),
        "denylist.sha256": _template("denylist.sha256"),
        **_project_files(title),
    }


def _project_files(title: str) -> dict[str, str]:
    """What every course folder gets around the course itself: .gitignore, README, publishing workflow."""
    return {
        ".gitignore": _template("gitignore.txt"),
        "README.md": _template("README.md").replace("{title}", title).replace("{version}", __version__),
        ".github/workflows/pages.yml": _template("github-pages.yml").replace("{version}", __version__),
    }


def shipped_files(source: Path) -> dict[str, str]:
    """The shipped course's files, with ``localise_warnings`` switched on in its settings."""
    files = {name: (source / name).read_text(encoding="utf-8") for name in SHIPPED_FILES if (source / name).is_file()}
    for folder in SHIPPED_FOLDERS:
        for path in sorted((source / folder).iterdir()):
            if path.is_file():
                files[f"{folder}/{path.name}"] = path.read_text(encoding="utf-8")
    settings = files["course.yml"]
    files["course.yml"] = re.sub(r"(?m)^(language:.*)$", lambda m: m.group(1) + (
        "\n# Adapted from the shipped course: `check` warns about every entry marked `localise: true`\n"
        "# until you replace it with your organisation's own (then set `localise: false`).\n"
        "localise_warnings: true"), settings, count=1)
    return {**files, **_project_files(_first_title(settings))}


def _book_settings(folder: Path) -> dict[str, str]:
    """Write the book's own settings (``_config.yml`` with the privacy settings, ``intro.md``) as the
    first build would, from the new course's checked settings; return the names written."""
    from .build import author_files
    from .load import load_course

    loaded = load_course(folder)
    if loaded.course is None:  # the templates themselves are broken: a bug, not a user error
        raise InitError("the new course does not check clean:\n" + "\n".join(p.format() for p in loaded.report.errors))
    written = {}
    for name, data in author_files(loaded.course).items():
        path = folder / "book" / name
        if not path.exists():
            path.write_bytes(data)
            written[f"book/{name}"] = data.decode("utf-8")
    return written


def _first_title(settings: str) -> str:
    found = re.search(r"(?m)^title:\s*(.+)$", settings)
    return found.group(1).strip().strip("'\"") if found else "A branchbook course"


def create(target: Path, *, from_shipped: bool = False, title: str | None = None,
           author: str = "The course authors") -> list[str]:
    """Write a new course into ``target``; return the files written. Nothing is left half-made:
    the files go to a sibling folder first, which is renamed into place (or merged into an empty one)."""
    _check_target(target)
    if from_shipped:
        files = shipped_files(shipped_course())
    else:
        slug = re.sub(r"[^a-z0-9]+", "-", target.resolve().name.lower()).strip("-")[:64] or "my-course"
        files = new_course_files(slug, title or target.resolve().name.replace("-", " ").capitalize(), author)
    staging = target.resolve().parent / f".{target.resolve().name}.branchbook-init"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        for name, text in sorted(files.items()):
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        files.update(_book_settings(staging))
        if target.exists():
            for item in staging.iterdir():
                item.rename(target / item.name)
            staging.rmdir()
        else:
            staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return sorted(files)
