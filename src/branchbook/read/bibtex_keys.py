"""The citation keys a BibTeX file defines: enough to check references without a BibTeX parser."""

from __future__ import annotations

import re
from pathlib import Path

_ENTRY = re.compile(r"^\s*@(?!comment|string|preamble)\w+\s*\{\s*([^,\s]+)\s*,", re.I | re.M)


def keys(path: Path) -> tuple[str, ...]:
    if not path.is_file():
        return ()
    return tuple(_ENTRY.findall(path.read_text(encoding="utf-8", errors="replace")))
