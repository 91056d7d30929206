"""Rules about one scenario's graph: targets, reachability, dead ends, traps, endings, roles."""

from __future__ import annotations

from collections import deque
from typing import Iterable, Iterator

from ..messages import message
from ..model import Choice, Scenario
from ..problems import Problem, closest, did_you_mean
from ..source_map import SourceMap
from .partial import LeftOut

REQUIRED_KINDS = ("good", "harmful")  # every scenario has at least one ending of each (errors, not a course's bar)


def successors(scenario: Scenario) -> dict[str, list[str]]:
    """Scene id → ids its choices lead to (existing scenes only)."""
    return {nid: [c.goto for c in node.choices if c.goto in scenario.nodes] for nid, node in scenario.nodes.items()}


def reachable_from(starts: str | Iterable[str], edges: dict[str, list[str]]) -> set[str]:
    """Scenes reachable from ``starts`` (included) along ``edges``."""
    seen = {starts} if isinstance(starts, str) else set(starts)
    queue = deque(seen)
    while queue:
        for nxt in edges.get(queue.popleft(), []):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def _reaching(targets: Iterable[str], edges: dict[str, list[str]]) -> set[str]:
    """Scenes from which some path leads to one of ``targets`` (included): the search run backwards."""
    back: dict[str, list[str]] = {nid: [] for nid in edges}
    for nid, successors_ in edges.items():
        for target in successors_:
            back[target].append(nid)
    return reachable_from(targets, back)


def check(scenario: Scenario, marks: SourceMap, left_out: LeftOut = LeftOut(), lang: str = "en") -> Iterator[Problem]:
    """``left_out``: what lenient validation left out; rules that would need it are skipped. ``lang``: the
    course's language, for the messages."""
    def say(key: str, **values: object) -> str:
        return message(f"check.graph.{key}", lang, **values)

    nodes = scenario.nodes
    known_nodes = set(nodes) | left_out.ids("nodes")
    lowered_left_out = [nid.lower() for nid in left_out.ids("nodes")]  # a goto may mean one, e.g. one with a bad id
    role_ids = [r.id for r in scenario.roles]
    seen_roles: set[str] = set()
    for i, role in enumerate(scenario.roles):
        if role.id in seen_roles:
            yield marks.problem(("roles", i, "id"), say("role_twice", id=role.id), say("role_twice_hint"))
        seen_roles.add(role.id)
    learner = scenario.role(scenario.learner_role)
    roles_known = not left_out.touches("roles") and not left_out.touches("learner_role")
    if roles_known and learner is None:
        yield marks.problem(("learner_role",), say("learner_unknown", id=scenario.learner_role),
                            did_you_mean(scenario.learner_role, role_ids, language=lang))
    elif learner is not None and not learner.playable:
        yield marks.problem(("learner_role",), say("learner_scripted", id=learner.id), say("learner_scripted_hint"))
    if scenario.start not in known_nodes and not left_out.touches("start"):
        yield marks.problem(("start",), say("start_unknown", id=scenario.start),
                            did_you_mean(scenario.start, nodes, language=lang))
    broken: set[str] = set()  # scenes whose own fault (a dead end, a dangling goto) explains what follows
    suggested: set[str] = set()  # scenes a dangling goto probably meant
    for nid, node in nodes.items():
        if node.speaker is not None and node.speaker not in role_ids and not left_out.touches("roles"):
            yield marks.problem(("nodes", nid, "speaker"), say("speaker_unknown", id=node.speaker),
                                did_you_mean(node.speaker, role_ids, language=lang))
        shape_known = not _shape_cut(left_out, nid)
        if shape_known and node.ending and node.choices:
            yield marks.problem(("nodes", nid, "ending"), say("choices_and_ending", id=nid), say("choices_and_ending_hint"))
        elif shape_known and not node.ending and not node.choices:
            broken.add(nid)
            yield marks.problem(("nodes", nid, "[key]"), say("dead_end", id=nid), say("dead_end_hint"))
        for i, choice in enumerate(node.choices):
            if choice.goto not in known_nodes and not closest(choice.goto.lower(), lowered_left_out):
                broken.add(nid)
                hint = did_you_mean(choice.goto, nodes, language=lang)
                suggested.add(closest(choice.goto, nodes) or choice.goto)
                yield marks.problem(("nodes", nid, "choices", i, "goto"), say("goto_unknown", id=choice.goto), hint)
            if not left_out.touches("nodes", nid, "choices", i):
                yield from _choice_warnings(choice, ("nodes", nid, "choices", i), marks, say)
    if _shape_cut(left_out) or left_out.touches("start"):
        return  # a left-out scene, ending or choice would change what is reachable and how it ends
    kinds = {e.kind for e in scenario.endings.values()}
    for kind in REQUIRED_KINDS:
        if kind not in kinds:
            yield marks.problem(("nodes", "[key]"), say("no_ending", kind=kind), say("no_ending_hint"))
    if scenario.start not in nodes:
        return
    edges = successors(scenario)
    reachable = reachable_from(scenario.start, edges)
    for nid in nodes:
        if nid not in reachable and nid not in suggested:
            yield marks.problem(("nodes", nid, "[key]"), say("unreachable", id=nid), say("unreachable_hint"))
    finishing = _reaching(scenario.endings, edges)
    explained = _reaching(broken, edges)
    for nid in sorted(reachable - finishing - explained, key=list(nodes).index):
        if nodes[nid].choices:
            yield marks.problem(("nodes", nid, "[key]"), say("trap", id=nid), say("trap_hint"))


def _shape_cut(left_out: LeftOut, nid: str | None = None) -> bool:
    """Whether a scene (``nid``, or any), its ending, or one of its choices was left out, which
    changes the graph; a left-out choice field (feedback, effects, when) does not."""
    return any(path[0] == "nodes" and (len(path) <= 2 or (len(path) == 3 and path[2] in ("choices", "ending")))
               and (nid is None or path[1:2] in ((), (nid,))) for path in left_out.paths)


def _choice_warnings(choice: Choice, at: tuple, marks: SourceMap, say) -> Iterator[Problem]:
    """What a choice lacks to teach anything: feedback, and a principle it upholds or violates."""
    both = set(choice.upholds) & set(choice.violates)
    if both:
        yield marks.problem(at + ("upholds",), say("upheld_and_violated", id=sorted(both)[0]),
                            say("upheld_and_violated_hint"), "warning")
    if not choice.feedback:
        yield marks.problem(at + ("label",), say("no_feedback"), say("no_feedback_hint"), "warning")
    if not choice.upholds and not choice.violates:
        yield marks.problem(at + ("label",), say("no_principle"), say("no_principle_hint"), "warning")
