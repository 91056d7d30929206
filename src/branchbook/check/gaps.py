"""Text left to fill in: ``import twee`` marks what Twine has no place for with ``TODO:``, and an
author may do the same; such a text must never reach learners unnoticed."""

from __future__ import annotations

from typing import Iterator

from ..messages import message
from ..model import Scenario
from ..model.texts import scenario_texts
from ..problems import Problem
from ..source_map import SourceMap

MARK = "TODO"


def check(scenario: Scenario, marks: SourceMap, lang: str = "en") -> Iterator[Problem]:
    note = scenario.provenance.note
    for path, text in [*scenario_texts(scenario), *([(("provenance", "note"), note)] if note else [])]:
        if text.lstrip().startswith(MARK):
            yield marks.problem(path, message("check.gaps.todo", lang, field=".".join(map(str, path)),
                                              text=repr(text.strip()[:60])),
                                message("check.gaps.todo_hint", lang), severity="warning")
