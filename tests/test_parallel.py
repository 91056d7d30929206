"""Work spread over forked workers comes back complete and in order, and every worker gets a share."""

from __future__ import annotations

import ast
import os
import subprocess
import sys

import pytest

from branchbook import parallel

pytestmark = pytest.mark.skipif(parallel.cores() < 2, reason="workers are used only on several cores")

SHARED = """
import os, pickle, sys, time
from branchbook import parallel

def work(item):
    time.sleep(0.002)  # (a little work, so that no worker finishes everything before the other starts)
    return item * item, os.getpid()

parallel.MIN_ITEMS = 1
items = list(range(200))
results = [pickle.loads(blob) for blob in parallel.map_pickled(work, items)]
print(repr((os.getpid(), parallel.cores(), results)))
"""


def work(item: int) -> int:
    return item * item


def test_every_result_comes_back_in_order_and_both_workers_share_the_work():
    # in a new process: this one may run other threads (the browser tests leave some), and workers are never
    # forked from a process with threads
    done = subprocess.run([sys.executable, "-c", SHARED], capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    parent, cores, results = ast.literal_eval(done.stdout.strip())
    assert [square for square, _ in results] == [i * i for i in range(200)]
    done_by = {}
    for _, pid in results:
        done_by[pid] = done_by.get(pid, 0) + 1
    assert parent not in done_by and len(done_by) == min(cores, len(results))
    assert min(done_by.values()) >= len(results) / (3 * len(done_by))  # no worker left with a sliver


def test_below_the_threshold_nothing_is_forked(monkeypatch):
    monkeypatch.setattr(parallel, "MIN_ITEMS", 10)
    assert parallel.map_pickled(work, list(range(9))) is None


def test_chunks_are_small_enough_to_finish_together():
    for items in (16, 100, 1007, 100_000):
        size = parallel.chunk_size(items, 2)
        assert 1 <= size and items / size >= min(items, 2 * 8)  # at least eight chunks a worker, or one item each
