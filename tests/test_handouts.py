"""The printable handouts (Typst → PDF), read back with pypdf on the fixture course."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from course_support import load_checked
from pypdf import PdfReader

from branchbook import layout
from branchbook.cli import main
from branchbook.load import load_course
from branchbook.write import WriteOptions, handouts, markdown
from branchbook.write.handouts import compile as typst_compile
from branchbook.messages.wording import condition_words
from branchbook.write.handouts.data import packet_data
from branchbook.write.sections import section_numbers

FIXTURE = Path(__file__).parent / "fixtures" / "mini"
A4 = (595.28, 841.89)
LETTER = (612.0, 792.0)


@pytest.fixture(scope="module")
def course():
    return load_checked(FIXTURE)


@pytest.fixture(scope="module")
def built(course, tmp_path_factory) -> dict[str, Path]:
    """Build every handout into a temporary folder, as the build would, and return the paths."""
    out = tmp_path_factory.mktemp("build")
    files = {}
    for name, data in handouts.write(course, WriteOptions()).items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        files[name] = path
    return files


_FOOTER = re.compile(r"\n[^\n]* \d+ / \d+\s*$")


def _pages(path: Path | bytes) -> list[str]:
    """Each page's text without its footer (title and page number), so a section that runs
    over a page break reads as one."""
    reader = PdfReader(io.BytesIO(path) if isinstance(path, bytes) else path)
    return [_FOOTER.sub("", page.extract_text()) for page in reader.pages]


def _flat(text: str) -> str:
    """Whitespace collapsed; a line broken after a hyphen ("car- share") joined again."""
    return re.sub(r"(?<=\w)- (?=\w)", "-", re.sub(r"\s+", " ", text)).strip()


def _plain(markdown: str) -> str:
    """The fixture's scene texts use only emphasis: drop the markers, as the packet does."""
    return _flat(re.sub(r"[*_]", "", markdown))


def _sections(pages: list[str]) -> dict[int, str]:
    """§N → the text of that section (up to the next section heading, which is a line of its own)."""
    sections: dict[int, str] = {}
    current = None
    for line in "\n".join(pages).splitlines():
        heading = re.fullmatch(r"\s*§(\d+)\s*", line)
        if heading:
            current = int(heading.group(1))
            assert current not in sections, f"§{current} appears twice"
            sections[current] = ""
        elif line.strip() in ("Answers", "Debrief questions"):
            current = None
        elif current is not None:
            sections[current] += line + "\n"
    return {n: _flat(text) for n, text in sections.items()}


def test_every_pdf_is_planned_and_written(course, built):
    expected = {job.path for job in handouts.plan(course)}
    assert set(built) == expected
    for s in course.scenarios:
        assert layout.packet_pdf(s.id) in built
        assert layout.role_cards_pdf(s.id) in built
    assert "handouts/facilitator/guide.pdf" in built
    assert "handouts/certificate.pdf" in built
    quickref = [p for p in built if p.startswith("handouts/quickref/")]
    assert len(quickref) == 5
    for name in quickref:
        assert 1 <= len(PdfReader(built[name]).pages) <= 2, name
    for path in built.values():
        assert path.read_bytes().startswith(b"%PDF")


def test_progress_is_reported_once_per_pdf(course):
    seen: list[str] = []
    files = handouts.write(course, WriteOptions(on_progress=seen.append))
    assert seen == list(files)


def test_packet_has_every_scene_once_and_every_turn_to_is_right(course, built):
    for scenario in course.scenarios:
        pages = _pages(built[layout.packet_pdf(scenario.id)])
        whole = _flat("\n".join(pages))
        sections = _sections(pages)
        assert sorted(sections) == list(range(1, len(scenario.nodes) + 1))
        where: dict[str, int] = {}
        for node_id, node in scenario.nodes.items():
            text = _plain(node.text)
            assert whole.count(text) == 1, f"{scenario.id}/{node_id} appears {whole.count(text)} times"
            holders = [n for n, body in sections.items() if text in body]
            assert len(holders) == 1, (node_id, holders)
            where[node_id] = holders[0]
        assert where[scenario.start] == 1
        for node_id, node in scenario.nodes.items():
            turns = [int(n) for n in re.findall(r"turn to §(\d+)", sections[where[node_id]])]
            assert turns == [where[c.goto] for c in node.choices], node_id
        # endings come after every other scene, each with its kind in words
        scenes = [where[n] for n, node in scenario.nodes.items() if node.ending is None]
        endings = [where[n] for n, node in scenario.nodes.items() if node.ending is not None]
        assert max(scenes) < min(endings)
        for node_id, ending in scenario.endings.items():
            assert f"{ending.kind.upper()} ENDING: {ending.title}" in sections[where[node_id]]


def test_packet_order_is_shuffled_deterministically(course):
    scenario = course.scenario("noticeboard")
    first = section_numbers(scenario)
    assert first == section_numbers(scenario)
    assert first[scenario.start] == 1
    order = sorted(scenario.nodes, key=first.get)
    assert order != list(scenario.nodes)  # not simply the file's order


def test_feedback_is_keyed_by_section_and_letter_and_conditions_are_in_words(course, built):
    scenario = course.scenario("noticeboard")
    pages = _pages(built[layout.packet_pdf(scenario.id)])
    whole = _flat("\n".join(pages))
    answers = whole[whole.index("Answers"):]
    sections = _sections(pages)
    for node_id, node in scenario.nodes.items():
        number = next(n for n, body in sections.items() if _plain(node.text) in body)
        for i, choice in enumerate(node.choices):
            key = f"§{number} {chr(65 + i)}"
            assert key in answers
            assert _flat(choice.feedback) in answers[answers.index(key):]
            assert _flat(choice.feedback) not in whole[:whole.index("Answers")]
    assert "only if trust is at least 1" in whole


def _card_texts(path: Path) -> list[str]:
    """The text of each quarter-sheet card, found by where the text sits on the page."""
    cards = []
    for page in PdfReader(path).pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        cells: dict[tuple[bool, bool], list[str]] = defaultdict(list)

        def visit(text, cm, tm, font, size):
            if text.strip():
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                cells[(y < height / 2, x >= width / 2)].append(text)

        page.extract_text(visitor_text=visit)
        cards += [_flat(" ".join(cells[key])) for key in sorted(cells)]
    return cards


def test_private_information_only_on_its_own_card(course, built):
    all_cards = {s.id: _card_texts(built[layout.role_cards_pdf(s.id)]) for s in course.scenarios}
    privates = [(s, r) for s in course.scenarios for r in s.roles if r.private]
    assert privates, "the fixture must have a role with private information"
    for scenario, role in privates:
        secret = _flat(role.private)
        cards = all_cards[scenario.id]
        holders = [c for c in cards if secret in c]
        assert len(holders) == 1 and role.name in holders[0]
        if role.id == scenario.learner_role:  # the whole room plays the lead: nothing to hide from the room
            assert "ONLY YOU KNOW THIS — the others in the scene do not" in holders[0]
        else:
            assert "PRIVATE — for this card's holder only" in holders[0]
        for other_id, others in all_cards.items():
            for card in others:
                if card is not holders[0]:
                    assert secret not in card
        for path in built.values():
            if path != built[layout.role_cards_pdf(scenario.id)]:
                assert secret not in _flat(" ".join(_pages(path))), path


def test_every_role_has_a_card_and_scripted_roles_say_so(course, built):
    for scenario in course.scenarios:
        cards = _card_texts(built[layout.role_cards_pdf(scenario.id)])
        for role in scenario.roles:
            card = next(c for c in cards if role.name in c)
            assert _flat(role.brief) in card
            if not role.playable:
                assert "SCRIPTED ROLE — never played by a participant" in card
                assert "PRIVATE" not in card


def test_agenda_total_is_the_sum_of_module_durations(course, built):
    text = _flat("\n".join(_pages(built["handouts/facilitator/guide.pdf"])))
    agenda = text[text.index("Agenda Start End"):]
    total = int(re.search(r"Total (\d+) min", agenda).group(1))
    assert total == sum(m.duration for m in course.modules)
    for module in course.modules:
        assert f"{module.title}" in agenda and f"{module.duration} min" in agenda


def test_module_guide_agenda_is_that_module(course, built):
    for module in course.modules:
        text = _flat("\n".join(_pages(built[f"handouts/facilitator/modules/{module.id}.pdf"])))
        assert int(re.search(r"Total (\d+) min", text).group(1)) == module.duration


def test_a_decision_map_for_every_scenario(course, built):
    pages = _pages(built["handouts/facilitator/guide.pdf"])
    for scenario in course.scenarios:
        maps = [p for p in pages if f"Decision map: {scenario.title}" in p]
        assert len(maps) == 1, scenario.id
        labels = {int(n) for n in re.findall(r"§(\d+)", maps[0])}
        assert labels == set(range(1, len(scenario.nodes) + 1))
        for node_id, ending in scenario.endings.items():
            assert ending.kind.upper() in maps[0]


def test_guide_lists_failures_checks_and_safety(course, built):
    text = _flat("\n".join(_pages(built["handouts/facilitator/guide.pdf"])))
    for failure in course.settings.failures:
        assert f"{failure.id} {failure.title}" in text
    assert "No participant ever plays the survivor" in text
    assert "Answer key" in text
    for module in course.modules:
        for check in module.checks:
            assert _flat(check.question) in text


def test_certificate_has_course_and_modules(course, built):
    reader = PdfReader(built["handouts/certificate.pdf"])
    text = _flat(reader.pages[0].extract_text())
    assert course.settings.title in text and "Certificate of completion".upper() in text.upper()
    for module in course.modules:
        assert module.title in text
    assert float(reader.pages[0].mediabox.width) > float(reader.pages[0].mediabox.height)  # landscape


def test_metadata_and_a4_default(course, built):
    for name, path in built.items():
        reader = PdfReader(path)
        assert reader.metadata.title and reader.metadata.author == course.settings.author, name
        assert "/CreationDate" not in reader.metadata
        for page in reader.pages:
            size = sorted((float(page.mediabox.width), float(page.mediabox.height)))
            assert size == pytest.approx(sorted(A4), abs=0.5), name


def test_us_letter_option(course):
    scenario = course.scenarios[0]
    data = packet_data(course, scenario, "us-letter")
    pdf = PdfReader(io.BytesIO(handouts.compile_pdf("packet.typ", data)))
    for page in pdf.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(LETTER, abs=0.5)
    with pytest.raises(ValueError):
        handouts.plan(course, "a5")


def test_output_is_deterministic(course):
    assert handouts.write(course, WriteOptions()) == handouts.write(course, WriteOptions())


def test_typst_markup_in_scenario_text_prints_literally(tmp_path):
    root = tmp_path / "course"
    shutil.copytree(FIXTURE, root)
    path = root / "scenarios" / "noticeboard.yml"
    scenario = yaml.safe_load(path.read_text(encoding="utf-8"))
    hostile = '#panic("x") costs $x$ and *bold* or \\*stars\\* #set page(width: 1cm) #import "/common.typ"'
    scenario["nodes"]["listen"]["text"] = hostile + "\n"
    scenario["roles"][0]["private"] = '#panic("private") $y$'
    scenario["nodes"]["ask"]["choices"][0]["label"] = '#set text(size: 1pt) ] [ "quoted"'
    path.write_text(yaml.safe_dump(scenario, sort_keys=False), encoding="utf-8")
    course = load_checked(root)

    files = handouts.write(course, WriteOptions())
    packet = files[layout.packet_pdf("noticeboard")]
    text = _flat(" ".join(_pages(packet)))
    assert '#panic("x") costs $x$ and bold or *stars* #set page(width: 1cm) #import "/common.typ"' in text
    assert '#set text(size: 1pt) ] [ "quoted"' in text
    for page in PdfReader(io.BytesIO(packet)).pages:
        assert float(page.mediabox.width) == pytest.approx(A4[0], abs=0.5)
    cards = _flat(" ".join(_pages(files[layout.role_cards_pdf("noticeboard")])))
    assert '#panic("private") $y$' in cards


def test_markdown_becomes_blocks_of_runs():
    blocks = markdown.to_blocks("Intro with *em* and **strong** and `code`.\n\n- one\n- two\n\n> quoted\n\n"
                             "1. first\n\n[site](https://example.org) <b>tag</b>")
    assert blocks[0] == {"k": "p", "t": "Intro with em and strong and code.", "q": False, "d": 0, "m": "",
                         "r": [["Intro with ", ""], ["em", "e"], [" and ", ""], ["strong", "s"], [" and ", ""],
                               ["code", "c"], [".", ""]]}
    assert [(b["k"], b["m"], b["t"]) for b in blocks[1:3]] == [("li", "•", "one"), ("li", "•", "two")]
    assert blocks[3]["q"] and blocks[3]["t"] == "quoted"
    assert (blocks[4]["m"], blocks[4]["t"]) == ("1.", "first")
    assert blocks[5]["t"] == "site (https://example.org) <b>tag</b>"


def test_condition_words():
    from branchbook.model.conditions import parse

    assert condition_words(parse("trust >= 2")) == "trust is at least 2"
    assert condition_words(parse("1 < risk")) == "risk is more than 1"
    assert condition_words(parse("not trust < 1 and risk")) == "trust is at least 1 and risk is not 0"
    assert condition_words(parse("a == 1 and (b != 2 or not c)")) == "a is 1 and (b is not 2 or c is 0)"


def test_cli_writes_handouts(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["handouts", str(FIXTURE), "--out", str(out), "--paper", "us-letter"])
    assert result.exit_code == 0, result.output
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.pdf"))
    assert "scenarios/noticeboard-packet.pdf" in written and "facilitator/guide.pdf" in written
    page = PdfReader(out / "scenarios" / "noticeboard-packet.pdf").pages[0]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(LETTER, abs=0.5)
    assert not list(out.rglob("*.tmp"))


def test_cli_writes_where_build_does_with_its_cache_and_leaves_the_pages_alone(mini_course):
    """`handouts` without --out: into book/handouts, through the build's cache and its record of
    generated files, so an unchanged PDF is not rewritten, a hand-edited one is refused, and a later
    `build --no-handouts` links the PDFs it made."""
    from branchbook import output
    from branchbook.build import generated_files
    from branchbook.write import WriteOptions

    book = mini_course / "book"
    pages = generated_files(load_course(mini_course).course, WriteOptions(handouts=False))
    output.apply(book, pages, output.plan(book, pages))  # what a --no-handouts build writes before Sphinx

    def run(*args):
        return CliRunner().invoke(main, ["handouts", str(mini_course), *args])

    assert (first := run()).exit_code == 0, first.output
    packet = book / layout.packet_pdf("noticeboard")
    made = {p.relative_to(book).as_posix() for p in (book / layout.HANDOUTS_DIR).rglob("*.pdf")}
    assert made == {job.path for job in handouts.plan(load_course(mini_course).course)}
    assert not (book / "_build" / "handouts").exists() and any((book / "_build" / ".cache" / "handouts").iterdir())
    assert output.generated(book) == set(pages) | made  # the pages are still known as generated
    when = packet.stat().st_mtime_ns
    assert run().exit_code == 0 and packet.stat().st_mtime_ns == when  # unchanged: not rewritten

    packet.write_bytes(b"my notes")
    refused = run()
    assert refused.exit_code == 1 and "edited by hand" in refused.output and packet.read_bytes() == b"my notes"
    assert run("--force").exit_code == 0 and packet.read_bytes().startswith(b"%PDF")
    relinked = generated_files(load_course(mini_course).course, WriteOptions(handouts=False))
    assert "noticeboard-packet.pdf" in relinked[f"{layout.scenario_page('noticeboard')}.md"].decode()


def test_unchanged_handouts_come_from_the_cache(mini_course, monkeypatch):
    """A second build reuses every PDF whose template and data did not change, byte for byte."""
    from branchbook.output import DiskCache

    course = load_course(mini_course).course
    cache = DiskCache(mini_course / "cache")
    first = handouts.write(course, WriteOptions(cache=cache))
    assert len(cache) == len(first)
    compiled = []
    real = typst_compile.typst.compile
    monkeypatch.setattr(typst_compile.typst, "compile", lambda *a, **k: compiled.append(a) or real(*a, **k))
    assert handouts.write(course, WriteOptions(cache=cache)) == first
    assert compiled == []
    scenario = mini_course / "scenarios" / "noticeboard.yml"
    scenario.write_text(scenario.read_text().replace("Jo goes quiet", "Jo goes very quiet"))
    second = handouts.write(load_course(mini_course).course, WriteOptions(cache=cache))
    assert len(compiled) == 1 and second[layout.packet_pdf("noticeboard")] != first[layout.packet_pdf("noticeboard")]


def test_pdfs_are_clean_for_strict_readers(built):
    """poppler (pdfinfo, pdftotext, most Linux viewers) reads every handout without a complaint."""
    for tool in ("pdfinfo", "pdftotext"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is missing: scripts/setup installs poppler-utils")
    for name, path in built.items():
        for command in (["pdfinfo", str(path)], ["pdftotext", str(path), "-"]):
            done = subprocess.run(command, capture_output=True, timeout=60, check=False)
            assert (done.returncode, done.stderr.decode()) == (0, ""), (name, command[0])


def _lead_card(course, built, scenario) -> str:
    lead = scenario.role(scenario.learner_role)
    return next(c for c in _card_texts(built[layout.role_cards_pdf(scenario.id)]) if lead.name in c)


def test_the_lead_role_card_speaks_to_the_whole_room(course, built):
    assert any(s.role(s.learner_role).private for s in course.scenarios), "the fixture needs a lead with a secret"
    for scenario in course.scenarios:
        lead = scenario.role(scenario.learner_role)
        card = _lead_card(course, built, scenario)
        assert "LEAD ROLE — played by the whole room" in card and "Read this card aloud" in card
        assert "Do not show this to others" not in card and "PRIVATE" not in card
        if lead.private:
            assert "ONLY YOU KNOW THIS" in card and _flat(lead.private) in card


def _drawn(pdf: bytes | Path) -> list[tuple[str, str, float, float]]:
    """Every piece of text drawn on the first page: (text, font name, font size, baseline y)."""
    reader = PdfReader(io.BytesIO(pdf) if isinstance(pdf, bytes) else pdf)
    out = []

    def visit(text, cm, tm, font, size):
        if text.strip() and font is not None:
            out.append((text, str(font.get("/BaseFont", "")), size * abs(tm[3] or 1) * abs(cm[3] or 1),
                        tm[5] * cm[3] + cm[5]))

    reader.pages[0].extract_text(visitor_text=visit)
    return out


def test_name_and_title_on_a_role_card_stand_apart(course, built):
    """The title's baseline is at least one line of the name's size below the name's."""
    for scenario in course.scenarios:
        drawn = _drawn(built[layout.role_cards_pdf(scenario.id)])
        for role in scenario.roles[:4]:  # the first page holds the first four cards
            name = next(d for d in drawn if d[0].strip() == role.name)
            title = next(d for d in drawn if d[0].strip() == role.title and abs(d[3] - name[3]) < 4 * name[2])
            assert title[3] < name[3], role.id  # below it (PDF y grows upwards)
            assert name[3] - title[3] >= name[2], (role.id, name, title)


def test_emphasis_is_printed_and_stays_text(mini_course):
    path = mini_course / "scenarios" / "noticeboard.yml"
    scenario = yaml.safe_load(path.read_text(encoding="utf-8"))
    scenario["nodes"][scenario["start"]]["text"] = (
        "Jo says *leaning words* then **heavy words** and `#strong[not markup]` *#emph[x]*.\n")
    scenario["nodes"][scenario["start"]]["choices"][0]["label"] = "Listen *warmly*, then act **promptly**"
    path.write_text(yaml.safe_dump(scenario, sort_keys=False), encoding="utf-8")
    course = load_checked(mini_course)
    data = packet_data(course, course.scenario("noticeboard"), "a4")
    pages = PdfReader(io.BytesIO(handouts.compile_pdf("packet.typ", data))).pages
    drawn = []
    for page in pages:
        page.extract_text(visitor_text=lambda text, cm, tm, font, size: drawn.append(
            (text, str(font.get("/BaseFont", "")) if font else "")))

    def font_of(words: str) -> str:
        return next(font for text, font in drawn if words in text)

    assert "Italic" in font_of("leaning words") and "Bold" not in font_of("leaning words")
    assert "Bold" in font_of("heavy words")
    assert "Mono" in font_of("#strong[not markup]")  # code, printed as written
    assert "Italic" in font_of("#emph[x]")            # markup inside emphasis is still text
    assert "Italic" in font_of("warmly") and "Bold" in font_of("promptly")  # a choice's label too
    text = _flat(" ".join(p.extract_text() for p in pages))
    assert "Jo says leaning words then heavy words and #strong[not markup] #emph[x]." in text
