"""De-identification: real names (by hashed denylist) and contact details must not reach the course.

The denylist holds SHA-256 digests of normalised phrases, so a project can check for real names
without ever storing them. A hit reports the text at its position, never the listed phrase.
"""

from __future__ import annotations

import hashlib
import itertools
import operator
import re
import unicodedata
from pathlib import Path
from typing import Iterable, Iterator

from ..messages import message
from ..model.course import Allowance
from ..problems import Problem
from ..source_map import SourceMap

MAX_WINDOW = 4
_WORD = re.compile(r"[^\W_]+")

DETECTORS = {
    # Each starts only where a run of its characters starts, so that no text makes it backtrack for long.
    "an e-mail address": re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+"),
    "a URL": re.compile(r"(?<![\w/.])(?:https?://|www\.)[^\s<>()\[\]\"'`]+(?<![.,;:!?])", re.I),
    "a phone number": re.compile(r"(?<![\w+-])\+?\(?\d[\d ().-]{5,18}\d(?![\w-])"),
    "a street address": re.compile(  # English ('42 Acacia Avenue'), then French ('14 bis, rue des Lilas')
        r"\b\d{1,5}\s+(?:[A-Z][\w'-]*\s+){1,3}(?:(?:Street|Road|Avenue|Lane|Drive|Boulevard|Way|Court|Place|Terrace|"
        r"Crescent|Close|Square)\b|(?:St|Rd|Ave|Ln|Dr|Blvd|Ct|Pl)\b\.?)"
        r"|\b\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?:rue|avenue|av\.|boulevard|bd|place|allée|chemin|impasse|quai|route|cours)"
        r"\s+(?:(?:de\s+la|de\s+l['’]|du|des|de|d['’]|la|le|les|l['’])\s*)?"
        r"[A-ZÉÈÊÀÂÎÔÛÇ][\w'’-]*(?:\s[A-ZÉÈÊÀÂÎÔÛÇ][\w'’-]*){0,3}"),
}
# What each detector's match starts with or holds (an '@', a digit, a web address's start), sought once: most
# texts have none, and then the four detectors need not scan them.
_ANY_DETAIL = re.compile(r"[@\d]|https?://|www\.", re.I)
_NOT_PHONES = re.compile(r"(?:1[89]|20)\d\d\W+(?:1[89]|20)\d\d"  # a range of years
                         r"|\d{4}-\d\d-\d\d|\d\d?[./-]\d\d?[./-]\d\d(?:\d\d)?"  # a date
                         r"|\d+\.\d+")  # a decimal number


def normalise(text: str) -> str:
    """NFKC, casefold, every run of non-alphanumerics (and ``_``) → one space, stripped."""
    return re.sub(r"[\W_]+", " ", unicodedata.normalize("NFKC", text).casefold()).strip()


def digest(phrase: str) -> str:
    return hashlib.sha256(normalise(phrase).encode("utf-8")).hexdigest()


def load_denylist(path: Path) -> frozenset[str]:
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return frozenset(line.strip().lower() for line in lines if re.fullmatch(r"\s*[0-9a-fA-F]{64}\s*", line))


# Characters none of which composes with a neighbour under NFKC (no combining mark, no Hangul jamo, no other
# script's vowel sign): Latin letters and symbols up to U+02FF and general punctuation (curly quotes, dashes).
# A text made only of them folds the same as a whole as mark by mark, so it needs no walk character by character.
_STANDALONE = re.compile(r"[\x00-\u02ff\u2000-\u206f]*")


def _fold(text: str) -> str:
    """``text`` NFKC-normalised and casefolded (as :func:`_folded`, without the offsets)."""
    if text.isascii():
        return text.lower()
    if _STANDALONE.fullmatch(text):
        return unicodedata.normalize("NFKC", text).casefold()
    return _folded(text)[0]


def _folded(text: str) -> tuple[str, list[int]]:
    """``text`` NFKC-normalised and casefolded, with the offset in ``text`` of each folded character.

    Each base character is folded together with the combining marks after it, so composed and
    decomposed accents fold alike and every folded character maps back to where it was written.
    """
    if text.isascii():
        return text.lower(), list(range(len(text) + 1))
    out: list[str] = []
    origin: list[int] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or not unicodedata.combining(text[i]):
            piece = unicodedata.normalize("NFKC", text[start:i]).casefold()
            out.append(piece)
            origin.extend([start] * len(piece))
            start = i
    origin.append(len(text))
    return "".join(out), origin


_DIGEST = operator.methodcaller("digest")
_ASCII_WORD = re.compile(rb"[A-Za-z0-9]+")  # _WORD in ASCII text
_SHA256 = hashlib.sha256


class _Clean:
    """The texts (as written) already found clean for one denylist: no listed window and no contact detail;
    with the denylist's digests as bytes.

    Texts recur across a course's files (stock debrief questions, content notes, role titles; in the
    benchmark's cloned courses, every text), and a text seen clean needs neither its windows hashed nor
    the detectors run. Kept for the process (a check, ``serve``'s checks after it, each forked worker for
    its share) and bounded: past :data:`MEMO_CHARS` characters it starts again empty. It only ever holds
    what is clean for its own denylist, so it can change no result, only skip work. (Remembering single
    windows instead was measured and did not pay: a course whose texts differ shares too few of its
    multi-word windows.)"""

    def __init__(self, denylist: frozenset[str]):
        self.denylist = denylist
        self.digests = {bytes.fromhex(entry) for entry in denylist}
        self.texts: set[str] = set()
        self.chars = 0

    def remember(self, text: str) -> None:
        if text in self.texts:
            return
        if self.chars + len(text) > MEMO_CHARS:
            self.texts.clear()
            self.chars = 0
        if len(text) <= MEMO_CHARS:
            self.texts.add(text)
            self.chars += len(text)


MEMO_CHARS = 1 << 22  # a few MB of text
_clean: _Clean | None = None


def _clean_for(denylist: frozenset[str]) -> _Clean:
    global _clean
    clean = _clean
    if clean is None or (clean.denylist is not denylist and clean.denylist != denylist):
        clean = _clean = _Clean(denylist)
    return clean


def forget() -> None:
    """Drop the texts the process remembers as clean (the next check hashes every window again)."""
    global _clean
    _clean = None


def _listed(folded_texts: Iterable[str], denylist: frozenset[str]) -> set[str]:
    """The 1–4-word windows of the (folded) texts whose hash is listed.

    Each distinct window is hashed once, and the loops run in C (``map``, ``zip``): this is the check's
    hot spot, linear in the text."""
    windows: set[bytes] = set()  # as UTF-8, what is hashed
    for folded in folded_texts:
        ascii_only = folded.isascii()  # (most texts) words and windows found in its bytes: nothing to encode
        words = _ASCII_WORD.findall(folded.encode()) if ascii_only else _WORD.findall(folded)
        join = b" ".join if ascii_only else " ".join
        for k in range(1, MAX_WINDOW + 1):
            found = map(join, zip(*(words[i:] for i in range(k)))) if k > 1 else words
            windows.update(found if ascii_only else map(str.encode, found))
    ordered = list(windows)
    hashes = map(_DIGEST, map(_SHA256, ordered))
    digests = _clean_for(denylist).digests
    return {window.decode() for window in itertools.compress(ordered, map(digests.__contains__, hashes))}


def denylisted_spans(text: str, denylist: frozenset[str], listed: set[str] | None = None) -> Iterator[tuple[int, int]]:
    """(start, end) offsets in ``text`` of every 1–4-word window whose normalised hash is listed.

    ``listed``: the windows already found listed by :func:`_listed` (for a text among others)."""
    if listed is None:
        listed = _listed([_fold(text)], denylist) if denylist else set()
    if not listed:
        return
    folded, origin = _folded(text)
    words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(folded)]
    for i in range(len(words)):
        phrase = ""
        for k in range(1, MAX_WINDOW + 1):
            if i + k > len(words):
                break
            phrase = words[i + k - 1][2] if k == 1 else phrase + " " + words[i + k - 1][2]
            if phrase in listed:
                end = origin[words[i + k - 1][1] - 1] + 1
                while end < len(text) and unicodedata.combining(text[end]):
                    end += 1
                yield origin[words[i][0]], end


def contact_details(text: str) -> Iterator[tuple[str, int, int]]:
    """(what, start, end) of every e-mail address, URL, phone number and street address in ``text``."""
    if not _ANY_DETAIL.search(text):
        return
    found = [(what, m.start(), m.end()) for what, rx in DETECTORS.items() for m in rx.finditer(text)]
    links = [(s, e) for what, s, e in found if what in ("an e-mail address", "a URL")]
    for what, start, end in found:
        if what == "a phone number":
            digits = sum(c.isdigit() for c in text[start:end])
            if digits < 7 or _NOT_PHONES.fullmatch(text[start:end]) or any(s <= start < e for s, e in links):
                continue
        yield what, start, end


_WHAT = {"a name on the de-identification denylist": "denylisted", "an e-mail address": "email", "a URL": "url",
         "a phone number": "phone", "a street address": "street"}  # what was found -> its words in the catalogue


def hits(texts: list[str], denylist: frozenset[str]) -> list[tuple[int, str, int, int]]:
    """(index in ``texts``, what, start, end) of every listed window and contact detail in one file's texts.

    A text this process found clean before is skipped (see :class:`_Clean`); the texts found clean now are
    remembered, unless some window of the file is listed (rare: then the file is looked at afresh each time)."""
    clean = _clean_for(denylist)
    fresh = [i for i, text in enumerate(texts) if text not in clean.texts]
    listed = _listed([_fold(texts[i]) for i in fresh], denylist) if denylist else set()
    found: list[tuple[int, str, int, int]] = []
    for i in fresh:
        before = len(found)
        found += [(i, "a name on the de-identification denylist", s, e)
                  for s, e in denylisted_spans(texts[i], denylist, listed)]
        found += [(i, *detail) for detail in contact_details(texts[i])]
        if len(found) == before and not listed:
            clean.remember(texts[i])
    return found


def check_fields(fields: Iterable[tuple[tuple, str]], marks: SourceMap, denylist: frozenset[str],
                 allow: Iterable[Allowance], lang: str = "en") -> Iterator[Problem]:
    allowed = {(normalise(a.text), a.file) for a in allow}
    fields = list(fields)
    for i, what, start, end in hits([text for _, text in fields], denylist):
        path, text = fields[i]
        found = text[start:end]
        key = normalise(found)
        if (key, None) in allowed or (key, marks.file) in allowed:
            continue
        shown = found if len(found) <= 80 else found[:80] + "…"
        yield marks.problem_at(path, text, start,
                               message("check.deidentify.looks_like", lang, text=shown,
                                       what=message(f"check.deidentify.{_WHAT[what]}", lang)),
                               message("check.deidentify.looks_like_hint", lang))
