"""Switching ``--no-handouts`` on and off: the PDFs of the last handout build and their links stay,
and the build says they may be out of date; nothing is deleted and regenerated for nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from branchbook.build import build
from branchbook.cli import main
from branchbook.load import load_course

pytestmark = pytest.mark.slow


def snapshot(book: Path) -> dict[str, tuple[int, bytes]]:
    return {p.relative_to(book).as_posix(): (p.stat().st_mtime_ns, p.read_bytes())
            for p in book.rglob("*") if p.is_file() and "_build" not in p.relative_to(book).parts}


def test_switching_no_handouts_off_and_on_rewrites_nothing(mini_course: Path):
    build(load_course(mini_course).course, handouts=True)
    book = mini_course / "book"
    before = snapshot(book)
    assert any(name.endswith("-packet.pdf") for name in before)
    runner = CliRunner()

    result = runner.invoke(main, ["build", str(mini_course), "--no-handouts"])

    assert result.exit_code == 0, result.output
    assert "may be out of date" in result.output
    assert snapshot(book) == before  # not one generated file rewritten or deleted
    page = (book / "_build" / "html" / "scenarios" / "noticeboard.html").read_text(encoding="utf-8")
    assert "noticeboard-packet.pdf" in page

    result = runner.invoke(main, ["build", str(mini_course)])  # and back: the PDFs come from the cache, the same

    assert result.exit_code == 0, result.output
    assert "may be out of date" not in result.output
    assert snapshot(book) == before


def test_a_scenario_added_without_handouts_has_no_links_yet_and_the_rest_keep_theirs(mini_course: Path):
    build(load_course(mini_course).course, handouts=True)
    book = mini_course / "book"
    runner = CliRunner()
    assert runner.invoke(main, ["new", "scenario", "the-late-reply", str(mini_course)]).exit_code == 0
    module = mini_course / "modules" / "basics.md"
    module.write_text(module.read_text().replace("[noticeboard, the-favour]", "[noticeboard, the-favour, the-late-reply]"))
    pdfs = {name: made for name, made in snapshot(book).items() if name.endswith(".pdf")}

    result = runner.invoke(main, ["build", str(mini_course), "--no-handouts"])

    assert result.exit_code == 0, result.output  # no link to a PDF that was never made
    assert "may be out of date" in result.output
    site = book / "_build" / "html"
    assert "-packet.pdf" not in (site / "scenarios" / "the-late-reply.html").read_text(encoding="utf-8")
    assert "noticeboard-packet.pdf" in (site / "scenarios" / "noticeboard.html").read_text(encoding="utf-8")
    assert {name: made for name, made in snapshot(book).items() if name.endswith(".pdf")} == pdfs  # kept, untouched

    pages = {name: made for name, made in snapshot(book).items() if name.endswith(".md")}
    result = runner.invoke(main, ["build", str(mini_course)])

    assert result.exit_code == 0, result.output
    assert "the-late-reply-packet.pdf" in (site / "scenarios" / "the-late-reply.html").read_text(encoding="utf-8")
    after = snapshot(book)
    rewritten = {name for name, made in pages.items() if after[name] != made}
    # only the pages that link the new scenario's handouts (its own, the workshop's list), which had no links yet
    assert rewritten == {name for name in pages if b"handouts/scenarios/the-late-reply-" in after[name][1]}
    assert "scenarios/the-late-reply.md" in rewritten and "scenarios/noticeboard.md" not in rewritten
    assert after["handouts/scenarios/noticeboard-packet.pdf"] == pdfs["handouts/scenarios/noticeboard-packet.pdf"]
