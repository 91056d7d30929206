"""Write scenario data as a scenario file an author would have written: fields in the schema's
order, multi-line text as ``|`` blocks, and a header that says what is left to fill in."""

from __future__ import annotations

import yaml

from .model import Scenario


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data) -> bool:  # the reader refuses aliases: never write one
        return True


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value.rstrip("\n") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value.rstrip("\n") + "\n" if style else value, style=style)


_Dumper.add_representer(str, _text)


def _ordered(data: dict) -> dict:
    order = list(Scenario.model_fields)
    return dict(sorted(data.items(), key=lambda item: order.index(item[0]) if item[0] in order else len(order)))


def dump(data: dict, header: str) -> str:
    body = yaml.dump(_ordered(data), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return "".join(f"# {line}\n".replace("# \n", "#\n") for line in header.split("\n")) + body
