"""De-identification: real names (by hashed denylist) and contact details must not reach the course.

The denylist holds SHA-256 digests of normalised phrases, so a project can check for real names
without ever storing them. A hit reports the text at its position, never the listed phrase.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path
from typing import Iterable, Iterator

from ..model.course import Allowance
from ..read.yaml_source import SourceMap
from .problems import Problem

MAX_WINDOW = 4
_WORD = re.compile(r"[^\W_]+")

DETECTORS = {
    "an e-mail address": re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    "a URL": re.compile(r"(?:https?://|www\.)[^\s)>\]]+", re.I),
    "a phone number": re.compile(r"(?<![\w-])\+?\(?\d[\d ().-]{5,}\d(?![\w-])"),
    "a street address": re.compile(
        r"\b\d{1,5}\s+(?:[A-Z][\w'-]*\s+){1,3}(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Boulevard|Blvd|"
        r"Way|Court|Ct|Place|Pl|Terrace|Crescent|Close|Square)\b\.?"),
}


def normalise(text: str) -> str:
    """NFKC, casefold, every run of non-alphanumerics (and ``_``) → one space, stripped."""
    return re.sub(r"[\W_]+", " ", unicodedata.normalize("NFKC", text).casefold()).strip()


def digest(phrase: str) -> str:
    return hashlib.sha256(normalise(phrase).encode("utf-8")).hexdigest()


def load_denylist(path: Path) -> frozenset[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if re.fullmatch(r"\s*[0-9a-fA-F]{64}\s*", line))


def denylisted_spans(text: str, denylist: frozenset[str]) -> Iterator[tuple[int, int]]:
    """(start, end) offsets in ``text`` of every 1–4-word window whose normalised hash is listed."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(folded)]
    same_length = len(folded) == len(text)
    for i in range(len(words)):
        for k in range(1, MAX_WINDOW + 1):
            if i + k > len(words):
                break
            phrase = " ".join(w for _, _, w in words[i:i + k])
            if hashlib.sha256(phrase.encode("utf-8")).hexdigest() in denylist:
                start, end = (words[i][0], words[i + k - 1][1]) if same_length else (0, len(text))
                yield start, end


def check_fields(fields: Iterable[tuple[tuple, str]], marks: SourceMap, denylist: frozenset[str],
                 allow: Iterable[Allowance]) -> Iterator[Problem]:
    allowed = {(a.text.casefold(), a.file) for a in allow}
    for path, text in fields:
        hits = [("a name on the de-identification denylist", s, e) for s, e in denylisted_spans(text, denylist)]
        hits += [(what, m.start(), m.end()) for what, rx in DETECTORS.items() for m in rx.finditer(text)]
        for what, start, end in hits:
            found = text[start:end]
            if (found.casefold(), None) in allowed or (found.casefold(), marks.file) in allowed:
                continue
            mark = marks.find(path)
            line = mark.line_of(text, start) if path in marks else mark.line
            yield Problem(marks.file, line, mark.col if line == mark.line else 1,
                          f"'{found}' looks like {what}",
                          "fiction only: replace it with an invented one, or accept this occurrence under "
                          "deidentification.allow in course.yml with a reason")
