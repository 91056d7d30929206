"""Typst compilation of the handouts: one template plus its JSON data → PDF bytes, with an
exact cache, and two compiles at a time.

typst-py lets go of Python's GIL while it compiles (a Python thread kept running beside it,
measured), so threads are enough: no worker processes to start, and none of their pitfalls
(``spawn`` re-imports the caller's main script; ``fork`` is unsafe once Typst's own threads run).
The embedded fonts are read once and shared by every compile.
"""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Iterator, MutableMapping

import typst

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates" / "typst"
OUTPUT_VERSION = "2"       # part of the cache key: raise it when the bytes made from the same data change

# Typst marks its tagged PDFs ``/MarkInfo<</Marked true/Suspects false>>``. ``/Suspects false`` is
# the default (ISO 32000-1, 14.7.1), and poppler (pdftotext, pdfinfo, most Linux viewers) reports
# any false value as "Syntax Error: Suspects object is wrong type (boolean)". The key is removed
# and the bytes padded with spaces, so no cross-reference offset moves.
_MARK_INFO = b"/MarkInfo<</Marked true/Suspects false>>"
_MARK_INFO_CLEAN = b"/MarkInfo<</Marked true>>".ljust(len(_MARK_INFO))


class HandoutError(RuntimeError):
    """A template failed to compile (a bug in a template, not a problem in the course)."""


@lru_cache(maxsize=1)
def _templates_digest() -> str:
    """A digest of every template and data file beside them: a change to any invalidates the cache."""
    digest = hashlib.sha256(typst.__version__.encode() if hasattr(typst, "__version__") else b"")
    for path in sorted(TEMPLATES.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(TEMPLATES)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _payload(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def _key(template: str, payload: str) -> str:
    return hashlib.sha256(f"{OUTPUT_VERSION}\0{_templates_digest()}\0{template}\0{payload}".encode()).hexdigest()


@lru_cache(maxsize=1)
def _fonts() -> typst.Fonts:
    """The compiler's embedded fonts only (never the machine's), so every machine makes the same bytes."""
    return typst.Fonts(include_system_fonts=False, include_embedded_fonts=True, font_paths=[])


def _typst(template: str, payload: str) -> bytes:
    """The one call into Typst: the data reaches the template as ``sys.inputs.data`` and nothing else."""
    try:
        pdf = typst.compile(
            str(TEMPLATES / template), root=str(TEMPLATES), format="pdf",
            sys_inputs={"data": payload}, font_paths=_fonts(), ignore_system_fonts=True,
        )
    except typst.TypstError as error:
        raise HandoutError(f"{template}: {error}") from None
    return pdf.replace(_MARK_INFO, _MARK_INFO_CLEAN, 1)


def compile_pdf(template: str, data: dict[str, Any], cache: MutableMapping[str, bytes] | None = None) -> bytes:
    """Compile one template with ``data`` as ``sys.inputs.data`` (JSON).

    With a ``cache`` (any mapping; the build passes one on disk), a PDF whose template, data and
    compiler are unchanged is not compiled again: Typst output is deterministic, so this is exact."""
    return next(compile_many([(template, data)], cache))


def compile_many(jobs: Iterable[tuple[str, dict[str, Any]]], cache: MutableMapping[str, bytes] | None = None,
                 workers: int | None = None) -> Iterator[bytes]:
    """PDF bytes for each ``(template, data)``, in order. Cached PDFs come from the cache; the rest
    are compiled, ``workers`` at a time (default: one per core, at most two), each as soon as its
    data is there: ``jobs`` may be a generator that builds the data (0.7 of a cold run's 5.5
    processor seconds on the shipped course) while the first PDFs compile."""
    workers = min(2, os.cpu_count() or 1) if workers is None else workers
    pool = ThreadPoolExecutor(workers) if workers > 1 else None
    try:
        queued: list[tuple[str, Future[bytes] | tuple[str, str] | None]] = []
        for template, data in jobs:
            payload = _payload(data)
            key = _key(template, payload)
            if cache is not None and key in cache:
                queued.append((key, None))
            else:
                queued.append((key, pool.submit(_typst, template, payload) if pool else (template, payload)))
        for key, job in queued:
            if job is None:
                assert cache is not None
                yield cache[key]
                continue
            pdf = job.result() if isinstance(job, Future) else _typst(*job)
            if cache is not None:
                cache[key] = pdf
            yield pdf
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
