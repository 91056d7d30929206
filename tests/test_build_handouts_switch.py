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


def test_no_handouts_keeps_the_last_pdfs_and_their_links(mini_course: Path):
    build(load_course(mini_course).course, handouts=True)
    book = mini_course / "book"
    before = snapshot(book)
    assert any(name.endswith("-packet.pdf") for name in before)

    result = CliRunner().invoke(main, ["build", str(mini_course), "--no-handouts"])

    assert result.exit_code == 0, result.output
    assert "may be out of date" in result.output
    assert snapshot(book) == before  # not one generated file rewritten or deleted
    page = (book / "_build" / "html" / "scenarios" / "noticeboard.html").read_text(encoding="utf-8")
    assert "noticeboard-packet.pdf" in page


def test_no_handouts_drops_the_links_when_a_pdf_is_missing(mini_course: Path):
    build(load_course(mini_course).course, handouts=True)
    runner = CliRunner()
    assert runner.invoke(main, ["new", "scenario", "the-late-reply", str(mini_course)]).exit_code == 0
    module = mini_course / "modules" / "basics.md"
    module.write_text(module.read_text().replace("[noticeboard, the-favour]", "[noticeboard, the-favour, the-late-reply]"))

    result = runner.invoke(main, ["build", str(mini_course), "--no-handouts"])

    assert result.exit_code == 0, result.output  # no link to a PDF that was never made
    assert "may be out of date" not in result.output
    site = mini_course / "book" / "_build" / "html"
    assert "-packet.pdf" not in (site / "scenarios" / "the-late-reply.html").read_text(encoding="utf-8")
    assert not (mini_course / "book" / "handouts").exists() or not list((mini_course / "book" / "handouts").rglob("*.pdf"))
