"""How ``branchbook check`` prints what it found: text for people, JSON for editors and tools,
GitHub workflow annotations for CI. All of it goes to stdout; usage errors go to stderr."""

from __future__ import annotations

import json
import os
from pathlib import Path

from .load import Loaded
from .messages import message
from .messages.formats import count
from .problems import Problem

FORMATS = ("text", "json", "github")
JSON_VERSION = 1


def render(loaded: Loaded, strict: bool, form: str) -> str:
    return {"text": _text, "json": _json, "github": _github}[form](loaded, strict)


def language(loaded: Loaded) -> str:
    """The course's language (a translation's, when one was loaded), for the framing words; :mod:`.load` reads
    it from ``course.yml`` also when the course did not load (its errors are then worded in the language it
    asks for, when that much is readable)."""
    return loaded.language


def summary(loaded: Loaded, strict: bool) -> str:
    report, lang = loaded.report, language(loaded)
    counts = message("check.counts", lang, errors=count("check.errors", len(report.errors), lang),
                     warnings=count("check.warnings", len(report.warnings), lang))
    if report.notices:
        counts = message("check.counts_notices", lang, counts=counts,
                         notices=count("check.notices", len(report.notices), lang))
    if report.failed(strict):
        return message("check.failed_strict" if strict and not report.errors else "check.failed", lang, counts=counts)
    modules, scenarios = loaded.counts  # not len(loaded.course.scenarios): check never assembles the course
    return message("check.passed", lang, modules=count("check.modules", modules, lang),
                   scenarios=count("check.scenarios", scenarios, lang), counts=counts)


def _text(loaded: Loaded, strict: bool) -> str:
    """Errors, a blank line, warnings, notices, then the summary line."""
    report = loaded.report
    lang = language(loaded)
    blocks = ["\n".join(p.format(lang) for p in kind) for kind in (report.errors, report.warnings, report.notices)]
    return "\n\n".join([b for b in blocks if b] + [summary(loaded, strict)])


def _json(loaded: Loaded, strict: bool) -> str:
    report = loaded.report
    document = {
        "format": "branchbook-check",
        "version": JSON_VERSION,
        "root": str(loaded.root) if loaded.root else None,
        "strict": strict,
        "ok": not report.failed(strict),
        "errors": len(report.errors),
        "warnings": len(report.warnings),
        "notices": len(report.notices),
        "problems": [_as_dict(p) for p in report.errors + report.warnings + report.notices],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def _as_dict(problem: Problem) -> dict:
    return {"file": problem.file, "line": problem.line, "col": problem.col, "severity": problem.severity,
            "message": problem.message, "hint": problem.hint}


def _github(loaded: Loaded, strict: bool) -> str:
    """``::error file=…,line=…,col=…::message`` lines (warnings are errors under --strict; notices stay notices), paths
    relative to the current folder as GitHub expects them (the repository root in a workflow)."""
    lines = []
    for problem in loaded.report.errors + loaded.report.warnings + loaded.report.notices:
        level = "notice" if problem.severity == "notice" else "error" if problem.severity == "error" or strict else "warning"
        file = problem.file
        if loaded.root is not None:
            file = os.path.relpath(Path(loaded.root) / problem.file).replace(os.sep, "/")
        text = problem.message + ("\n" + message("check.hint", language(loaded), hint=problem.hint) if problem.hint else "")
        lines.append(f"::{level} file={_property(file)},line={problem.line},col={problem.col},"
                     f"title=branchbook::{_data(text)}")
    return "\n".join(lines + [summary(loaded, strict)])


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
