"""Work spread over forked workers comes back complete and in order, and every worker gets a share."""

from __future__ import annotations

import os
import pickle
import threading
import time

import pytest

from branchbook import parallel

pytestmark = pytest.mark.skipif(parallel.cores() < 2 or threading.active_count() > 1,
                                reason="workers are used only on several cores, in a process without other threads")


def work(item: int) -> tuple[int, int]:
    time.sleep(0.002)  # (a little work, so that no worker finishes everything before the other starts)
    return item * item, os.getpid()


def test_every_result_comes_back_in_order_and_both_workers_share_the_work(monkeypatch):
    monkeypatch.setattr(parallel, "MIN_ITEMS", 1)
    items = list(range(200))
    results = [pickle.loads(blob) for blob in parallel.map_pickled(work, items)]
    assert [square for square, _ in results] == [i * i for i in items]
    done_by = {}
    for _, pid in results:
        done_by[pid] = done_by.get(pid, 0) + 1
    assert os.getpid() not in done_by and len(done_by) == min(parallel.cores(), len(items))
    assert min(done_by.values()) >= len(items) / (3 * len(done_by))  # no worker left with a sliver


def test_below_the_threshold_nothing_is_forked(monkeypatch):
    monkeypatch.setattr(parallel, "MIN_ITEMS", 10)
    assert parallel.map_pickled(work, list(range(9))) is None


def test_chunks_are_small_enough_to_finish_together():
    for items in (16, 100, 1007, 100_000):
        size = parallel.chunk_size(items, 2)
        assert 1 <= size and items / size >= min(items, 2 * 8)  # at least eight chunks a worker, or one item each
