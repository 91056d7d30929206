"""Writers: each turns the course model into one kind of output and knows no other writer.

Every writer of the book has one shape, ``write(course, options) -> {path relative to book/: bytes}``,
with one :class:`WriteOptions`; :mod:`.registry` lists them in order and merges what they write.
:mod:`branchbook.build` decides where and how the files are written (only when changed, atomically).
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from dataclasses import dataclass


@dataclass(frozen=True)
class WriteOptions:
    """What a build asks of the writers; each reads the fields that concern it and ignores the rest."""

    language: str | None = None
    """The language of every string the outputs show; None: the course's own (``language:`` in
    course.yml). :func:`.registry.run` hands the writers the course in this language."""
    paper: str = "a4"
    """Paper size of the printable handouts (``a4`` or ``us-letter``)."""
    handouts: bool = True
    """Make the printable PDFs, and link them from the pages."""
    cache: MutableMapping[str, bytes] | None = None
    """Where slow, exact outputs (compiled PDFs) are kept between builds; the build passes an
    :class:`~branchbook.output.DiskCache`."""
    on_progress: Callable[[str], None] | None = None
    """Called with the path of each file a slow writer (the handouts) has just made."""
