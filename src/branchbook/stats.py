"""``branchbook stats``: what each scenario holds, and what the course leaves uncovered, so an
author sees at a glance where the next scenario is needed."""

from __future__ import annotations

import json
import textwrap
from collections import Counter

from .check import measures
from .model import Course, Scenario

JSON_VERSION = 1
KINDS = ("good", "mixed", "harmful")


def scenario_stats(scenario: Scenario, lang: str = "en") -> dict:
    kinds = Counter(e.kind for e in scenario.endings.values())
    text = measures.prose(scenario)
    return {
        "id": scenario.id,
        "module": scenario.module,
        "scenes": len(scenario.nodes),
        "decisions": len(measures.decisions(scenario)),
        "endings": {kind: kinds.get(kind, 0) for kind in KINDS},
        "words": measures.word_count(text),
        "reading_ease": measures.reading_ease(text, lang),  # (None: a language it cannot be measured in)
        "failures": sorted(scenario.provenance.failures),
        "upholds": sorted({p for n in scenario.nodes.values() for c in n.choices for p in c.upholds}),
        "violates": sorted({p for n in scenario.nodes.values() for c in n.choices for p in c.violates}),
    }


def course_stats(course: Course) -> dict:
    scenarios = [scenario_stats(s, course.settings.language) for s in course.scenarios]
    failures = {f for s in scenarios for f in s["failures"]}
    principles = {p for s in scenarios for p in s["upholds"] + s["violates"]}
    return {
        "format": "branchbook-stats",
        "version": JSON_VERSION,
        "course": course.settings.id,
        "scenarios": scenarios,
        "uncovered": {
            "failures": [{"id": f.id, "title": f.title} for f in course.settings.failures if f.id not in failures],
            "principles": [{"id": p.id, "name": p.name} for p in course.settings.principles if p.id not in principles],
        },
    }


def as_json(course: Course) -> str:
    return json.dumps(course_stats(course), indent=2, ensure_ascii=False)


def as_text(course: Course) -> str:
    """A table per module, each scenario followed by the principles its choices name."""
    data = course_stats(course)
    header = ("scenario", "scenes", "decisions", "good/mixed/harmful", "words", "ease", "failures")
    rows = [header] + [(s["id"], str(s["scenes"]), str(s["decisions"]), "/".join(str(s["endings"][k]) for k in KINDS),
                        str(s["words"]), "–" if s["reading_ease"] is None else f"{s['reading_ease']:.0f}",
                        " ".join(s["failures"]))
                       for s in data["scenarios"]]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    line = lambda row: ("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths))).rstrip()  # noqa: E731
    lines, module = [line(header)], None
    for s, row in zip(data["scenarios"], rows[1:]):
        if s["module"] != module:
            module = s["module"]
            lines.append(f"module {module}")
        lines.append(line(row))
        lines.append(textwrap.fill("principles: " + ", ".join(sorted(set(s["upholds"]) | set(s["violates"]))),
                                   width=100, break_on_hyphens=False, initial_indent=" " * 4, subsequent_indent=" " * 6))
    uncovered = data["uncovered"]
    lines += ["", "Failure patterns no scenario teaches: "
              + ("; ".join(f"{f['id']} ({f['title']})" for f in uncovered["failures"]) or "none"),
              "Principles no choice upholds or violates: " + (", ".join(p["id"] for p in uncovered["principles"]) or "none")]
    return "\n".join(lines)
