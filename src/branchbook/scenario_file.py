"""Write scenario data as a scenario file an author would have written: fields in the schema's
order, multi-line text as ``|`` blocks, and a header that says what is left to fill in."""

from __future__ import annotations

import yaml

from .model.scenario import Choice, Ending, Node, Provenance, Role, Scenario, Variable


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data) -> bool:  # the reader refuses aliases: never write one
        return True


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value.rstrip("\n") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value.rstrip("\n") + "\n" if style else value, style=style)


def _list(dumper: yaml.SafeDumper, value: list) -> yaml.SequenceNode:
    """Ids and short words on one line (``upholds: [safety]``), as the template writes them."""
    short = all(isinstance(v, (str, int)) and "\n" not in str(v) and len(str(v)) <= 40 for v in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=short and bool(value))


_Dumper.add_representer(str, _text)
_Dumper.add_representer(list, _list)


_INSIDE = {  # where each model's objects sit in a scenario file: (field, how many levels of list/map first)
    Scenario: {"provenance": (Provenance, 0), "roles": (Role, 1), "variables": (Variable, 1), "nodes": (Node, 1)},
    Node: {"choices": (Choice, 1), "ending": (Ending, 0)},
}


def _ordered(data: dict, model: type = Scenario) -> dict:
    """Fields in the order the model declares them (label before goto, id before name…), all the way down."""
    order = list(model.model_fields)
    out = {}
    for key in sorted(data, key=lambda k: order.index(k) if k in order else len(order)):
        value = data[key]
        inner = _INSIDE.get(model, {}).get(key)
        if inner and inner[1] and isinstance(value, list):
            value = [_ordered(v, inner[0]) if isinstance(v, dict) else v for v in value]
        elif inner and inner[1] and isinstance(value, dict):
            value = {k: _ordered(v, inner[0]) if isinstance(v, dict) else v for k, v in value.items()}
        elif inner and isinstance(value, dict):
            value = _ordered(value, inner[0])
        out[key] = value
    return out


def dump(data: dict, header: str) -> str:
    body = yaml.dump(_ordered(data), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return "".join(f"# {line}\n".replace("# \n", "#\n") for line in header.split("\n")) + body
