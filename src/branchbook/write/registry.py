"""The writers of the book, in one order, run as one: ``build`` and ``handouts`` loop over them.

Each writer module has ``write(course, options) -> {path relative to book/: bytes}``. Two writers
writing the same path would make the result depend on their order, so :func:`run` refuses it.

The exports (``write/twee.py``, ``write/scorm/``) are not listed: they write outside ``book/`` and
take what only they need (which scenarios or modules, a SCORM edition, the built site), so their
commands call them directly.
"""

from __future__ import annotations

from types import ModuleType

from ..model import Course
from . import WriteOptions, book_pages, handouts, language_switch, notebooks, player_data

BOOK: tuple[ModuleType, ...] = (book_pages, player_data, notebooks, language_switch, handouts)
"""Every writer of the book, in the order they run."""


class PathClash(RuntimeError):
    """Two writers produce the same file (a bug in branchbook, not in the course)."""


def run(course: Course, options: WriteOptions, writers: tuple[ModuleType, ...] = BOOK) -> dict[str, bytes]:
    """What ``writers`` produce, merged, keyed by path relative to ``book/``, in writer order."""
    if options.language is not None and options.language != course.settings.language:
        settings = course.settings.model_copy(update={"language": options.language})
        course = course.model_copy(update={"settings": settings})
    files: dict[str, bytes] = {}
    made_by: dict[str, str] = {}
    for writer in writers:
        for path, data in writer.write(course, options).items():
            if path in made_by:
                raise PathClash(f"{path} is written by both {made_by[path]} and {writer.__name__}")
            made_by[path] = writer.__name__
            files[path] = data
    return files
