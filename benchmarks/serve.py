"""How fast an edit reaches the author: ``branchbook serve`` measured through a real browser page,
and the one-scenario-edit ``build`` against the Jupyter Book 1 CLI on the same generated sources.

    python -m benchmarks.serve [COURSE] [--quick] [--json]     (or all benchmarks: python -m benchmarks)

- serve, scenario edit: save a new word into a scenario's first scene, then time until the open
  page (headless Chromium) shows it: the page's own clock (``performance.timeOrigin + now()``)
  when the text is there, minus the moment the file was written. Median of at least 5 edits.
  serve hands the open page the new player in place, so the page should not load again: the
  page loads during the edits are counted too.
- serve, module edit: the same for a word added to a module's reading (waits for Sphinx; the
  page then shows the rebuilt page's changes in place, so it should not load again either). Each
  save comes a few seconds after the site caught up with the last (an author's pause). Also
  reported: serve's own time from a scenario save to the event that hands the page its new player
  (the check included).
- build ratio: ``branchbook build --no-handouts`` (the whole command) after a one-scenario edit,
  against ``jupyter-book build`` of a second copy of the same generated sources after the same
  edit (the issue's method), each the median of several edits.

``--quick`` uses the small fixture course and fewer repetitions, so a test can run it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from . import Row
from ._courses import REPO, copy_course

FIXTURE = REPO / "tests" / "fixtures" / "mini"
CHROMIUM = "/usr/bin/chromium"
FIRST_BUILD_S = 900
STEP_S = 300
PAUSE_S = 5  # an author's pause between saves, after the site has caught up


def first_scene(course: Path) -> tuple[Path, str]:
    """A scenario file and a word of its first scene's text that occurs nowhere else in the file."""
    from branchbook.load import load_course

    for scenario in load_course(course).course.scenarios:
        path = course / "scenarios" / f"{scenario.id}.yml"
        source = path.read_text(encoding="utf-8")
        words = [w for w in re.findall(r"[A-Za-z]{4,}", scenario.nodes[scenario.start].text)
                 if len(re.findall(rf"\b{w}\b", source)) == 1]
        if words:
            return path, max(words, key=len)
    raise RuntimeError(f"no scenario in {course} has a first-scene word found once in its file")


def token(i: int) -> str:
    return "Marigold" + "abcdefghijklmnopqrstuvwxyz"[i % 26] * 2 + "x"


def replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


class Serve:
    def __init__(self, course: Path):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.log: list[str] = []
        self.process = subprocess.Popen([sys.executable, "-m", "branchbook", "serve", str(course), "--port",
                                         str(self.port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        env=dict(os.environ, PYTHONUNBUFFERED="1"))
        threading.Thread(target=lambda: self.log.extend(iter(self.process.stdout.readline, "")), daemon=True).start()

    def wait_for(self, pattern: str, since: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            if any(re.search(pattern, line) for line in self.log[since:]):
                return
            time.sleep(0.05)
        raise RuntimeError(f"serve did not print /{pattern}/:\n" + "".join(self.log[-30:]))

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()


SHOWN = """([selector, word]) => {
  const place = document.querySelector(selector);
  return place && place.textContent.includes(word) ? performance.timeOrigin + performance.now() : false;
}"""


def edit_latencies(page, serve: Serve, url: str, selector: str, edits: int, edit) -> tuple[list[float], int]:
    """Seconds from each save (``edit(i)`` writes it and returns the word) to the word on the page,
    and how many times the page loaded again meanwhile."""
    page.goto(url)
    page.wait_for_selector(selector)
    loads = []

    def loaded(_) -> None:
        loads.append(1)

    page.on("load", loaded)
    times = []
    for i in range(edits):
        since = len(serve.log)
        saved = time.time()
        word = edit(i)
        shown = page.wait_for_function(SHOWN, arg=[selector, word], polling=10, timeout=STEP_S * 1000).json_value()
        times.append(shown / 1000 - saved)
        serve.wait_for(r"^site rebuilt", since, STEP_S)  # settled before the next save
        time.sleep(PAUSE_S)
    page.remove_listener("load", loaded)
    return times, len(loads)


def serve_latency(source: Path, edits: int) -> dict:
    from playwright.sync_api import sync_playwright

    from branchbook.load import load_course

    with tempfile.TemporaryDirectory() as tmp:
        course = copy_course(source, Path(tmp) / "course")
        scenario_file, word = first_scene(course)
        module = load_course(course).course.modules[0]
        module_file = course / "modules" / f"{module.id}.md"
        serve = Serve(course)
        try:
            serve.wait_for(r"^site rebuilt", 0, FIRST_BUILD_S)
            time.sleep(PAUSE_S)
            url = f"http://127.0.0.1:{serve.port}/"
            current = [word]

            def edit_scenario(i: int) -> str:
                replace_once(scenario_file, current[0], token(i))
                current[0] = token(i)
                return current[0]

            def edit_module(i: int) -> str:
                text = module_file.read_text(encoding="utf-8").rstrip("\n")
                module_file.write_text(text + f"\n\nAdded for timing: {token(i)}.\n", encoding="utf-8")
                return token(i)

            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                     args=["--no-sandbox", "--disable-gpu"])
                page = browser.new_page()
                scenario, scenario_loads = edit_latencies(page, serve, f"{url}scenarios/{scenario_file.stem}.html",
                                          ".bb-player .bb-view", edits, edit_scenario)
                reading, reading_loads = edit_latencies(page, serve, f"{url}modules/{module.id}.html", "main", edits, edit_module)
                browser.close()
        finally:
            serve.stop()
    # serve's own account: from the save's arrival to the event with the new player (check and render included)
    reported = [float(m.group(1)) for line in serve.log if (m := re.search(r"\(([\d.]+) s after the save\)", line))]
    return {"scenario_edit_s": summary(scenario), "scenario_edit_page_loads": scenario_loads,
            "module_edit_s": summary(reading), "module_edit_page_loads": reading_loads,
            "scenario_update_sent_s": summary(reported) if reported else None}


def timed(command: list[str], cwd: Path | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def build_ratio(source: Path, edits: int) -> dict:
    """``branchbook build --no-handouts`` against ``jupyter-book build`` after the same one-scenario edit."""
    from branchbook import output
    from branchbook.build import generated_files
    from branchbook.load import load_course
    from branchbook.write import WriteOptions

    bb = [sys.executable, "-m", "branchbook", "build", "--no-handouts"]
    with tempfile.TemporaryDirectory() as tmp:
        ours, theirs = copy_course(source, Path(tmp) / "ours"), copy_course(source, Path(tmp) / "theirs")
        for course in (ours, theirs):
            subprocess.run([*bb, str(course)], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        jupyter_book = [shutil.which("jupyter-book") or "jupyter-book", "build", "."]
        timed(jupyter_book, theirs / "book")  # its own first build, in its own _build/html
        files = {course: first_scene(course) for course in (ours, theirs)}
        build_s, jb_s = [], []
        for i in range(edits):
            for course, (path, word) in files.items():
                replace_once(path, word if i == 0 else token(i - 1), token(i))
            build_s.append(timed([*bb, str(ours)]))
            generated = generated_files(load_course(theirs).course, WriteOptions(handouts=False))  # not timed: the same sources
            book = theirs / "book"
            output.apply(book, generated, output.plan(book, generated))
            jb_s.append(timed(jupyter_book, book))
    build, jb = summary(build_s), summary(jb_s)
    return {"build_one_edit_s": build, "jb1_cli_one_edit_s": jb, "build_vs_jb1": round(build["median"] / jb["median"], 2)}


def summary(samples: list[float]) -> dict:
    return {"median": round(statistics.median(samples), 3), "samples": [round(s, 3) for s in samples]}


def run(quick: bool) -> list[Row]:
    """The rows for ``python -m benchmarks``: the issue's serve and build-ratio figures."""
    result = measure(quick)
    serve, build = result["serve"], result["build"]
    samples = lambda found: f"median of {len(found['samples'])}: {found['samples']}"  # noqa: E731
    sent = serve["scenario_update_sent_s"]
    return [
        Row("serve", "save one scenario → open page shows it", serve["scenario_edit_s"]["median"], "s", "≤ 0.5",
            f"{samples(serve['scenario_edit_s'])}; page loads: {serve['scenario_edit_page_loads']}"),
        *([Row("serve", "save one scenario → new player sent (serve's log)", sent["median"], "s", "",
               samples(sent))] if sent else []),
        Row("serve", "save a module reading → page shows it", serve["module_edit_s"]["median"], "s", "≤ 2",
            f"{samples(serve['module_edit_s'])}; page loads: {serve['module_edit_page_loads']}"),
        Row("serve", "one-scenario-edit build --no-handouts (whole command)", build["build_one_edit_s"]["median"], "s",
            "", samples(build["build_one_edit_s"])),
        Row("serve", "JB1 CLI rebuild of the same sources after the same edit", build["jb1_cli_one_edit_s"]["median"],
            "s", "", samples(build["jb1_cli_one_edit_s"])),
        Row("serve", "one-scenario-edit build ÷ JB1 CLI", build["build_vs_jb1"], "×", "≤ 1.2"),
    ]


def measure(quick: bool, course: Path | None = None) -> dict:
    source = course or (FIXTURE if quick else REPO)
    edits = 5 if quick else 7
    result = {"course": str(source), "cpus": os.cpu_count(), "load_average": os.getloadavg()[0]}
    result["serve"] = serve_latency(source, edits)
    result["build"] = build_ratio(source, 1 if quick else 3)
    return result


def table(result: dict) -> str:
    serve, build = result["serve"], result["build"]
    rows = [("save one scenario → open page shows it (serve)", f"{serve['scenario_edit_s']['median']:.2f} s", "≤ 0.5 s"),
            ("save a module reading → page shows it (serve)", f"{serve['module_edit_s']['median']:.2f} s", "≤ 2 s"),
            ("one-scenario-edit build --no-handouts", f"{build['build_one_edit_s']['median']:.2f} s", ""),
            ("JB1 CLI rebuild, same sources and edit", f"{build['jb1_cli_one_edit_s']['median']:.2f} s", ""),
            ("build / JB1", f"{build['build_vs_jb1']:.2f}×", "≤ 1.2×")]
    width = max(len(r[0]) for r in rows)
    return "\n".join(f"{what:<{width}}  {value:>9}  {goal}" for what, value, goal in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("course", nargs="?", type=Path, default=None)
    parser.add_argument("--quick", action="store_true", help="the small fixture course, fewer edits")
    parser.add_argument("--json", action="store_true", help="print JSON only")
    args = parser.parse_args()
    result = measure(args.quick, args.course)
    print(json.dumps(result, indent=1) if args.json else table(result) + "\n\n" + json.dumps(result))


if __name__ == "__main__":
    main()
