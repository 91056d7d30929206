"""Read a Twine story — Twee 3 source or Twine 2 HTML (published or archived) — as scenario data.

Passages become scenes and links become choices. A story exported by branchbook
(:mod:`branchbook.write.twee`) carries its other fields in a comment and comes back whole; a
sketch made in Twine gets every field branchbook needs and Twine has not (feedback, principles,
roles, the debrief…) as a text starting with ``TODO:`` or left empty, which ``check`` reports.
The passage text and its links stay the truth: what an author changed in Twine wins over the
comment, which only attaches the rest to the choices that are still there.
"""

from __future__ import annotations

import html.parser
import json
import re
from dataclasses import dataclass, field

TODO = "TODO: "
DATA_PASSAGE = "Branchbook scenario"
_COMMENT = re.compile(r"<!-- branchbook (.*?) -->", re.S)
_LINK = re.compile(r"\[\[(.*?)\]\]", re.S)
_SPECIAL = {"StoryTitle", "StoryData", DATA_PASSAGE}


class TwineError(Exception):
    """The file is not a Twine story this reader understands (the message says why)."""


@dataclass
class Passage:
    name: str
    tags: list[str] = field(default_factory=list)
    text: str = ""


@dataclass
class Story:
    title: str | None
    start: str | None
    passages: list[Passage]


def parse_twee(source: str) -> Story:
    passages: list[Passage] = []
    for line in source.replace("\r\n", "\n").split("\n"):
        if line.startswith("::"):
            name, tags = _header(line[2:])
            passages.append(Passage(name, tags))
        elif passages:
            passages[-1].text += (line[1:] if line.startswith("\\::") else line) + "\n"
    for passage in passages:
        passage.text = passage.text.strip("\n")
    by_name = {p.name: p for p in passages}
    if not passages:
        raise TwineError("no passage found: a Twee file has lines starting with '::' that name each passage")
    data = json.loads(by_name["StoryData"].text) if "StoryData" in by_name else {}
    title = by_name["StoryTitle"].text.strip() if "StoryTitle" in by_name else None
    return Story(title, data.get("start"), [p for p in passages if p.name not in ("StoryTitle", "StoryData")])


def _header(text: str) -> tuple[str, list[str]]:
    """Name and tags of a passage header (after '::'); backslash escapes ``[ ] { } \\``; metadata is dropped."""
    name, tags, i, text = "", "", 0, text.strip()
    while i < len(text) and text[i] not in "[{":
        if text[i] == "\\" and i + 1 < len(text):
            i += 1
        name += text[i]
        i += 1
    if i < len(text) and text[i] == "[":
        end = text.find("]", i)
        tags, i = text[i + 1:end if end >= 0 else len(text)], (end + 1 if end >= 0 else len(text))
    return name.strip(), tags.split()


class _TwineHTML(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.story: dict[str, str] | None = None
        self.passages: list[tuple[dict[str, str], list[str]]] = []
        self._open: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        values = {k: v or "" for k, v in attrs}
        if tag == "tw-storydata" and self.story is None:
            self.story = values
        elif tag == "tw-passagedata":
            self._open = []
            self.passages.append((values, self._open))

    def handle_endtag(self, tag):
        if tag == "tw-passagedata":
            self._open = None

    def handle_data(self, data):
        if self._open is not None:
            self._open.append(data)


def parse_twine_html(source: str) -> Story:
    reader = _TwineHTML()
    reader.feed(source)
    if reader.story is None:
        raise TwineError("no <tw-storydata> element: publish the story from Twine 2 (or archive it) and import that file")
    pid_names = {attrs.get("pid"): attrs.get("name", "") for attrs, _ in reader.passages}
    passages = [Passage(attrs.get("name", ""), attrs.get("tags", "").split(), "".join(text).strip("\n"))
                for attrs, text in reader.passages]
    return Story(reader.story.get("name"), pid_names.get(reader.story.get("startnode")), passages)


def parse(source: str) -> Story:
    """Twine 2 HTML when the text holds a ``<tw-storydata>`` element, Twee 3 otherwise."""
    return parse_twine_html(source) if "<tw-storydata" in source else parse_twee(source)


def _links(text: str) -> list[tuple[str, str]]:
    """(label, target) of each Twine link, in order: [[t]], [[label|t]], [[label->t]], [[t<-label]]."""
    found = []
    for match in _LINK.finditer(text):
        inner = match.group(1)
        if "->" in inner:
            label, target = inner.rsplit("->", 1)
        elif "<-" in inner:
            target, label = inner.split("<-", 1)
        elif "|" in inner:
            label, target = inner.rsplit("|", 1)
        else:
            label = target = inner
        found.append((" ".join(label.split()), target.strip()))
    return found


def _prose(text: str) -> str:
    """The passage text without the comment and the trailing lines of links; a link inside prose
    keeps its label."""
    lines = _COMMENT.sub("", text).rstrip().split("\n")
    while lines and not _LINK.sub("", lines[-1]).strip():
        lines.pop()
    return _LINK.sub(lambda m: _links(m.group(0))[0][0], "\n".join(lines)).strip()


def _comment(text: str) -> dict:
    found = _COMMENT.search(text)
    return json.loads(found.group(1)) if found else {}


def slug(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60].strip("-") or "scene"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


def scenario_data(story: Story) -> dict:
    """Scenario fields (as a scenario file holds them) from a parsed story."""
    scenes = [p for p in story.passages if p.name not in _SPECIAL and "branchbook" not in p.tags]
    taken: set[str] = set()
    ids = {p.name: slug(p.name, taken) for p in scenes}
    settings = next((_comment(p.text) for p in story.passages if p.name == DATA_PASSAGE), {})
    nodes = {ids[p.name]: _node(p, ids) for p in scenes}
    title = story.title or TODO + "a title that names the decision"
    data = {
        "id": settings.get("id") or slug(title.removeprefix(TODO), set()),
        "title": title,
        "summary": TODO + "one or two sentences on what the learner has to decide",
        "content_notes": [TODO + "say honestly what the scenario contains"],
        "provenance": {"failures": [], "note": TODO + "which failure patterns the scenario is built from"},
        "learner_role": "learner",
        "roles": [{"id": "learner", "name": TODO + "an invented name", "title": TODO + "their committee role",
                   "brief": TODO + "what the learner knows at the start"}],
        "debrief": [TODO + "a question for discussion after any ending"],
        **{k: v for k, v in settings.items() if k != "id"},
        "start": ids.get(story.start or "", next(iter(nodes), "start")),
        "nodes": nodes,
    }
    return data


def _node(passage: Passage, ids: dict[str, str]) -> dict:
    saved = _comment(passage.text)
    node: dict = {"text": _prose(passage.text) or TODO + "what happens in this scene"}
    for key in ("speaker", "facilitator"):
        if key in saved:
            node[key] = saved[key]
    links = _links(_COMMENT.sub("", passage.text))  # a "[[" inside the comment's JSON is no link
    if links:
        unused = list(saved.get("choices", []))
        node["choices"] = [_choice(label, ids.get(target, slug(target, set())), unused) for label, target in links]
    else:
        kind = next((t for t in passage.tags if t in ("good", "mixed", "harmful")), TODO + "good, mixed or harmful")
        node["ending"] = saved.get("ending") or {"kind": kind, "title": passage.name,
                                                 "debrief": TODO + "what this ending shows"}
    return node


def _as_linked(label: str) -> str:
    """A label as the exported link shows it (one line, ']]' broken), to match a link to its saved choice."""
    return " ".join(label.replace("]]", "] ]").split())


def _choice(label: str, goto: str, saved: list[dict]) -> dict:
    """The saved choice for this link (same target; same label first), else a new one with gaps."""
    same_target = [c for c in saved if c.get("goto") == goto]
    match = next((c for c in same_target if _as_linked(c.get("label", "")) == label),
                 same_target[0] if same_target else None)
    if match is None:
        return {"label": label, "goto": goto}  # feedback and principles: check reports them missing
    saved.remove(match)
    kept = dict(match, goto=goto)
    if _as_linked(match.get("label", "")) != label:
        kept["label"] = label  # relabelled in Twine
    return kept
