"""Scratch courses for the benchmarks: a copy of a course's sources, or one grown to N scenarios."""

from __future__ import annotations

import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

from branchbook.read import overlay

REPO = Path(__file__).resolve().parent.parent
SOURCES = ("course.yml", "denylist.sha256", "book/_config.yml", "book/intro.md", "book/references.bib")


def copy_course(source: Path, target: Path) -> Path:
    """The course's sources (not its built book) copied to ``target``."""
    for folder in ("modules", "scenarios"):
        shutil.copytree(source / folder, target / folder)
    (target / "book").mkdir(parents=True, exist_ok=True)
    for name in SOURCES:
        if (source / name).exists():
            shutil.copy2(source / name, target / name)
    return target


def scaled_course(source: Path, target: Path, count: int, clones: bool = True) -> Path:
    """A copy of the course whose scenarios are ``count`` clones of its own, under new ids, each listed in
    its module (as issue 9 measured: about 32 KB of YAML each for the shipped course). With ``clones``
    False, each copy's prose is also reworded (:func:`reworded`), so that no text repeats from one
    file to the next as it does in clones (which every per-text memo would find again). The content bars
    that clones or a count break by construction (a role name used in two scenarios, every failure
    pattern taught, enough scenarios per module, a module's workshop time) are relaxed, so that the
    course checks clean."""
    copy_course(source, target)
    settings = yaml.safe_load((target / "course.yml").read_text(encoding="utf-8"))
    settings.setdefault("rules", {}).update(one_person_per_name=False, cover_every_failure=False,
                                            min_scenarios_per_module=0, minutes_per_decision=0,
                                            words_per_minute=1_000_000)
    settings.pop("translations", None)  # the clones have none: translation overlays are left out
    (target / "course.yml").write_text(yaml.safe_dump(settings, sort_keys=False, allow_unicode=True, width=1000),
                                       encoding="utf-8")
    for path in [*(target / "modules").glob("*.md"), *(target / "scenarios").glob("*.y*ml")]:
        if overlay.is_overlay(path):
            path.unlink()
    originals = sorted((target / "scenarios").glob("*.yml"))
    texts = {path.stem: path.read_text(encoding="utf-8") for path in originals}
    module_of = {stem: yaml.safe_load(text)["module"] for stem, text in texts.items()}
    by_module: dict[str, list[str]] = {}
    for stem in texts:
        by_module.setdefault(module_of[stem], []).append(stem)
    rounds = max(len(stems) for stems in by_module.values())
    cycle = [stems[i] for i in range(rounds) for stems in by_module.values() if i < len(stems)]  # modules take turns
    for path in originals:
        path.unlink()
    listed: dict[str, list[str]] = {module: [] for module in by_module}
    for n in range(count):
        stem = cycle[n % len(cycle)]
        new_id = f"{stem}-{n}"
        clone = re.sub(r"(?m)^id:.*$", f"id: {new_id}", texts[stem], count=1)
        if not clones:
            clone = reworded(clone, n)
        (target / "scenarios" / f"{new_id}.yml").write_text(clone, encoding="utf-8")
        listed[module_of[stem]].append(new_id)
    for path in (target / "modules").glob("*.md"):
        _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
        data = yaml.safe_load(front)
        data["scenarios"] = listed.get(data["id"], [])
        path.write_text("---\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000) + "---\n" + body,
                        encoding="utf-8")
    return target


PROSE_KEYS = {"title", "summary", "setting", "content_notes", "note", "brief", "private", "text", "facilitator",
              "label", "feedback", "debrief", "description"}
_PLAIN_WORD = re.compile(r"(?<!\S)[a-z]+(?!\S)")  # lower case between spaces: no name, Markdown or punctuation


def reworded(text: str, seed: int) -> str:
    """The scenario's YAML with the lower-case words of its prose shuffled within each line (seeded): a text
    of the same words, sentences and syllables (so the same reading ease and word counts), structure and
    Markdown, but phrased differently from every other copy. Capitalised words stay where they are, so
    no shuffle makes a name or a street address."""
    shuffle = random.Random(seed).shuffle
    spans = []

    def walk(node):
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value in PROSE_KEYS and not isinstance(value, yaml.MappingNode):
                    spans.extend((n.start_mark.index, n.end_mark.index) for n in (value.value if isinstance(
                        value, yaml.SequenceNode) else [value]) if isinstance(n, yaml.ScalarNode))
                else:
                    walk(value)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                walk(item)

    walk(yaml.compose(text, Loader=yaml.SafeLoader))
    out, at = [], 0
    for start, end in sorted(spans):
        lines = []
        for line in text[start:end].split("\n"):
            found = list(_PLAIN_WORD.finditer(line))
            words = [m.group() for m in found]
            shuffle(words)
            pieces, last = [], 0
            for m, word in zip(found, words):
                pieces += [line[last:m.start()], word]
                last = m.end()
            lines.append("".join(pieces) + line[last:])
        out += [text[at:start], "\n".join(lines)]
        at = end
    return "".join(out) + text[at:]


def touch_one_scenario(course: Path) -> Path:
    """Change one scenario's text, as an author saving an edit would."""
    path = min((course / "scenarios").glob("*.yml"))
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("text: |", "text: |\n      (Edited.)", 1), encoding="utf-8")
    return path


def median_seconds(action, runs: int) -> tuple[float, float]:
    """Median wall-clock seconds of ``action``, and median processor seconds of the processes it started."""
    times, processor = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        processor.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(times), statistics.median(processor)


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """``branchbook ARGS`` as a user runs it: a new Python process."""
    return subprocess.run([sys.executable, "-m", "branchbook", *args], capture_output=True, text=True)
