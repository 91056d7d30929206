"""The broken-input corpus: each ``tests/broken/*.case`` file is one small variant of the fixture course.

A case file holds sections, each opened by a line starting with ``=== ``::

    # What the author got wrong (comment lines before the first section are ignored).
    === scenarios/the-favour.yml
    ...the whole file, written into a copy of tests/fixtures/mini (replacing or adding it)...
    === modules/extra.md (escaped)
    ...the same, but Python byte escapes (\\x00, \\xff, \\xef\\xbb\\xbf) are decoded first...
    === modules/basics.md (deleted)
    === expect
    scenarios/the-favour.yml:18:15: error: choice leads to unknown scene
        hint: did you mean 'recused'?

``expect`` lists every problem the checker must report, in ``branchbook check``'s own
format: ``file:line:col: severity: `` then a substring of the message, optionally followed
by an indented ``hint:`` line holding a substring of the hint. No other problem may be
reported. To write a new case, run ``python tests/broken_cases.py tests/broken/NEW.case``:
it prints what the checker says now, for you to judge and paste.
"""

from __future__ import annotations

import codecs
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).parent
FIXTURE = HERE / "fixtures" / "mini"
CASES = HERE / "broken"

_SECTION = re.compile(r"^=== (?P<name>\S+)(?: \((?P<how>escaped|deleted)\))?\s*$")
_EXPECT = re.compile(r"^(?P<file>[^:\s]+):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning): (?P<message>.+)$")


@dataclass
class Expected:
    file: str
    line: int
    col: int
    severity: str
    message: str
    hint: str | None = None

    def matches(self, problem) -> bool:
        where = (problem.file, problem.line, problem.col, problem.severity)
        return (where == (self.file, self.line, self.col, self.severity)
                and self.message in problem.message
                and (self.hint is None or (problem.hint is not None and self.hint in problem.hint)))

    def __str__(self) -> str:
        text = f"{self.file}:{self.line}:{self.col}: {self.severity}: {self.message}"
        return text + (f"\n    hint: {self.hint}" if self.hint else "")


@dataclass
class Case:
    path: Path
    files: dict[str, bytes | None] = field(default_factory=dict)  # None: delete the file
    expected: list[Expected] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.stem

    def make_course(self, where: Path) -> Path:
        """A copy of the fixture course with this case's files written (or deleted)."""
        root = where / "course"
        shutil.copytree(FIXTURE, root)
        for name, content in self.files.items():
            target = root / name
            assert root.resolve() in target.resolve().parents, f"{self.path}: {name} is outside the course"
            if content is None:
                target.unlink()
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content)
        return root


def parse_case(path: Path) -> Case:
    case = Case(path)
    sections: list[tuple[str, str | None, list[str]]] = []
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        match = _SECTION.match(line)
        if match:
            sections.append((match["name"], match["how"], []))
        elif sections:
            sections[-1][2].append(line)
        elif line.strip() and not line.startswith("#"):
            raise ValueError(f"{path}: text before the first '=== ' section: {line!r}")
    for name, how, lines in sections:
        body = "".join(lines)
        if name == "expect":
            for line in body.splitlines():
                if not line.strip() or line.startswith("#"):
                    continue
                if line.startswith("    hint: "):
                    case.expected[-1].hint = line[len("    hint: "):].rstrip()
                    continue
                match = _EXPECT.match(line.rstrip())
                if not match:
                    raise ValueError(f"{path}: cannot read the expectation {line!r}")
                case.expected.append(Expected(match["file"], int(match["line"]), int(match["col"]),
                                              match["severity"], match["message"]))
        elif how == "deleted":
            case.files[name] = None
        elif how == "escaped":
            case.files[name] = codecs.escape_decode(body.encode("utf-8"))[0]
        else:
            case.files[name] = body.encode("utf-8")
    return case


def all_cases() -> list[Case]:
    return [parse_case(p) for p in sorted(CASES.glob("*.case"))]


def unmatched(expected: list[Expected], problems) -> tuple[list[Expected], list]:
    """(expectations no problem met, problems no expectation accounts for)."""
    pool = list(problems)
    missing = []
    for want in expected:
        hit = next((p for p in pool if want.matches(p)), None)
        if hit is None:
            missing.append(want)
        else:
            pool.remove(hit)
    return missing, pool


if __name__ == "__main__":  # print what the checker says about a case, to write its expectations
    import tempfile

    sys.path.insert(0, str(HERE.parent / "src"))
    from branchbook.load import load_course

    for arg in sys.argv[1:]:
        case = parse_case(Path(arg))
        with tempfile.TemporaryDirectory() as tmp:
            loaded = load_course(case.make_course(Path(tmp)))
        print(f"## {arg}")
        for problem in loaded.report.errors + loaded.report.warnings:
            print(problem.format())
        missing, extra = unmatched(case.expected, loaded.report.errors + loaded.report.warnings)
        print(f"## missing: {[str(m) for m in missing]}\n## unexpected: {len(extra)}")
