"""Shared by the property tests and the tests that reuse their random courses: a walker that
plays the player's JSON the way bb-story.js does (``play``, ``evaluate``, ``apply_effects``,
``offered``), the check that an HTML fragment the player inserts is inert
(``safe_fragment_problems``), and Hypothesis strategies for random scenario files and text.

The walker is written from the JSON alone (it does not call branchbook.check), so it is an
independent witness for the checker's promises.
"""

from __future__ import annotations

import re
import shutil
from collections import deque
from html.parser import HTMLParser
from pathlib import Path

import yaml
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

MINI = Path(__file__).parent / "fixtures" / "mini"


def french_mini(where: Path) -> Path:
    """tests/fixtures/mini with the French overlays of tests/fixtures/mini-fr, listed in course.yml."""
    root = where / "mini"
    shutil.copytree(MINI, root)
    shutil.copytree(MINI.parent / "mini-fr", root, dirs_exist_ok=True)
    with (root / "course.yml").open("a", encoding="utf-8") as course:
        course.write("translations: [fr]\n")
    return root

# ---------------------------------------------------------------- the walker (mirrors bb-story.js)


def _truth(x) -> int:
    return 1 if x else 0


def evaluate(tree, values: dict[str, int]) -> int:
    """bb-story.js ``evaluate``: null → 1, booleans and numbers as themselves, a name → its value
    (0 when unknown), arrays ``[op, a, b]``; anything malformed → 0. JavaScript reads a missing
    operand as ``undefined``, which evaluates to 1."""
    if tree is None:
        return 1
    if isinstance(tree, bool):
        return _truth(tree)
    if isinstance(tree, (int, float)):
        return tree
    if isinstance(tree, str):
        return values.get(tree, 0)
    if not isinstance(tree, list) or len(tree) < 2:
        return 0
    op = tree[0]
    arg = lambda i: tree[i] if i < len(tree) else None  # noqa: E731
    if op == "not":
        return _truth(not evaluate(arg(1), values))
    if op == "and":
        return _truth(evaluate(arg(1), values) and evaluate(arg(2), values))
    if op == "or":
        return _truth(evaluate(arg(1), values) or evaluate(arg(2), values))
    a, b = evaluate(arg(1), values), evaluate(arg(2), values)
    compare = {"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}
    return _truth(compare.get(op, False))


def apply_effects(data: dict, values: dict[str, int], effects: dict[str, int]) -> dict[str, int]:
    """bb-story.js ``take``: declared variables only, clamped to min..max."""
    out = dict(values)
    for name, delta in (effects or {}).items():
        var = data["variables"].get(name)
        if var is not None:
            out[name] = min(var["max"], max(var["min"], out[name] + delta))
    return out


def offered(node: dict, values: dict[str, int]) -> list[int]:
    return [i for i, c in enumerate(node.get("choices") or []) if evaluate(c.get("when"), values)]


class Play:
    """Everything a reader can reach by clicking: the first path (choice indices) to each scene,
    the states where no option is offered, and the number of states explored."""

    def __init__(self, paths: dict[str, list[int]], stuck: list[tuple[str, dict]], states: int):
        self.paths, self.stuck, self.states = paths, stuck, states


def play(data: dict, limit: int = 200_000) -> Play:
    """Breadth-first over (scene, variables) from the start, as the player would walk it."""
    names = sorted(data["variables"])
    start_values = {n: data["variables"][n]["initial"] for n in names}
    start = (data["start"], tuple(start_values[n] for n in names))
    paths = {data["start"]: []}
    seen = {start: []}
    queue = deque([start])
    stuck = []
    while queue:
        node_id, packed = queue.popleft()
        node = data["nodes"][node_id]
        if node.get("ending"):
            continue
        values = dict(zip(names, packed))
        options = offered(node, values)
        if not options:
            stuck.append((node_id, values))
        for index in options:
            choice = node["choices"][index]
            if choice["goto"] not in data["nodes"]:
                continue  # the player stops at a choice leading nowhere
            after = apply_effects(data, values, choice.get("effects"))
            state = (choice["goto"], tuple(after[n] for n in names))
            if state not in seen:
                assert len(seen) < limit, "state space larger than the walker's bound"
                seen[state] = seen[(node_id, packed)] + [index]
                paths.setdefault(choice["goto"], seen[state])
                queue.append(state)
    return Play(paths, stuck, len(seen))


# ---------------------------------------------------------------- what innerHTML may receive

SAFE_TAGS = {"p", "em", "strong", "a", "code", "pre", "ul", "ol", "li", "blockquote", "br", "hr",
             "h1", "h2", "h3", "h4", "h5", "h6"}
SAFE_ATTRS = {("a", "href"), ("a", "title"), ("code", "class"), ("ol", "start")}
SAFE_HREF = re.compile(r"^(?:https?:|mailto:|#)", re.I)
HTML_FIELDS = ("html", "label", "feedbackHtml", "debriefHtml", "summaryHtml", "briefHtml", "questionHtml",
               "textHtml", "explanationHtml")


class _Fragment(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in SAFE_TAGS:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            if (tag, name) not in SAFE_ATTRS:
                self.problems.append(f"attribute {name} on <{tag}>")
            elif name == "href" and not SAFE_HREF.match(value or ""):
                self.problems.append(f"href {value!r}")
            elif name == "class" and not re.fullmatch(r"language-\S*", value or ""):
                self.problems.append(f"class {value!r}")

    handle_startendtag = handle_starttag

    def handle_pi(self, data):
        self.problems.append(f"processing instruction {data!r}")

    def handle_decl(self, decl):
        self.problems.append(f"declaration {decl!r}")

    def unknown_decl(self, data):
        self.problems.append(f"declaration {data!r}")

    def handle_comment(self, data):
        self.problems.append(f"comment {data!r}")


def safe_fragment_problems(fragment: str) -> list[str]:
    """What in a pre-rendered HTML fragment is not plain Markdown output."""
    parser = _Fragment()
    parser.feed(fragment)
    parser.close()
    return parser.problems


def html_fields(data) -> list[str]:
    """Every pre-rendered HTML string in a player or checks JSON document (the ones innerHTML gets)."""
    found = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key in HTML_FIELDS and isinstance(value, str):
                found.append(value)
            elif key == "debrief" and isinstance(value, list):
                found += [q for q in value if isinstance(q, str)]
            else:
                found += html_fields(value)
    elif isinstance(data, list):
        for item in data:
            found += html_fields(item)
    return found


# ---------------------------------------------------------------- random courses

FRAGMENTS = ["<script>", "</script>", "<img src=x onerror=alert(1)>", "\"", "'", "`", "```", "```{raw} html\n",
             "{", "}", "{{", "}}", "{eval}`x`", "#", "#panic(\"x\")", "*", "_", "[", "](", "](javascript:x)",
             "\n", "\n\n", "- ", "1. ", "> ", "|", "\\", "&amp;", "&#x3C;", "&", "%", "$",
             ":", "\t", " ", "a", "word ", "é", "😀", "\u2028", "\u200b", "<!--", "-->", "]]>", "\r\n", "---\n"]

_pieces = st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=12).map("".join)
# Mostly payload-like Markdown; now and then any Unicode at all, control characters and empty text
# included (which the schema refuses: a rejected course is fine, a crash is not).
wild_text = st.one_of(_pieces,
                      st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30),
                      st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=30))
text = st.one_of(_pieces, wild_text)
VARIABLES = ["trust", "risk"]


@st.composite
def conditions(draw, names: list[str], depth: int = 0):
    """A random condition in the authoring language, as text (sometimes with constants only)."""
    atom = st.one_of(st.sampled_from(names), st.integers(-2, 5).map(str))
    kind = draw(st.sampled_from(["cmp", "cmp", "bare", "not", "and", "or"] if depth < 2 else ["cmp", "bare"]))
    if kind == "bare":
        return draw(atom)
    if kind == "cmp":
        return f"{draw(atom)} {draw(st.sampled_from(['==', '!=', '<', '<=', '>', '>=']))} {draw(atom)}"
    if kind == "not":
        return f"not ({draw(conditions(names, depth + 1))})"
    return f"({draw(conditions(names, depth + 1))}) {kind} ({draw(conditions(names, depth + 1))})"


@st.composite
def scenarios(draw, with_variables: bool = True):
    """A scenario whose scenes are joined by a backbone (so many graphs are accepted), with random
    extra choices, conditions, effects, endings and text; now and then broken on purpose."""
    names = draw(st.lists(st.sampled_from(VARIABLES), min_size=1, unique=True)) if with_variables else []
    text = wild_text if draw(st.integers(0, 4)) == 0 else _pieces  # one example in five: any text at all
    scenes = [f"s{i}" for i in range(draw(st.integers(1, 5)))]
    kinds = draw(st.lists(st.sampled_from(["good", "mixed", "harmful"]), min_size=1, max_size=3))
    if draw(st.integers(0, 9)):  # usually a good and a harmful ending, as the checker insists
        kinds = ["good", "harmful", *kinds[2:]]
    endings = [f"e{i}" for i in range(len(kinds))]
    everything = scenes + endings
    short = text.filter(lambda t: len(t) <= 300)
    nodes: dict = {}
    for i, sid in enumerate(scenes):
        targets = [scenes[i + 1] if i + 1 < len(scenes) else endings[0]]
        targets += draw(st.lists(st.sampled_from(everything + ["nowhere"] * draw(st.integers(0, 1))), max_size=3))
        choices = []
        for target in targets:
            choice: dict = {"label": draw(short), "goto": target}
            if draw(st.booleans()):
                choice["feedback"] = draw(text)
            if draw(st.booleans()):
                choice[draw(st.sampled_from(["upholds", "violates"]))] = ["p1"]
            if draw(st.integers(0, 2)) == 0:
                choice["when"] = draw(conditions(names or ["0"]))
            if names and draw(st.booleans()):
                choice["effects"] = draw(st.dictionaries(st.sampled_from(names), st.integers(-2, 2), max_size=2))
            choices.append(choice)
        nodes[sid] = {"text": draw(text), "choices": choices}
        if draw(st.integers(0, 3)) == 0:
            nodes[sid]["facilitator"] = draw(text)
    for eid, kind in zip(endings, kinds):
        nodes[eid] = {"text": draw(text), "ending": {"kind": kind, "title": draw(short), "debrief": draw(text)}}
        if eid != endings[0]:  # every ending is led to from some scene
            nodes[draw(st.sampled_from(scenes))]["choices"].append({"label": draw(short), "goto": eid,
                                                                     "feedback": "Why.", "upholds": ["p1"]})
    scenario = {
        "id": "s", "title": draw(short), "module": "m", "summary": draw(text),
        "content_notes": [draw(short)], "provenance": {"failures": ["F01"]}, "learner_role": "me",
        "roles": [{"id": "me", "name": draw(short), "title": "Chair", "brief": draw(text)},
                  {"id": "them", "name": "Them", "title": "Member", "brief": "Asks.", "playable": False}],
        "feedback": draw(st.sampled_from(["immediate", "end"])),
        "start": scenes[0], "nodes": nodes, "debrief": [draw(text)],
    }
    if names:
        scenario["variables"] = {}
        for n in names:
            low, high = draw(st.integers(0, 1)), draw(st.integers(1, 4))
            scenario["variables"][n] = {"initial": draw(st.integers(low, high)), "min": low, "max": high}
    return scenario


def write_course(root: Path, scenario: dict, module_title: str = "The module") -> Path:
    (root / "scenarios").mkdir(parents=True)
    (root / "modules").mkdir()
    (root / "book").mkdir()
    shutil.copy(MINI / "book" / "references.bib", root / "book" / "references.bib")
    (root / "course.yml").write_text(yaml.safe_dump({
        "id": "prop-course", "title": "Property course", "author": "Tests", "modules": ["m"],
        "principles": [{"id": "p1", "name": "Honesty", "group": "Core", "description": "Say what is true."}],
        "failures": [{"id": "F01", "module": "m", "title": "A failure"}],
        "support": [{"name": "Support", "description": "Someone to talk to."}],
    }, allow_unicode=True), encoding="utf-8")
    front = yaml.safe_dump({"id": "m", "title": module_title, "duration": 30, "objectives": ["Learn"],
                            "scenarios": ["s"]}, allow_unicode=True)
    (root / "modules" / "m.md").write_text(f"---\n{front}---\n\nThe reading.\n", encoding="utf-8")
    (root / "scenarios" / "s.yml").write_text(yaml.safe_dump(scenario, allow_unicode=True, sort_keys=False),
                                              encoding="utf-8")
    return root


FAST = settings(max_examples=40, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])


def random_course(scenario):
    """The one-scenario course ``write_course`` makes of ``scenario``, loaded in a temporary folder; None
    when the checker refuses it (a random graph may break a rule). Its scenario's id is ``s``."""
    import tempfile

    from branchbook.load import load_course

    with tempfile.TemporaryDirectory() as tmp:
        return load_course(write_course(Path(tmp) / "course", scenario)).course


def load_checked(path: Path):
    """The course at ``path``, which must check without errors (the errors are the failure message)."""
    from branchbook.load import load_course

    loaded = load_course(path)
    assert loaded.course is not None, [p.format() for p in loaded.report.errors]
    return loaded.course
