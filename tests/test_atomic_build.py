"""A build killed at any moment (SIGKILL) leaves the previous site exactly as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from branchbook.build import build
from branchbook.load import load_course

pytestmark = pytest.mark.slow

KILL_AFTER = [0.2, 0.8, 1.5, 2.5, 3.5, 5.0]  # seconds: spans checking, generating, Sphinx reading and writing


def snapshot(site: Path) -> dict[str, bytes]:
    return {str(p.relative_to(site)): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def test_killed_builds_leave_the_previous_site(mini_course: Path):
    build(load_course(mini_course).course, handouts=False)
    live = mini_course / "book" / "_build" / "html"
    before = snapshot(live)
    scenario = mini_course / "scenarios" / "noticeboard.yml"
    killed = 0
    for i, delay in enumerate(KILL_AFTER):
        scenario.write_text(scenario.read_text().replace("Jo goes quiet", f"Jo goes quiet ({i})"))
        process = subprocess.Popen([sys.executable, "-m", "branchbook", "build", str(mini_course), "--no-handouts",
                                    "--all"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
        time.sleep(delay)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            killed += 1
        process.wait()
        after = snapshot(live)
        if process.returncode == 0 or after != before:
            # it swapped the new site in before the kill (a kill can land between the swap and the exit):
            # then that new site is live, whole, and it is the previous site for the next build
            page = after.get("scenarios/noticeboard.html", b"").decode("utf-8")
            assert f"Jo goes quiet ({i})" in page and after.keys() == before.keys(), \
                f"site damaged by a build killed after {delay}s"
            before = after
    assert killed >= 3, "the kills came too late to test anything"
    result = build(load_course(mini_course).course, handouts=False)  # no false 'edited by hand' after kills
    assert "(5)" in (result.site / "scenarios" / "noticeboard.html").read_text()
    assert not list((mini_course / "book" / "_build").glob(".next-*"))
