"""The JSON Schema of each course file, as ``branchbook schema`` prints it for editors.

It is pydantic's schema of the model, which is strict, so the checker and an editor accept the
same values. One thing pydantic leaves open is closed here: a mapping whose keys must match a
pattern (scene ids, variable names) gets ``additionalProperties: false``, as the model refuses
any other key. What JSON Schema cannot say (a ``when`` condition's grammar, graph rules) is left
to ``branchbook check``.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from .course import CourseSettings
from .module import Module
from .scenario import Scenario

MODELS: dict[str, type[BaseModel]] = {"scenario": Scenario, "module": Module, "course": CourseSettings}


def document(what: str) -> dict[str, Any]:
    """The schema of a scenario file, a module's front matter (without its reading) or course.yml."""
    schema = MODELS[what].model_json_schema()
    if what == "module":
        schema["properties"].pop("reading", None)
        schema["required"] = [r for r in schema.get("required", []) if r != "reading"]
    _close_pattern_maps(schema)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def _close_pattern_maps(node: Any) -> None:
    if isinstance(node, dict):
        if "patternProperties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            _close_pattern_maps(value)
    elif isinstance(node, list):
        for value in node:
            _close_pattern_maps(value)


def text(what: str) -> str:
    """:func:`document` as the file an editor reads: what `branchbook schema` prints and `init` writes."""
    return json.dumps(document(what), indent=2, sort_keys=True) + "\n"
