"""A source map that reads its file again only when something asks where a value was written.

A file whose check result came from the cache was not parsed in this run; course-wide rules
still need its marks, but only to locate a problem, which a clean course never has. So its map
parses the file on first use (and behaves as the eager map from then on).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..source_map import SourceMap


class LazySourceMap(SourceMap):
    """A :class:`SourceMap` filled by ``load()`` on first read; ``file`` is known without parsing."""

    def __init__(self, file: str, load: Callable[[], SourceMap]):
        dict.__init__(self)
        self.file = file
        self._load: Callable[[], SourceMap] | None = load

    def _fill(self) -> None:
        if self._load is not None:
            load, self._load = self._load, None
            marks = load()
            dict.update(self, marks)
            vars(self).update({k: v for k, v in vars(marks).items() if k != "file"})

    def __getattr__(self, name: str) -> Any:  # source, line_offset, refused…: only once filled
        if name.startswith("__") or "_load" not in vars(self) or self._load is None:
            raise AttributeError(name)
        self._fill()
        return getattr(self, name)

    def __getitem__(self, path):
        self._fill()
        return dict.__getitem__(self, path)

    def __contains__(self, path) -> bool:
        self._fill()
        return dict.__contains__(self, path)

    def __setitem__(self, path, mark) -> None:
        self._fill()
        dict.__setitem__(self, path, mark)

    def __iter__(self):
        self._fill()
        return dict.__iter__(self)

    def __len__(self) -> int:
        self._fill()
        return dict.__len__(self)

    def get(self, path, default=None):
        self._fill()
        return dict.get(self, path, default)

    def keys(self):
        self._fill()
        return dict.keys(self)

    def values(self):
        self._fill()
        return dict.values(self)

    def items(self):
        self._fill()
        return dict.items(self)
