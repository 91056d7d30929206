"""The checker and the JSON Schema from `branchbook schema` accept and reject the same scenario files.

Random scenario files, valid ones and ones damaged with values of the wrong type, unknown fields,
bad literals, bad ids and missing fields, are written as YAML and read back by the checker's own
reader. On each, the checker's schema-level verdict (graph and course-wide rules aside) must match
a real JSON Schema validator's; and the partial model the checker keeps of a damaged file must
never crash the rules that run over it.
"""

from __future__ import annotations

import json

import jsonschema
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from branchbook.check import graph, schema, states
from branchbook.cli import main
from branchbook.model import Scenario, conditions
from branchbook.read import yaml_source

VALIDATOR = jsonschema.Draft202012Validator(json.loads(CliRunner().invoke(main, ["schema"]).output))

words = st.sampled_from(["A chair.", "Kit asks for a meeting.", "Why it helps.", "Line one\n\nLine two"])
CONDITIONS = ["trust >= 1", "not risk < 2", "(trust > 0 or risk == 3)"]


@st.composite
def valid_scenarios(draw) -> dict:
    count = draw(st.integers(2, 5))
    ids = [f"scene-{i}" for i in range(count)]
    variables = {"trust": {"initial": 1, "min": 0, "max": 4}, "risk": {"initial": 0}}
    nodes: dict = {}
    for i, nid in enumerate(ids):
        node: dict = {"text": draw(words)}
        if draw(st.booleans()):
            node["speaker"] = draw(st.sampled_from(["chair", "member"]))
        if i == count - 1 or draw(st.integers(0, 3)) == 0:
            node["ending"] = {"kind": draw(st.sampled_from(["good", "mixed", "harmful"])), "title": "An end",
                              "debrief": draw(words)}
        else:
            node["choices"] = []
            for target in draw(st.lists(st.sampled_from(ids[i + 1:]), min_size=1, max_size=3)):
                choice: dict = {"label": "Go on", "goto": target, "feedback": draw(words),
                                draw(st.sampled_from(["upholds", "violates"])): ["safety"]}
                if draw(st.booleans()):
                    choice["effects"] = {"trust": draw(st.integers(-2, 2))}
                if draw(st.booleans()):
                    choice["when"] = draw(st.sampled_from(CONDITIONS))
                node["choices"].append(choice)
        nodes[nid] = node
    data = {
        "id": "random-one", "title": "A random scenario", "module": "basics", "summary": draw(words),
        "content_notes": ["a report of harassment (mentioned)"],
        "provenance": {"failures": ["F09"]},
        "learner_role": "chair",
        "roles": [{"id": "chair", "name": "Alex Rivera", "title": "Chair", "brief": "You chair."},
                  {"id": "member", "name": "Kit Moreau", "title": "Member", "brief": "Kit reported.",
                   "playable": False}],
        "start": ids[0], "nodes": nodes, "debrief": ["What did Kit need?"],
    }
    if draw(st.booleans()):
        data["variables"] = variables
    if draw(st.booleans()):
        data["feedback"] = draw(st.sampled_from(["immediate", "end"]))
    return data


wrong_values = st.one_of(
    st.integers(-3, 3), st.booleans(), st.none(),
    st.floats(allow_nan=False, allow_infinity=False, width=32), st.sampled_from([2.0, 2.5, -1.0]),
    st.sampled_from(["+1", "2", "-1", "no", "yes", "true", "", "harmfull", "Good", "End", "Bad_Id", "con",
                     "x" * 70, "a\x07b", "F9", "scene-9", "chair"]),
    st.just([]), st.just({}), st.lists(st.sampled_from(["a", "safety", "1"]), max_size=2),
    st.fixed_dictionaries({"text": words}),
)


def paths(data, path=()):
    """Every (path, value) inside ``data``."""
    yield path, data
    if isinstance(data, dict):
        for key, value in data.items():
            yield from paths(value, path + (key,))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from paths(value, path + (i,))


def at(data, path):
    for part in path:
        data = data[part]
    return data


@st.composite
def damaged(draw, data: dict) -> dict:
    """``data`` with up to three changes: a value replaced, a field added, a field or entry removed,
    a key renamed."""
    for _ in range(draw(st.integers(0, 3))):
        places = list(paths(data))
        typed = [(p, v) for p, v in places if isinstance(v, (bool, int)) or p[-1:] in (("kind",), ("feedback",))]
        path, value = draw(st.sampled_from(typed if typed and draw(st.booleans()) else places))
        how = draw(st.sampled_from(["replace", "replace", "add", "remove", "rename"]))
        if how == "replace" and path:
            at(data, path[:-1])[path[-1]] = draw(wrong_values)
        elif how == "add" and isinstance(value, dict):
            value[draw(st.sampled_from(["feedbak", "tittle", "extra", "Text", "scene-9"]))] = draw(wrong_values)
        elif how == "remove" and path:
            parent = at(data, path[:-1])
            del parent[path[-1]]
        elif how == "rename" and path and isinstance(path[-1], str):
            parent = at(data, path[:-1])
            parent[draw(st.sampled_from(["Bad_Id", "con", "scene_x", "a" * 70]))] = parent.pop(path[-1])
    return data


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):
    def ignore_aliases(self, data) -> bool:  # a value used twice is written twice, as an author would
        return True


def conditions_parse(data) -> bool:
    """Whether every ``when`` text parses: the condition grammar is beyond JSON Schema."""
    for path, value in paths(data):
        if path and path[-1] == "when" and isinstance(value, str):
            try:
                conditions.parse(value)
            except conditions.ConditionError:
                return False
    return True


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=valid_scenarios().flatmap(damaged))
def test_checker_and_json_schema_accept_and_reject_the_same_files(data):
    assume(conditions_parse(data))
    text = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False)
    read, marks, reader_problems = yaml_source.parse(text, "scenarios/random-one.yml")
    assert not reader_problems, [p.format() for p in reader_problems]
    problems, kept = schema.validate_partly(Scenario, read, marks, "scenario")
    schema_errors = [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(read)]
    assert (not problems) == (not schema_errors), (
        f"checker: {[p.format() for p in problems]}\nJSON Schema: {schema_errors}\nfile:\n{text}")
    for problem in problems:
        assert problem.hint, problem.format()
    if kept is not None:  # the rules that run over what was kept neither crash nor point nowhere
        found = [*graph.check(kept.item, kept.marks, kept.left_out),
                 *states.check(kept.item, kept.marks, left_out=kept.left_out)]
        lines = text.count("\n") + 1
        assert all(1 <= p.line <= lines for p in found), [p.format() for p in found]


def test_the_damage_the_issue_names_is_refused_by_both():
    base = {"trust": {"initial": 1}}
    for variables in ({"trust": {"initial": "2"}}, base):
        for effect in ("+1", True, 1):
            for playable in ("no", False):
                data = {"id": "s", "title": "T", "module": "m", "summary": "S.", "content_notes": ["n"],
                        "provenance": {"failures": ["F09"]}, "learner_role": "chair",
                        "roles": [{"id": "chair", "name": "A", "title": "C", "brief": "B.", "playable": playable}],
                        "variables": variables, "start": "a",
                        "nodes": {"a": {"text": "A.", "choices": [{"label": "L", "goto": "b", "effects": {"trust": effect}}]},
                                  "b": {"text": "B.", "ending": {"kind": "good", "title": "E", "debrief": "D."}}},
                        "debrief": ["Q?"]}
                read, marks, _ = yaml_source.parse(yaml.safe_dump(data), "s.yml")
                problems, _ = schema.validate_partly(Scenario, read, marks, "scenario")
                clean = variables is base and type(effect) is int and playable is False
                assert (not problems) == clean == VALIDATOR.is_valid(read), (variables, effect, playable)
