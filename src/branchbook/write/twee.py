"""Twee 3 export: one story per scenario, for authors who sketch and rework stories in Twine.

Twine sees what it understands — one passage per scene, ``[[label->scene]]`` links, ``ending``
tags with the ending's kind — and everything else branchbook needs (feedback, principles, effects,
conditions, roles, variables) rides along in an HTML comment holding JSON: Twine keeps passage
text as it is, and story formats render nothing of a comment, so a story exported here and
imported again (:mod:`branchbook.read.twee`) loses nothing.
"""

from __future__ import annotations

import json
import uuid

from ..model import Course, Scenario

DATA_PASSAGE = "Branchbook scenario"
"""The passage holding the scenario's own fields; no scene id can take this name (ids are slugs)."""
COMMENT_OPEN, COMMENT_CLOSE = "<!-- branchbook ", " -->"
STORY_FORMAT = {"format": "Harlowe", "format-version": "3.3.9"}
SCENARIO_FIELDS = ("id", "title", "module", "summary", "setting", "content_notes", "provenance", "learner_role",
                   "roles", "variables", "feedback", "debrief", "references")


def ifid(course_id: str, scenario_id: str) -> str:
    """A stable IFID: the same course and scenario always give the same story identity."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"branchbook:{course_id}:{scenario_id}")).upper()


def comment(data: dict) -> str:
    """JSON in an HTML comment; '-->' (only ever inside a JSON string) is written with an escape."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1)
    return COMMENT_OPEN + text.replace("-->", "-\\u002d>") + COMMENT_CLOSE


def _passage_text(text: str) -> str:
    """Twee 3: a passage line that starts with '::' would start a new passage; escape it."""
    return "\n".join("\\" + line if line.startswith("::") else line for line in text.split("\n"))


def _link(label: str, goto: str) -> str:
    # A link cannot hold ']]' or a line break; the exact label is in the passage's comment.
    shown = " ".join(label.replace("]]", "] ]").split())
    return f"[[{shown}->{goto}]]"


def _scene(node_id: str, node) -> str:
    tags = f" [ending {node.ending.kind}]" if node.ending else ""
    data = node.model_dump(mode="json", exclude_defaults=True, exclude={"text"})
    body = [node.text.strip().replace("[[", "[ ["), ""]  # '[[' in prose would read as a link
    body += [_link(choice.label, choice.goto) for choice in node.choices]
    body += ["", comment(data)]
    return f":: {node_id}{tags}\n" + _passage_text("\n".join(body)) + "\n"


def scenario_twee(course_id: str, scenario: Scenario) -> str:
    story_data = {"ifid": ifid(course_id, scenario.id), **STORY_FORMAT, "start": scenario.start}
    fields = scenario.model_dump(mode="json", exclude_defaults=True, include=set(SCENARIO_FIELDS))
    parts = [
        f":: StoryTitle\n{scenario.title}\n",
        ":: StoryData\n" + json.dumps(story_data, indent=2, sort_keys=True) + "\n",
        f":: {DATA_PASSAGE} [branchbook]\nThe scenario's settings for branchbook (roles, variables, debrief).\n\n"
        + _passage_text(comment(fields)) + "\n",
        *(_scene(node_id, node) for node_id, node in scenario.nodes.items()),
    ]
    return "\n".join(parts)


def write(course: Course, scenario_ids: list[str] | None = None) -> dict[str, bytes]:
    """``{<scenario id>.twee: bytes}`` for the scenarios asked for (all by default), in course order."""
    wanted = set(scenario_ids) if scenario_ids else None
    return {f"{s.id}.twee": scenario_twee(course.settings.id, s).encode("utf-8")
            for s in course.scenarios if wanted is None or s.id in wanted}
