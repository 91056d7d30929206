"""Run one function over many items on every core, where that pays.

Worker processes are forked, so they inherit the function and everything it closes over (the
course settings, the per-file rules) without pickling it; only each item's result comes back,
pickled by the worker. Below :data:`MIN_ITEMS` items (starting workers costs more than it saves;
see docs/performance.md), on one core, in a process running other threads, or where ``fork`` is
unavailable, the items run here in order.
"""

from __future__ import annotations

import os
import pickle
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

MIN_ITEMS = 8

_work: Callable | None = None  # set in the parent just before forking; the workers inherit it


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def chunk_size(items: int, workers: int) -> int:
    """Items handed to a worker at a time: few enough that the workers finish together (at the end one
    may still work on its last chunk while the other waits: with 1,000 scenarios in chunks of 125, as
    before, that was up to two seconds), many enough that handing them out costs little."""
    return max(1, min(16, items // (workers * 8)))


def _run(item) -> bytes:
    assert _work is not None
    return pickle.dumps(_work(item), protocol=pickle.HIGHEST_PROTOCOL)


def map_pickled(work: Callable[[T], object], items: Sequence[T], prepare: Callable[[], object] | None = None
                ) -> Iterator[bytes] | None:
    """``pickle.dumps(work(item)) for item in items``, computed by forked workers and yielded in order as they
    come back (so the caller can use each, e.g. save it, while the workers go on); ``None`` when workers would
    not pay (then the caller runs ``work`` itself and keeps what it returns as is). ``prepare`` runs here once
    before forking: what every worker would otherwise do for itself."""
    workers = min(cores(), len(items))
    if len(items) < MIN_ITEMS or workers < 2 or threading.active_count() > 1:
        return None  # (a forked child of a threaded process, e.g. a server, can hang on a lock another thread held)
    import multiprocessing  # here: most checks never need it, and importing it costs start-up time

    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    return _forked(multiprocessing.get_context("fork"), work, items, workers, prepare)


def _forked(context, work: Callable[[T], object], items: Sequence[T], workers: int,
            prepare: Callable[[], object] | None) -> Iterator[bytes]:
    if prepare is not None:
        prepare()
    global _work
    _work = work
    try:
        with context.Pool(workers) as pool:
            yield from pool.imap(_run, items, chunksize=chunk_size(len(items), workers))
    finally:
        _work = None
