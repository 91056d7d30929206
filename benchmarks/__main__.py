"""``python -m benchmarks [NAME…] [--quick] [--json FILE]``: run the benchmarks, print a table, then JSON."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

from . import registry


def machine() -> dict:
    """What the figures were measured on (they mean little without it)."""
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() \
        else platform.processor()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return {"cpu": model, "cores": os.cpu_count(), "python": platform.python_version(), "system": platform.platform(),
            "load_average_at_start": load, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def main(argv: list[str] | None = None) -> int:
    benchmarks = registry()
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split(":", 1)[1].strip())
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"benchmarks to run (default: all of {', '.join(benchmarks)})")
    parser.add_argument("--quick", action="store_true", help="small versions, to see that each still runs")
    parser.add_argument("--json", type=Path, help="also write the JSON to this file")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in benchmarks]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(benchmarks)}")
    about = machine()
    rows = []
    for name in args.names or benchmarks:
        print(f"running {name}…", file=sys.stderr, flush=True)
        rows += benchmarks[name](args.quick)
    width = max(len(r.what) for r in rows) if rows else 10
    print(f"{'benchmark':<12} {'what':<{width}} {'value':>10}  {'unit':<5} {'goal':<10} note")
    for r in rows:
        print(f"{r.benchmark:<12} {r.what:<{width}} {r.value:>10.3f}  {r.unit:<5} {r.goal:<10} {r.note}")
    document = json.dumps({"machine": about, "quick": args.quick, "rows": [r.as_dict() for r in rows]}, indent=2)
    print(document)
    if args.json:
        args.json.write_text(document + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
