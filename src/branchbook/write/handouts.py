"""Printable handouts (PDF via Typst): scenario packets, role cards, quick-reference cards, the
facilitator guide and a certificate of completion.

This writer reads only the :class:`~branchbook.model.Course`. It turns the model into JSON data
and compiles the Typst templates in ``templates/typst`` with that data as ``sys.inputs.data``.
Author text never becomes Typst source: the templates read it with ``json(bytes(...))`` and
insert it as strings, which Typst prints literally. Markdown is reduced to plain text here, in
Python (paragraphs, list items, quotes and headings kept; emphasis markers dropped).

Output is deterministic: section numbers are shuffled with a seed taken from the scenario id,
only the fonts embedded in the Typst compiler are used (never the machine's), and the PDFs
carry no date.

``write(course)`` returns ``{relative path: PDF bytes}``; it writes nothing itself.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, MutableMapping

import typst
import yaml
from .. import layout
from ..model import Course, Module, Scenario
from ..model import conditions
from .markdown import to_blocks as blocks, to_plain as plain_text

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "typst"
QUICKREF = TEMPLATES / "quickref"
FONT_PATHS: list[str] = []  # the compiler's embedded fonts only, so every machine makes the same bytes
PAPERS = ("a4", "us-letter")

class HandoutError(RuntimeError):
    """A template failed to compile (a bug in a template, not a problem in the course)."""


# --------------------------------------------------------------------------------------------
# Conditions and effects in plain words

_SAY = {">=": "is at least", "<=": "is at most", ">": "is more than", "<": "is less than", "==": "is", "!=": "is not"}
_NEGATE = {">=": "<", "<=": ">", ">": "<=", "<": ">=", "==": "!=", "!=": "=="}
_FLIP = {">=": "<=", "<=": ">=", ">": "<", "<": ">", "==": "==", "!=": "!="}


def condition_words(tree: conditions.Tree, inside: str | None = None) -> str:
    """``["and", [">=", "trust", 1], ["not", "risk"]]`` → ``trust is at least 1 and risk is 0``."""
    if isinstance(tree, bool):
        return "always" if tree else "never"
    if isinstance(tree, int):
        return "always" if tree else "never"
    if isinstance(tree, str):
        return f"{tree} is not 0"
    op, *args = tree
    if op == "not":
        inner = args[0]
        if isinstance(inner, str):
            return f"{inner} is 0"
        if isinstance(inner, list) and inner[0] in _NEGATE:
            return condition_words([_NEGATE[inner[0]], inner[1], inner[2]], inside)
        if isinstance(inner, list) and inner[0] == "not":
            return condition_words(inner[1], inside)
        return f"it is not the case that ({condition_words(inner)})"
    if op in ("and", "or"):
        text = f"{condition_words(args[0], op)} {op} {condition_words(args[1], op)}"
        return f"({text})" if inside and inside != op else text
    left, right = args
    if isinstance(left, int) and isinstance(right, str):
        op, left, right = _FLIP[op], right, left
    return f"{left} {_SAY[op]} {right}"


def effect_words(effects: dict[str, int]) -> str:
    return ", ".join(f"{name} {'+' if value >= 0 else '−'}{abs(value)}" for name, value in effects.items())


# --------------------------------------------------------------------------------------------
# Section numbers and the decision-map layout


def _rng(scenario_id: str) -> random.Random:
    return random.Random(int.from_bytes(hashlib.sha256(scenario_id.encode()).digest()[:8], "big"))


def _edges(scenario: Scenario) -> list[tuple[str, str]]:
    return [(nid, c.goto) for nid, node in scenario.nodes.items() for c in node.choices]


def section_numbers(scenario: Scenario, tries: int = 200) -> dict[str, int]:
    """Scene id → section number. The start is §1; the other scenes follow in a shuffled order and
    the endings come last (also shuffled). The shuffle is seeded from the scenario id, and among
    the first ``tries`` shuffles the one with the fewest choices leading to a neighbouring number
    is kept, so the next section is rarely (usually never) the adjacent one."""
    scenes = [n for n, node in scenario.nodes.items() if node.ending is None and n != scenario.start]
    endings = [n for n, node in scenario.nodes.items() if node.ending is not None and n != scenario.start]
    edges = [(a, b) for a, b in _edges(scenario) if a != b]
    rng = _rng(scenario.id)
    best: tuple[int, dict[str, int]] | None = None
    for _ in range(tries):
        rng.shuffle(scenes)
        rng.shuffle(endings)
        numbers = {nid: i for i, nid in enumerate([scenario.start, *scenes, *endings], start=1)}
        score = sum(abs(numbers[a] - numbers[b]) == 1 for a, b in edges)
        if best is None or score < best[0]:
            best = (score, numbers)
        if score == 0:
            break
    assert best is not None
    return best[1]


def back_edges(scenario: Scenario) -> set[tuple[str, str]]:
    """Choices that lead back to a scene still open in a depth-first walk from the start: the
    edges that close a loop. Without them the graph is acyclic and can be drawn top to bottom."""
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}  # 1 open, 2 done

    def successors(nid: str) -> list[str]:
        return [c.goto for c in scenario.nodes[nid].choices if c.goto in scenario.nodes]

    roots = [scenario.start, *scenario.nodes]
    for root in roots:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(successors(root)))]
        while stack:
            nid, rest = stack[-1]
            nxt = next(rest, None)
            if nxt is None:
                state[nid] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                back.add((nid, nxt))
            elif nxt not in state:
                state[nxt] = 1
                stack.append((nxt, iter(successors(nxt))))
    return back


DUMMY = "~"  # prefix of the invisible waypoints that long edges pass through


def layers(scenario: Scenario, sweeps: int = 6) -> list[list[str]]:
    """Layers for the decision map, top to bottom. Each scene sits one layer below the lowest
    scene that leads to it (loops ignored), every ending on one last layer; an edge that spans
    several layers passes through waypoints (ids starting with ``~``) so it can go round the
    boxes between. Within a layer, nodes are ordered by the mean position of their neighbours
    above and below (a few barycentre sweeps), which removes most crossings."""
    back = back_edges(scenario)
    forward = sorted({(a, b) for a, b in _edges(scenario) if (a, b) not in back and a != b},
                     key=lambda e: (list(scenario.nodes).index(e[0]), list(scenario.nodes).index(e[1])))
    depth: dict[str, int] = {n: 0 for n in scenario.nodes}
    for _ in range(len(scenario.nodes)):  # longest path on an acyclic graph: at most n rounds
        changed = False
        for a, b in forward:
            if depth[b] < depth[a] + 1:
                depth[b] = depth[a] + 1
                changed = True
        if not changed:
            break
    ends = [n for n in scenario.nodes if scenario.nodes[n].ending is not None and n != scenario.start]
    scenes = [n for n in scenario.nodes if n not in ends]
    bottom = max((depth[n] for n in scenes), default=-1) + 1
    for n in ends:
        depth[n] = bottom
    rows: list[list[str]] = [[] for _ in range(bottom + 1 if ends else bottom)]
    for n in scenario.nodes:
        rows[depth[n]].append(n)
    up: dict[str, list[str]] = {}
    down: dict[str, list[str]] = {}
    for a, b in forward:
        chain = [a, *[f"{DUMMY}{a}>{b}>{k}" for k in range(depth[a] + 1, depth[b])], b]
        for k in range(depth[a] + 1, depth[b]):
            rows[k].append(chain[k - depth[a]])
        for x, y in zip(chain, chain[1:]):
            down.setdefault(x, []).append(y)
            up.setdefault(y, []).append(x)
    rows = [row for row in rows if row]
    order = {n: i for i, n in enumerate(n for row in rows for n in row)}
    position = {n: (i + 0.5) / len(row) for row in rows for i, n in enumerate(row)}

    def arrange(row: list[str], neighbours: dict[str, list[str]]) -> None:
        def key(n: str) -> tuple[float, int]:
            near = [position[m] for m in neighbours.get(n, [])]
            return (sum(near) / len(near) if near else position[n], order[n])
        row.sort(key=key)
        for i, n in enumerate(row):
            position[n] = (i + 0.5) / len(row)

    for sweep in range(sweeps):
        if sweep % 2 == 0:
            for row in rows[1:]:
                arrange(row, up)
        else:
            for row in reversed(rows[:-1]):
                arrange(row, down)
    return rows


MAP_ROW_WIDTH = 6      # a wider layer of endings is folded into staggered rows so boxes stay readable
WAYPOINT_WIDTH = 0.35  # the room a waypoint takes in its row, as a fraction of a box's


def decision_map(scenario: Scenario, numbers: dict[str, int], pauses: dict[str, int]) -> dict[str, Any]:
    """Nodes with fractional coordinates (0..1 across and down) and edges with their waypoints
    and port offsets (fractions of a box's width, -0.5..0.5), for the template to draw."""
    rows: list[list[str]] = []
    stagger: list[bool] = []
    for layer in layers(scenario):
        real = [n for n in layer if not n.startswith(DUMMY)]
        folds = 1 if len(real) < len(layer) else -(-len(layer) // MAP_ROW_WIDTH)
        size = -(-len(layer) // folds)
        for k in range(folds):
            rows.append(layer[k * size:(k + 1) * size])
            stagger.append(folds > 1 and k % 2 == 1)

    def weight(n: str) -> float:
        return WAYPOINT_WIDTH if n.startswith(DUMMY) else 1.0

    widths = [sum(weight(n) for n in row) + (0.5 if staggered else 0) for row, staggered in zip(rows, stagger)]
    slots = max(widths)
    x: dict[str, float] = {}
    row_of: dict[str, int] = {}
    for r, (row, staggered) in enumerate(zip(rows, stagger)):
        cursor = (slots - widths[r]) / 2 + (0.5 if staggered else 0)
        for nid in row:
            x[nid] = (cursor + weight(nid) / 2) / slots
            cursor += weight(nid)
            row_of[nid] = r
    y = {n: (row_of[n] + 0.5) / len(rows) for n in x}
    nodes = []
    for nid in x:
        if nid.startswith(DUMMY):
            continue
        node = scenario.nodes[nid]
        nodes.append({
            "id": nid, "x": x[nid], "y": y[nid],
            "section": numbers[nid], "kind": node.ending.kind if node.ending else "scene",
            "title": node.ending.title if node.ending else "", "start": nid == scenario.start,
            "pause": pauses.get(nid),
        })
    edges: dict[tuple[str, str], dict[str, Any]] = {}
    for nid, node in scenario.nodes.items():
        for i, choice in enumerate(node.choices):
            a, b = nid, choice.goto
            via = sorted((n for n in x if n.startswith(f"{DUMMY}{a}>{b}>")), key=lambda n: row_of[n])
            edge = edges.setdefault((a, b), {
                "from": a, "to": b, "letters": [], "conditional": False,
                "direction": "down" if row_of[b] > row_of[a] else "back",
                "via": [[x[n], y[n]] for n in via],
            })
            edge["letters"].append(chr(ord("A") + i))
            edge["conditional"] = edge["conditional"] or choice.when is not None
    # ports: spread the downward edges along the bottom of their source and the top of their target
    downward = [e for e in edges.values() if e["direction"] == "down"]
    for end, field in (("from", "sx"), ("to", "ex")):
        groups: dict[str, list[dict[str, Any]]] = {}
        for e in downward:
            groups.setdefault(e[end], []).append(e)
        for group in groups.values():
            def toward(e: dict[str, Any]) -> float:
                if e["via"]:
                    return e["via"][0][0] if end == "from" else e["via"][-1][0]
                return x[e["to"]] if end == "from" else x[e["from"]]
            group.sort(key=toward)
            for i, e in enumerate(group):
                e[field] = ((i + 1) / (len(group) + 1) - 0.5) * 0.8
    return {
        "nodes": nodes,
        "edges": [{**e, "label": ",".join(e["letters"]), "sx": e.get("sx", 0.0), "ex": e.get("ex", 0.0)}
                  for e in edges.values()],
        "rows": len(rows), "widest": slots,
    }


# --------------------------------------------------------------------------------------------
# Data for each handout


def _meta(course: Course, paper: str, title: str) -> dict[str, Any]:
    language, _, region = course.settings.language.partition("-")
    return {
        "title": title,
        "course": course.settings.title,
        "subtitle": course.settings.subtitle,
        "author": course.settings.author,
        "lang": language if 2 <= len(language) <= 3 else "en",
        "region": region.upper() if len(region) == 2 else None,
        "paper": paper,
    }


def _letter(i: int) -> str:
    return chr(ord("A") + i)


def _role(role, learner: bool, private: bool) -> dict[str, Any]:
    return {
        "id": role.id, "name": role.name, "title": role.title, "brief": blocks(role.brief),
        "playable": role.playable, "learner": learner,
        # private information only ever travels with its own card, and never for scripted roles
        "private": blocks(role.private) if private and role.playable and role.private else [],
    }


def _cast(scenario: Scenario) -> list[dict[str, Any]]:
    return [_role(r, r.id == scenario.learner_role, private=False) for r in scenario.roles]


def _principles(course: Course, ids: list[str]) -> list[str]:
    names = {p.id: p.name for p in course.settings.principles}
    return [names.get(i, i) for i in ids]


def packet_data(course: Course, scenario: Scenario, paper: str) -> dict[str, Any]:
    numbers = section_numbers(scenario)
    learner = scenario.role(scenario.learner_role)
    sections, answers = [], []
    for nid in sorted(scenario.nodes, key=numbers.get):
        node = scenario.nodes[nid]
        speaker = scenario.role(node.speaker) if node.speaker else None
        choices = []
        for i, choice in enumerate(node.choices):
            choices.append({
                "letter": _letter(i), "label": plain_text(choice.label), "to": numbers[choice.goto],
                "when": condition_words(choice.condition) if choice.condition is not None else None,
                "effects": effect_words(choice.effects),
            })
            answers.append({
                "section": numbers[nid], "letter": _letter(i), "label": plain_text(choice.label),
                "feedback": blocks(choice.feedback),
                "upholds": _principles(course, choice.upholds), "violates": _principles(course, choice.violates),
            })
        sections.append({
            "n": numbers[nid], "text": blocks(node.text),
            "speaker": f"{speaker.name} ({speaker.title})" if speaker else None,
            "choices": choices,
            "ending": None if node.ending is None else {
                "kind": node.ending.kind, "title": node.ending.title, "debrief": blocks(node.ending.debrief)},
        })
    module = course.module(scenario.module) if any(m.id == scenario.module for m in course.modules) else None
    return {
        "meta": _meta(course, paper, f"{scenario.title}: scenario packet"),
        "scenario": {
            "id": scenario.id, "title": scenario.title, "summary": blocks(scenario.summary),
            "setting": scenario.setting, "content_notes": list(scenario.content_notes),
            "module": module.title if module else None, "feedback": scenario.feedback,
            "learner": _role(learner, True, False) if learner else None,
            "cast": _cast(scenario),
            "variables": [{"name": k, "description": v.description, "initial": v.initial, "min": v.min, "max": v.max}
                          for k, v in scenario.variables.items()],
            "debrief": [blocks(q) for q in scenario.debrief],
        },
        "sections": sections,
        "answers": answers,
    }


def roles_data(course: Course, scenario: Scenario, paper: str) -> dict[str, Any]:
    return {
        "meta": _meta(course, paper, f"{scenario.title}: role cards"),
        "scenario": {"id": scenario.id, "title": scenario.title},
        "cards": [_role(r, r.id == scenario.learner_role, private=True) for r in scenario.roles],
    }


def quickref_cards() -> list[dict[str, Any]]:
    """The quick-reference cards (data files beside the template), in file-name order."""
    cards = []
    for path in sorted(QUICKREF.glob("*.yml")):
        card = yaml.safe_load(path.read_text(encoding="utf-8"))
        card["id"] = path.stem.split("-", 1)[1] if path.stem[:2].isdigit() else path.stem
        cards.append(card)
    return cards


def quickref_data(course: Course, card: dict[str, Any], paper: str) -> dict[str, Any]:
    support = [{"name": s.name, "description": plain_text(s.description), "contact": s.contact,
                "localise": s.localise} for s in course.settings.support]
    return {
        "meta": _meta(course, paper, f"Quick reference: {card['title']}"),
        "card": card,
        "support": support if card.get("support") else [],
    }


def _hm(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


def _scenario_guide(course: Course, scenario: Scenario) -> dict[str, Any]:
    numbers = section_numbers(scenario)
    pause_nodes = [nid for nid in sorted(scenario.nodes, key=numbers.get) if scenario.nodes[nid].facilitator]
    pauses = {nid: i for i, nid in enumerate(pause_nodes, start=1)}
    failures = {f.id: f.title for f in course.settings.failures}
    return {
        "id": scenario.id, "title": scenario.title, "summary": blocks(scenario.summary),
        "setting": scenario.setting, "content_notes": list(scenario.content_notes),
        "feedback": scenario.feedback, "cast": _cast(scenario),
        "map": decision_map(scenario, numbers, pauses),
        "pauses": [{"n": pauses[nid], "section": numbers[nid], "id": nid,
                    "note": blocks(scenario.nodes[nid].facilitator)} for nid in pause_nodes],
        "endings": [{"section": numbers[nid], "id": nid, "kind": e.kind, "title": e.title}
                    for nid, e in sorted(scenario.endings.items(), key=lambda item: numbers[item[0]])],
        "debrief": [blocks(q) for q in scenario.debrief],
        "failures": [{"id": f, "title": failures.get(f, "")} for f in scenario.provenance.failures],
    }


def _module_guide(course: Course, module: Module, start: int) -> dict[str, Any]:
    scenarios = [course.scenario(sid) for sid in module.scenarios if any(s.id == sid for s in course.scenarios)]
    return {
        "id": module.id, "title": module.title, "summary": blocks(module.summary), "duration": module.duration,
        "start": _hm(start), "end": _hm(start + module.duration),
        "objectives": list(module.objectives),
        "discussion": [blocks(q) for q in module.discussion],
        "scenarios": [_scenario_guide(course, s) for s in scenarios],
        "checks": [{
            "id": check.id, "question": blocks(check.question),
            "options": [{"letter": _letter(i), "text": plain_text(o.text), "correct": o.correct,
                         "explanation": blocks(o.explanation)} for i, o in enumerate(check.options)],
            "answer": ", ".join(_letter(i) for i, o in enumerate(check.options) if o.correct),
        } for check in module.checks],
    }


def guide_data(course: Course, modules: list[Module], paper: str, title: str, scope: str = "course") -> dict[str, Any]:
    agenda, start = [], 0
    for module in modules:
        agenda.append(_module_guide(course, module, start))
        start += module.duration
    protocol = yaml.safe_load((TEMPLATES / "facilitator.yml").read_text(encoding="utf-8"))
    return {
        "meta": _meta(course, paper, title),
        "scope": scope,
        "modules": agenda,
        "total": sum(m.duration for m in modules),
        "total_hm": _hm(start),
        "protocol": protocol,
        "support": [{"name": s.name, "description": plain_text(s.description), "contact": s.contact,
                     "localise": s.localise} for s in course.settings.support],
        "glossary": [{"term": g.term, "definition": plain_text(g.definition)} for g in course.settings.glossary],
        "quickref": [c["title"] for c in quickref_cards()],
    }


def certificate_data(course: Course, paper: str) -> dict[str, Any]:
    return {
        "meta": _meta(course, paper, f"{course.settings.title}: certificate of completion"),
        "modules": [{"title": m.title, "duration": m.duration} for m in course.modules],
        "total_hm": _hm(sum(m.duration for m in course.modules)),
    }


# --------------------------------------------------------------------------------------------
# Planning and compiling


@dataclass(frozen=True)
class Job:
    path: str                          # relative output path, e.g. handouts/scenarios/x-packet.pdf
    template: str                      # file name in templates/typst
    data: Callable[[], dict[str, Any]]


def plan(course: Course, paper: str = "a4") -> list[Job]:
    """Every PDF the writer makes, in order (cheap: the data is built only when compiled)."""
    if paper not in PAPERS:
        raise ValueError(f"paper must be one of {', '.join(PAPERS)}, not {paper!r}")
    jobs: list[Job] = []
    for s in course.scenarios:
        jobs.append(Job(layout.packet_pdf(s.id), "packet.typ",
                        lambda s=s: packet_data(course, s, paper)))
        jobs.append(Job(layout.role_cards_pdf(s.id), "roles.typ",
                        lambda s=s: roles_data(course, s, paper)))
    for card in quickref_cards():
        jobs.append(Job(layout.quickref_pdf(card["id"]), "quickref.typ",
                        lambda card=card: quickref_data(course, card, paper)))
    jobs.append(Job(layout.facilitator_guide_pdf(), "facilitator.typ",
                    lambda: guide_data(course, list(course.modules), paper,
                                       f"{course.settings.title}: facilitator guide")))
    for m in course.modules:
        jobs.append(Job(layout.facilitator_guide_pdf(m.id), "facilitator.typ",
                        lambda m=m: guide_data(course, [m], paper, f"{m.title}: facilitator guide", "module")))
    jobs.append(Job(layout.CERTIFICATE_PDF, "certificate.typ", lambda: certificate_data(course, paper)))
    return jobs


@lru_cache(maxsize=1)
def _templates_digest() -> str:
    """A digest of every template and data file beside them: a change to any invalidates the cache."""
    digest = hashlib.sha256(typst.__version__.encode() if hasattr(typst, "__version__") else b"")
    for path in sorted(TEMPLATES.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(TEMPLATES)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def compile_pdf(template: str, data: dict[str, Any], cache: MutableMapping[str, bytes] | None = None) -> bytes:
    """Compile one template with ``data`` as ``sys.inputs.data`` (JSON); nothing else reaches Typst.

    With a ``cache`` (any mapping; the build passes one on disk), a PDF whose template, data and
    compiler are unchanged is not compiled again: Typst output is deterministic, so this is exact."""
    payload = json.dumps(data, ensure_ascii=False, sort_keys=True)
    key = hashlib.sha256(f"{_templates_digest()}\0{template}\0{payload}".encode()).hexdigest()
    if cache is not None and key in cache:
        return cache[key]
    try:
        pdf = typst.compile(
            str(TEMPLATES / template), root=str(TEMPLATES), format="pdf",
            sys_inputs={"data": payload}, font_paths=FONT_PATHS, ignore_system_fonts=True,
        )
    except typst.TypstError as error:
        raise HandoutError(f"{template}: {error}") from error
    if cache is not None:
        cache[key] = pdf
    return pdf


def write(course: Course, paper: str = "a4", on_progress: Callable[[str], None] | None = None,
          cache: MutableMapping[str, bytes] | None = None) -> dict[str, bytes]:
    """Every handout as ``{relative path: PDF bytes}``; ``on_progress(path)`` after each PDF."""
    out: dict[str, bytes] = {}
    for job in plan(course, paper):
        out[job.path] = compile_pdf(job.template, job.data(), cache)
        if on_progress is not None:
            on_progress(job.path)
    return out
