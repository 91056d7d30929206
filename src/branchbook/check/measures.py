"""Measures of a scenario and a module that the content rules and ``branchbook stats`` share:
words, reading ease, decisions, and the shortest playthrough with conditions respected."""

from __future__ import annotations

import importlib
import re
import sys
import types
from dataclasses import dataclass
from functools import lru_cache

from .. import check_cache
from ..model import Module, Rules, Scenario
from ..model import Node
from ..model.texts import participant_prose, scene_prose
from .states import Exploration, describe_way

_WORD = re.compile(r"\w+(?:['’]\w+)*")

# Text whose Markdown is at most paragraphs and '- ' bullets of plain words: none of the characters that start
# emphasis, code, links, escapes, entities or HTML; no line that could open another block (indented, or
# starting with another list, quote, heading or rule marker, or a number and '.' or ')' before a space); no space at
# a line's end (a hard break); nothing unprintable but line breaks.
_MARKUP = re.compile(r"[\\`*_\[\]<>&#~]|^(?!- [^ \-+=*>#\d])[ \-+=*>#]|^\d+[.)](?!\S)| $", re.M)
_BLOCKS = re.compile(r"\n\n+|\n(?=- )|^- ", re.M)  # where a paragraph or a bullet's text starts
# Strong emphasis the parser takes as such whatever surrounds it: '**' after a space or a line's start, then plain words
# on one line starting with a letter or digit and ending with one or with punctuation, then '**' before a space, a
# line's end or punctuation.
_STRONG = re.compile(r"(?<!\S)\*\*([^\W_](?:[^\n*\\`_\[\]<>&#~]*[^\W_])?[.,;:!?]?)\*\*(?=[\s.,;:!?]|$)")
_QUOTED = re.compile(r"^> ?", re.M)  # a quote's marker
_INDENTED = re.compile(r"^ {1,3}(?=\S)", re.M)  # a continuation line's indentation (or a bullet's, under another)


@lru_cache(maxsize=8192)  # the same labels and feedback are measured twice
def to_plain(text: str | None) -> str:
    """``markdown.to_plain(text)``, without parsing the Markdown when it is only paragraphs, simple bullets,
    quotes of those and strong emphasis of plain words (more than nine in ten scene texts; the Markdown parser
    was most of the reading ease's time, and importing it a fifth of a warm check): the emphasis and quote
    markers are dropped, each paragraph or bullet is its lines joined by spaces, and they are joined by blank
    lines."""
    simple = _simple(text) if text else None
    if simple is None:
        from ..write import markdown  # here: a check answered from its cache measures nothing (markdown_it is slow to import)

        return markdown.to_plain(text)
    blocks = (" ".join(block.split("\n")) for block in _BLOCKS.split(simple.strip("\n")))
    return "\n\n".join(block for block in blocks if block)


def _simple(text: str) -> str | None:
    """The text without its strong-emphasis and quote markers and its lines' indentation (of 1–3 spaces, which
    changes no plain text), when what is left has no other Markdown; else None. A paragraph is quoted on every
    line or on none (a quote that a plain line continues is the parser's to read)."""
    if "**" in text:
        text = _STRONG.sub(r"\1", text)
    if ">" in text:
        blocks = text.split("\n\n")
        for i, block in enumerate(blocks):
            quoted = [line.startswith(">") for line in block.split("\n") if line]
            if any(quoted):
                if not all(quoted):
                    return None
                blocks[i] = _QUOTED.sub("", block)
        text = "\n\n".join(blocks)
    if "\n " in text:
        text = _INDENTED.sub("", text)
    if _MARKUP.search(text) or not text.replace("\n", "").isprintable():
        return None
    return text


_ROLE = re.compile(r"\{[a-z:]+\}`[^`]*`")  # {cite}`key` is not read as words


def word_count(text: str | None) -> int:
    return len(_WORD.findall(to_plain(_ROLE.sub("", text)))) if text else 0


def prose(scenario: Scenario) -> str:
    """What a participant reads while playing, as plain text."""
    return "\n\n".join(to_plain(t) for t in participant_prose(scenario))


def scene_plain(node: Node) -> str:
    return "\n\n".join(to_plain(t) for t in scene_prose(node))


def reading_ease(text: str, lang: str = "en") -> float | None:
    """Flesch reading ease in the course's language: textstat 0.7.4's formula for it (Flesch for English,
    Kandel and Moles for French, Amstad for German…) with pyphen's syllables for it, offline. None for a
    language textstat has no formula or pyphen no dictionary for: English rules would only measure noise."""
    stats = _textstat(lang)
    return None if stats is None else round(stats.flesch_reading_ease(text), 1)


# Languages textstat 0.7.4 has a reading-ease formula for (any other gets the English one, which is no measure of it).
FORMULA_LANGUAGES = frozenset({"en", "de", "es", "fr", "it", "nl", "pl", "ru", "hu"})


def prepare() -> None:
    """Import textstat and load its hyphenation patterns now: before workers fork, so that each does not
    do it again (a quarter of a second or more)."""
    _textstat("en")


@lru_cache(maxsize=None)
def _textstat(lang: str):
    """A textstat of our own for ``lang`` (None when it cannot measure it) whose syllable count remembers each
    word's: textstat asks pyphen again for every word of every text (most of its time), while a course's texts
    share most of their words. Imported here: importing textstat takes a quarter of a second, and a check
    answered from its cache never needs it."""
    import pyphen

    locale = "en_US" if lang == "en" else lang  # (English as textstat measures it by default)
    if lang not in FORMULA_LANGUAGES or pyphen.language_fallback(locale) is None:
        return None
    for needed in dict.fromkeys(("en_US", locale)):  # (textstat's constructor loads English before set_lang changes it)
        _hyphenation_patterns(needed)
    stats = _textstat_class()()
    if locale != "en_US":
        stats.set_lang(locale)
    syllables = lru_cache(maxsize=1 << 16)(lambda word: len(stats.pyphen.positions(word)) + 1)

    def syllable_count(text: str, lang: str | None = None) -> int:  # textstat's own, word by word
        return sum(map(syllables, stats.remove_punctuation(text.lower()).split()))

    stats.syllable_count = syllable_count
    return stats


def _hyphenation_patterns(lang: str) -> None:
    """Put pyphen's parsed patterns for ``lang`` (textstat's language) where pyphen looks first (its ``hdcache``),
    from a copy kept in the user's cache folder: parsing the dictionary took 0.066 s in every new process that
    measured a text, reading the copy 0.004 s. Kept by pyphen's version and the dictionary file's size and date."""
    import pyphen

    path = pyphen.LANGUAGES[pyphen.language_fallback(lang)]
    if path in pyphen.hdcache:
        return
    stat = path.stat()
    version = f"{pyphen.__version__} {path} {stat.st_size} {stat.st_mtime_ns}"
    pyphen.hdcache[path] = check_cache.kept_for_user(f"hyphenation-{lang}", version, lambda: pyphen.HyphDict(path),
                                                     pyphen.HyphDict)


class _OnFirstUse(types.ModuleType):
    """Stands for a module not imported yet: the first attribute asked for imports it."""

    def __getattr__(self, name: str):
        return getattr(importlib.import_module(self.__name__), name)


def _textstat_class():
    """textstat 0.7.4's class, imported without setuptools' ``pkg_resources`` (about half of textstat's
    import time: 0.12 of 0.19 s, paid by the first re-check in every process): textstat imports it only to
    read word lists that the reading ease never reads. It gets a stand-in that imports the real module if
    it is ever used, and the stand-in leaves ``sys.modules`` at once, so every other import gets the real one."""
    if "pkg_resources" in sys.modules:
        from textstat.textstat import textstatistics

        return textstatistics
    stand_in = sys.modules["pkg_resources"] = _OnFirstUse("pkg_resources")
    try:
        from textstat.textstat import textstatistics
    finally:
        if sys.modules.get("pkg_resources") is stand_in:
            del sys.modules["pkg_resources"]
    return textstatistics


def decisions(scenario: Scenario) -> list[str]:
    """Ids of the scenes where the learner chooses."""
    return [nid for nid, node in scenario.nodes.items() if node.choices]


@dataclass(frozen=True)
class Playthrough:
    """The shortest way from the start to an ending (fewest choices), conditions respected."""

    steps: tuple[tuple[str, int], ...]  # (scene id, 0-based choice index)
    ending: str

    def describe(self) -> str:
        """Like ``opening#2 → listen#1 → good-end`` (choices numbered from 1, as an author counts them)."""
        return describe_way(self.steps, self.ending)

    def words(self, scenario: Scenario) -> int:
        texts = [scenario.nodes[nid].text for nid, _ in self.steps]
        for nid, i in self.steps:
            choice = scenario.nodes[nid].choices[i]
            texts += [choice.label, choice.feedback]
        ending = scenario.nodes[self.ending]
        texts += [ending.text, ending.ending.debrief if ending.ending else None]
        return sum(word_count(t) for t in texts)


def shortest_playthroughs(scenario: Scenario, found: Exploration) -> dict[str, Playthrough]:
    """For each reachable ending, its shortest playthrough."""
    out: dict[str, Playthrough] = {}
    for state in found.endings(scenario):
        if state[0] not in out:
            out[state[0]] = Playthrough(tuple(found.path_to(state)), state[0])
    return out


def scenario_minutes(scenario: Scenario, found: Exploration | None, rules: Rules) -> float:
    """Time one group needs for a scenario: the words of its shortest playthrough at ``words_per_minute``
    plus ``minutes_per_decision`` for each decision on it. A floor: longer paths take longer."""
    paths = shortest_playthroughs(scenario, found) if found is not None else {}
    if not paths:
        return 0.0
    path = min(paths.values(), key=lambda p: len(p.steps))
    return path.words(scenario) / rules.words_per_minute + len(path.steps) * rules.minutes_per_decision


def reading_minutes(module: Module, rules: Rules) -> float:
    return word_count(module.reading) / rules.words_per_minute
