"""A scenario model kept by the check cache so that reading it back costs only what the rules across files read.

A warm check of a large course spent most of its time unpickling every scenario's model (about 0.2 ms
each: some sixty pydantic objects) for rules across files that read a handful of its fields. A
:class:`Deferred` scenario pickles those fields (:data:`FACTS`) apart from the whole model: unpickled,
it has them at hand, and any other field it is asked for loads the model first (:attr:`Deferred.model`),
so a rule reading another field is still answered right, only later. Of ``provenance`` and ``roles``
the facts keep only the failures and the names (a rule needing more reads ``.model``): the same in a
cold check as in a warm one, so a rule that needs more fails in every test, not only from the cache.
"""

from __future__ import annotations

import gc
import pickle
from typing import Any, NamedTuple

FACTS = ("id", "module", "references", "provenance", "roles")  # what course_rules and content_rules read


class _Provenance(NamedTuple):
    failures: tuple[str, ...]


class _Role(NamedTuple):
    name: str


def _facts(model: Any) -> dict[str, Any]:
    """:data:`FACTS` of a scenario; of its provenance only the failures and of its roles only the names, as
    plain tuples (its pydantic parts cost as much to unpickle as the rest of a cached result)."""
    return {"id": model.id, "module": model.module, "references": tuple(model.references),
            "provenance": _Provenance(tuple(model.provenance.failures)),
            "roles": tuple(_Role(role.name) for role in model.roles)}


class Deferred:
    """A model, or its pickle with :data:`FACTS` apart; attributes not among them come from the model."""

    def __init__(self, facts: dict[str, Any], model: Any = None, blob: bytes | None = None):
        self.__dict__.update(facts)
        self._model, self._blob = model, blob

    @classmethod
    def of(cls, model: Any) -> Deferred:
        return cls(_facts(model), model)

    @property
    def model(self) -> Any:
        if self._model is None:
            enabled = gc.isenabled()
            gc.disable()  # many small objects that all stay alive: nothing for the collector to find
            try:
                self._model, self._blob = pickle.loads(self._blob), None
            finally:
                if enabled:
                    gc.enable()
        return self._model

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def __getattr__(self, name: str) -> Any:  # only for what is not among the facts
        if name.startswith("__") or name in ("_model", "_blob"):
            raise AttributeError(name)
        return getattr(self.model, name)

    def __reduce__(self):
        blob = self._blob if self._blob is not None else pickle.dumps(self._model, protocol=pickle.HIGHEST_PROTOCOL)
        return Deferred, ({name: self.__dict__[name] for name in FACTS}, None, blob)


def model_of(item: Any) -> Any:
    """The model itself, whether ``item`` is one or a :class:`Deferred`."""
    return item.model if isinstance(item, Deferred) else item
