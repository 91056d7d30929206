"""The book build: what lands in book/, what the site contains, and that nothing is lost."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from branchbook.build import build, generated_files
from branchbook.cli import main
from branchbook.load import load_course
from branchbook.output import OutputConflict
from branchbook.write.sections import section_numbers

pytestmark = pytest.mark.slow


class _Anchors(HTMLParser):
    """Collects ids and the gamebook's choice links from one page."""

    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.scenes: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "section" and "data-bb-node" in attrs:
            self.scenes.append(attrs["data-bb-node"])
        if tag == "a" and (attrs.get("href") or "").startswith("#scene-"):
            self.links.append(attrs["href"][1:])


def _parse(page: Path) -> _Anchors:
    parser = _Anchors()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def test_scenario_page_is_a_complete_gamebook(built_mini: Path, mini_course: Path):
    course = load_course(mini_course).course
    page = _parse(built_mini / "scenarios" / "noticeboard.html")
    scenario = course.scenario("noticeboard")
    order = sorted(scenario.nodes, key=section_numbers(scenario).get)
    assert page.scenes == order  # every scene once, in the printed packet's section order
    expected = [f"scene-{c.goto}" for nid in order for c in scenario.nodes[nid].choices]
    assert page.links == expected
    assert set(page.links) <= page.ids


def test_every_page_has_a_content_security_policy(built_mini: Path):
    pages = list(built_mini.rglob("*.html"))
    assert len(pages) >= 8
    for page in pages:
        html = page.read_text(encoding="utf-8")
        if "<head" in html:
            assert 'http-equiv="Content-Security-Policy"' in html, page


def test_site_references_no_third_party_host(built_mini: Path):
    """src/href attributes and CSS url() point only at the site itself."""
    pattern = re.compile(r"""(?:src|href)=["'](?:https?:)?//|url\(\s*["']?(?:https?:)?//""")
    offenders = []
    for path in built_mini.rglob("*"):
        if path.suffix in (".html", ".css", ".js") and path.is_file():
            for match in pattern.finditer(path.read_text(encoding="utf-8", errors="replace")):
                offenders.append(f"{path.relative_to(built_mini)}: {match.group()}")
    assert offenders == []


_DIGESTS = """
import hashlib, json, sys
from pathlib import Path
from branchbook.build import generated_files
from branchbook.write import WriteOptions
from branchbook.load import load_course
files = generated_files(load_course(Path(sys.argv[1])).course, WriteOptions())
print(json.dumps({name: hashlib.sha256(data).hexdigest() for name, data in files.items()}, sort_keys=True))
"""


def test_generated_output_is_deterministic_across_processes(mini_course: Path):
    """Two processes with different hash seeds (set and dict orders differ) write identical bytes."""
    import json
    import os
    import subprocess
    import sys

    runs = [json.loads(subprocess.run([sys.executable, "-c", _DIGESTS, str(mini_course)], check=True, text=True,
                                      capture_output=True, timeout=300,
                                      env={**os.environ, "PYTHONHASHSEED": seed}).stdout) for seed in ("1", "2")]
    assert runs[0] == runs[1]
    assert any(name.endswith(".pdf") for name in runs[0]) and any(name.endswith(".json") for name in runs[0])


def test_unchanged_files_are_not_rewritten(mini_course: Path):
    course = load_course(mini_course).course
    first = build(course, handouts=False)
    assert "scenarios/noticeboard.md" in first.written
    page = mini_course / "book" / "scenarios" / "noticeboard.md"
    before = page.stat().st_mtime_ns
    second = build(course, handouts=False)
    assert second.written == [] and second.unchanged == len(first.written)
    assert page.stat().st_mtime_ns == before


def test_hand_written_files_are_kept(mini_course: Path):
    book = mini_course / "book"
    book.mkdir(exist_ok=True)
    (book / "_config.yml").write_text((Path(__file__).parent.parent / "src/branchbook/templates/book/_config.yml")
                                      .read_text().replace("{title}", "My own title").replace("{author}", "Me"))
    build(load_course(mini_course).course, handouts=False)
    assert "My own title" in (book / "_config.yml").read_text()
    assert "My own title" in (book / "_build" / "html" / "intro.html").read_text()


def test_hand_written_page_in_the_way_stops_the_build(mini_course: Path):
    page = mini_course / "book" / "glossary.md"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text("# My glossary\n")
    with pytest.raises(OutputConflict, match="kept as yours"):
        build(load_course(mini_course).course, handouts=False)
    assert page.read_text() == "# My glossary\n"


def test_hand_edit_of_generated_page_is_detected_and_force_overrides(mini_course: Path):
    course = load_course(mini_course).course
    build(course, handouts=False)
    page = mini_course / "book" / "principles.md"
    page.write_text(page.read_text() + "\nMy note.\n")
    with pytest.raises(OutputConflict, match="edited by hand"):
        build(course, handouts=False)
    assert "My note." in page.read_text()
    build(course, handouts=False, force=True)
    assert "My note." not in page.read_text()


def test_removed_scenario_page_is_deleted(mini_course: Path):
    build(load_course(mini_course).course, handouts=False)
    (mini_course / "scenarios" / "the-favour.yml").unlink()
    module = mini_course / "modules" / "basics.md"
    module.write_text(module.read_text().replace("[noticeboard, the-favour]", "[noticeboard]"))
    result = build(load_course(mini_course).course, handouts=False)
    assert "scenarios/the-favour.md" in result.deleted
    assert not (mini_course / "book" / "scenarios" / "the-favour.md").exists()
    assert not (mini_course / "book" / "_build" / "html" / "scenarios" / "the-favour.html").exists()


def test_check_failure_writes_nothing(mini_course: Path):
    (mini_course / "scenarios" / "noticeboard.yml").write_text(
        (mini_course / "scenarios" / "noticeboard.yml").read_text().replace("goto: fair", "goto: fiar"))
    result = CliRunner().invoke(main, ["build", str(mini_course), "--no-handouts"])
    assert result.exit_code == 1
    assert "unknown scene 'fiar'" in result.output and "did you mean 'fair'?" in result.output
    assert not (mini_course / "book" / "_toc.yml").exists()


def test_failed_sphinx_build_keeps_the_previous_site(mini_course: Path):
    course = load_course(mini_course).course
    build(course, handouts=False)
    live = mini_course / "book" / "_build" / "html"
    before = {p.relative_to(live): p.read_bytes() for p in live.rglob("*") if p.is_file()}
    intro = mini_course / "book" / "intro.md"
    intro.write_text(intro.read_text() + "\n```{no-such-directive}\n```\n")
    result = CliRunner().invoke(main, ["build", str(mini_course), "--no-handouts"])
    assert result.exit_code == 1
    assert "no-such-directive" in result.output
    after = {p.relative_to(live): p.read_bytes() for p in live.rglob("*") if p.is_file()}
    assert after == before
    assert not list((mini_course / "book" / "_build").glob(".next-*"))


def test_author_text_cannot_inject_myst(mini_course: Path):
    path = mini_course / "scenarios" / "noticeboard.yml"
    path.write_text(path.read_text().replace("title: The noticeboard",
                                             "title: 'The {include}`/etc/passwd` <script>alert(1)</script> board'"))
    course = load_course(mini_course).course
    build(course, handouts=False)
    html = (mini_course / "book" / "_build" / "html" / "scenarios" / "noticeboard.html").read_text()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "root:" not in html


def test_cli_build_prints_the_site(mini_course: Path):
    result = CliRunner().invoke(main, ["build", str(mini_course), "--no-handouts"])
    assert result.exit_code == 0, result.output
    assert f"Site: {mini_course.resolve() / 'book' / '_build' / 'html' / 'index.html'}" in result.output


def test_pages_link_to_every_handout_and_notebook(mini_course: Path):
    from branchbook import layout
    from branchbook.write import handouts

    result = build(load_course(mini_course).course, handouts=True)
    site = result.site
    downloads = {p.name: p for p in (site / "_downloads").rglob("*") if p.is_file()}
    for scenario in ("noticeboard", "the-favour"):
        html = (site / "scenarios" / f"{scenario}.html").read_text()
        for name in (f"{scenario}-packet.pdf", f"{scenario}-role-cards.pdf"):
            assert name in html and downloads[name].read_bytes().startswith(b"%PDF")
    workshop = (site / "workshop.html").read_text()
    for card, _title in layout.QUICKREF_CARDS:
        assert f"{card}.pdf" in workshop and f"{card}.pdf" in downloads
    assert [c["id"] for c in handouts.quickref_cards()] == [c for c, _ in layout.QUICKREF_CARDS]
    module = (site / "modules" / "basics.html").read_text()
    assert "basics-session-report.ipynb" in module and "basics.pdf" in module


def test_a_changed_title_reaches_the_contents_of_every_page(mini_course: Path):
    # every page's sidebar lists the titles of the others: Sphinx alone would rewrite only the changed page
    build(load_course(mini_course).course, handouts=False)
    scenario = mini_course / "scenarios" / "noticeboard.yml"
    scenario.write_text(scenario.read_text(encoding="utf-8").replace("title: The noticeboard", "title: The notice wall"),
                        encoding="utf-8")
    site = build(load_course(mini_course).course, handouts=False).site
    pages = sorted(site.rglob("*.html"))
    assert len([page for page in pages if "The notice wall" in page.read_text(encoding="utf-8")]) > 2
    assert [page.relative_to(site).as_posix() for page in pages if "The noticeboard" in page.read_text(encoding="utf-8")] == []
