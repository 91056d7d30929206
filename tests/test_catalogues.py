"""The message catalogues: every shipped language has exactly English's keys and placeholders, and a
course in French gets French words in every output (pages, player, knowledge checks, handouts, the
certificate, notebooks, ``check``) with no English UI string left. Expectations come from the
catalogues themselves, never from copies of their text."""

from __future__ import annotations

import json
import re
import shutil
import string
from io import BytesIO
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from pypdf import PdfReader

from branchbook.cli import main
from branchbook.load import load_course
from branchbook.messages import REFERENCE, cards, catalogue, languages
from branchbook.messages.formats import count
from branchbook.write import WriteOptions, book_pages, handouts, notebooks, player_data
from branchbook.write.handouts.compile import TEMPLATES

FIXTURE = Path(__file__).parent / "fixtures" / "mini"


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("language", [lang for lang in languages() if lang != REFERENCE])
def test_every_catalogue_has_the_reference_keys_and_placeholders(language):
    reference, other = catalogue(REFERENCE), catalogue(language)
    assert sorted(set(reference) - set(other)) == [], f"{language}.json lacks these keys"
    assert sorted(set(other) - set(reference)) == [], f"{language}.json has keys en.json does not"
    differ = {k: (placeholders(reference[k]), placeholders(other[k]))
              for k in reference if placeholders(reference[k]) != placeholders(other[k])}
    assert differ == {}
    assert all(value.strip() for value in other.values() if value != " "), "an empty translation"


def test_a_regional_tag_reads_its_language_and_an_unknown_one_reads_english():
    assert "fr" in languages()
    assert catalogue("fr-CA") == catalogue("fr") != catalogue(REFERENCE)
    assert catalogue("xx") == catalogue(REFERENCE)


def test_templates_read_only_words_the_catalogue_has():
    """Each ``t.name`` a Typst template prints is a ``handout.name`` key (or one data.py adds)."""
    added = {"endings", "list_separator"}
    keys = {k.removeprefix("handout.") for k in catalogue(REFERENCE) if k.startswith("handout.")} | added
    used = set()
    for template in TEMPLATES.glob("*.typ"):
        used |= set(re.findall(r"\bt\.([a-z_]+)", template.read_text(encoding="utf-8")))
    assert used - keys == set()


def shape(value):
    """The structure of a data file with its text left out: keys, list lengths and the layout fields."""
    if isinstance(value, dict):
        return {k: (v if k in ("style", "rows", "support") else shape(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(v) for v in value]
    return type(value).__name__


@pytest.mark.parametrize("language", [lang for lang in languages() if lang != REFERENCE])
def test_printed_texts_are_translated_whole(language):
    """The quick-reference cards and the guide's protocol: each has a translation with the same shape."""
    originals = [TEMPLATES / "facilitator.yml", *sorted(p for p in (TEMPLATES / "quickref").glob("*.yml")
                                                        if "." not in p.stem)]
    for original in originals:
        translated = original.with_name(f"{original.stem}.{language}.yml")
        assert translated.is_file(), f"{translated.name} is missing"
        read = lambda path: yaml.safe_load(path.read_text(encoding="utf-8"))  # noqa: E731
        assert shape(read(translated)) == shape(read(original)), translated.name
    assert [c["id"] for c in cards.quickref_cards(language)] == [c["id"] for c in cards.quickref_cards(REFERENCE)]
    translated, original = cards.quickref_cards(language), cards.quickref_cards(REFERENCE)
    assert all(a["title"] != b["title"] for a, b in zip(translated, original, strict=True))


# ---------------------------------------------------------------- a French course, every output


def ui_segments(language: str) -> set[str]:
    """The fixed parts (between placeholders) of the catalogue's strings, 12 characters or more,
    whitespace folded: what an output in this language shows whatever the course says. Parts that
    another catalogue writes the same way (a shared word like "Modules") are left out."""
    others = [catalogue(lang) for lang in languages() if lang != language]
    segments = set()
    for key, value in catalogue(language).items():
        for part in re.split(r"\{\w*\}", value):
            part = " ".join(part.replace("**", "").split())
            if len(part) >= 12 and not any(part in " ".join(o[key].split()) for o in others):
                segments.add(part)
    return segments


def folded(text: str) -> str:
    return " ".join(text.replace("**", "").replace("\\", "").split())


def leaked(text: str, language: str) -> set[str]:
    text = folded(text)
    return {s for s in ui_segments(language) if s in text}


def mini_in(folder: Path, language: str) -> Path:
    """A copy of the fixture course with ``language:`` set."""
    root = folder / "mini"
    shutil.copytree(FIXTURE, root)
    settings = root / "course.yml"
    settings.write_text(settings.read_text(encoding="utf-8") + f"\nlanguage: {language}\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module", params=["fr", "en"])
def course_in(request, tmp_path_factory):
    """The fixture course with ``language:`` set (English too: proof the leak check finds words)."""
    loaded = load_course(mini_in(tmp_path_factory.mktemp(request.param), request.param))
    assert loaded.course is not None, [p.format() for p in loaded.report.errors]
    return request.param, loaded.course


def other(language: str) -> str:
    return "en" if language == "fr" else "fr"


def assert_speaks(text: str, language: str) -> None:
    """The output shows words of ``language`` and none of the other language's UI strings."""
    assert leaked(text, language), f"no {language} UI words found"
    assert leaked(text, other(language)) == set()


def test_book_pages_speak_the_course_language(course_in):
    language, course = course_in
    pages = book_pages.write(course, WriteOptions(handouts=True))
    text = "\n".join(b.decode("utf-8") for name, b in pages.items() if name.endswith((".md", ".yml")))
    assert_speaks(text, language)


def test_player_and_knowledge_check_data_speak_the_course_language(course_in):
    language, course = course_in
    words = catalogue(language)
    for scenario in course.scenarios:
        data = player_data.scenario_data(course, scenario)
        assert data["messages"] and all(words[k] == v for k, v in data["messages"].items())
        assert_speaks(json.dumps(data, ensure_ascii=False), language)
    for module in course.modules:
        data = player_data.checks_data(course, module)
        assert data["messages"] and all(words[k] == v for k, v in data["messages"].items())


def test_notebooks_speak_the_course_language(course_in):
    language, course = course_in
    for raw in notebooks.write(course, WriteOptions()).values():
        cells = json.loads(raw)["cells"]
        prose = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        assert_speaks(prose, language)
        settings: dict = {}  # the words the report prints travel with the notebook, in its settings cell
        exec("".join(cells[1]["source"]), settings)
        words = catalogue(language)
        assert settings["WORDS"] == {k: v for k, v in words.items() if k.startswith(("session_report.", "ending."))}


@pytest.fixture(scope="module")
def pdfs(course_in):
    language, course = course_in
    return language, handouts.write(course, WriteOptions(cache={}))


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def test_handouts_and_certificate_speak_the_course_language(pdfs):
    language, files = pdfs
    words = catalogue(language)
    for name, pdf in files.items():
        text = pdf_text(pdf)
        assert leaked(text, other(language)) == set(), name
        if name.endswith(("-packet.pdf", "guide.pdf")):
            assert leaked(text, language), name
    certificate = folded(pdf_text(files["handouts/certificate.pdf"]))
    for key in ("handout.certificate_certifies", "handout.certificate_completed", "handout.certificate_signature"):
        assert folded(words[key]) in certificate
    assert words["handout.certificate_title"].upper() in certificate


def test_handout_data_carries_the_catalogues_words(course_in):
    language, course = course_in
    from branchbook.write.handouts.data import certificate_data, packet_data

    words = catalogue(language)
    data = packet_data(course, course.scenarios[0], "a4")
    assert data["t"]["packet_how_to_play"] == words["handout.packet_how_to_play"]
    assert data["t"]["endings"]["good"] == words["ending.good"]
    assert certificate_data(course, "a4")["t"]["certificate_title"] == words["handout.certificate_title"]


def test_check_summary_line_speaks_the_course_language(tmp_path):
    root = mini_in(tmp_path, "fr")
    result = CliRunner().invoke(main, ["check", str(root)])
    last = result.output.strip().splitlines()[-1]
    words = catalogue("fr")
    assert count("check.errors", 0, "fr") in last and count("check.modules", 1, "fr") in last
    assert words["check.passed"].split("{")[0] in last

    (root / "scenarios" / "noticeboard.yml").write_text("title: [", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(root)])
    first = result.output.splitlines()[0]
    assert first.startswith("scenarios/noticeboard.yml:") and f" {words['check.error']}" in first
    assert count("check.errors", 1, "fr") in result.output.strip().splitlines()[-1]


def test_cross_file_problems_and_hints_speak_the_course_language(tmp_path):
    root = mini_in(tmp_path, "fr")
    scenario = root / "scenarios" / "noticeboard.yml"
    scenario.write_text(scenario.read_text(encoding="utf-8").replace("upholds: [trustworthiness]",
                                                                    "upholds: [trustworthynes]", 1), encoding="utf-8")
    output = CliRunner().invoke(main, ["check", str(root)]).output
    words = catalogue("fr")
    assert words["check.course.unknown_principle"].format(id="trustworthynes") in output
    assert words["check.hint"].format(hint=words["check.did_you_mean"].format(id="trustworthiness")) in output


def test_a_scenarios_own_problems_speak_the_course_language(tmp_path):
    root = mini_in(tmp_path, "fr")
    scenario = root / "scenarios" / "noticeboard.yml"
    data = yaml.safe_load(scenario.read_text(encoding="utf-8"))
    choice = next(c for node in data["nodes"].values() for c in node.get("choices", []))
    choice["goto"] = "nowhere-at-all"
    first = next(iter(data["nodes"].values()))
    first["text"] = first["text"] + " <b>bold</b>"
    scenario.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    output = CliRunner().invoke(main, ["check", str(root)]).output
    assert catalogue("fr")["check.graph.goto_unknown"].format(id="nowhere-at-all") in output
    words = catalogue("fr")
    assert words["check.markup.shown"].format(what=words["check.markup.html"].format(detail="<b>")) in output
