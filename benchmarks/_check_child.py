"""Run in a new process by the check benchmarks: load a course once and print what it cost, as JSON.

    python benchmarks/_check_child.py COURSE [--touch]

``--touch`` first checks (so that the cache is warm in memory), changes one scenario, and times the
check after that edit in the same process (as ``serve`` would).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

started = time.perf_counter()
from branchbook.load import load_course  # noqa: E402 - the import is part of what a new process pays
from branchbook.read import yaml_source  # noqa: E402

imported = time.perf_counter() - started
course = Path(sys.argv[1])
parses = 0
_parse = yaml_source.parse


def counting_parse(*args, **kwargs):
    global parses
    parses += 1
    return _parse(*args, **kwargs)


yaml_source.parse = counting_parse
if "--touch" in sys.argv:
    load_course(course)
    sys.path.insert(0, str(Path(__file__).parent))
    from _courses import touch_one_scenario

    touch_one_scenario(course)
    parses = 0


def cpu() -> float:
    """Processor seconds used so far by this process and its finished workers (less disturbed by a busy machine)."""
    own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


cpu_before = cpu()
started = time.perf_counter()
loaded = load_course(course)
seconds = time.perf_counter() - started
cpu_seconds = cpu() - cpu_before
print(json.dumps({
    "import_seconds": imported, "seconds": seconds, "cpu_seconds": cpu_seconds, "parses": parses,
    "errors": len(loaded.report.errors), "warnings": len(loaded.report.warnings),
    "notes": loaded.report.notes,
    "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "workers_max_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
}))
