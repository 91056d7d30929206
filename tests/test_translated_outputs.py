"""A translation's handouts, Twine files and SCORM package: made from the translated course, written into
the language's own folders, and refused (exit 2) for a language course.yml does not list."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from course_support import french_mini
from pypdf import PdfReader

from branchbook.cli import main


def _text(pdf) -> str:
    return " ".join(page.extract_text() for page in PdfReader(pdf).pages)


def invoke(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_handouts_of_a_translation_are_in_its_language_in_its_own_folder(tmp_path):
    root = french_mini(tmp_path)
    result = invoke("handouts", root, "--language", "fr")
    assert result.exit_code == 0, result.output
    french = root / "book" / "_languages" / "fr" / "handouts"
    packet = _text(french / "scenarios" / "noticeboard-packet.pdf")
    assert "Le panneau d'affichage" in packet.replace("\u2019", "'")
    assert (french / "certificate.pdf").is_file() and (french / "facilitator" / "guide.pdf").is_file()
    assert not (root / "book" / "handouts").exists()  # the original's handouts are not touched
    assert invoke("handouts", root, "--language", "fr").exit_code == 0  # a second run rewrites nothing
    assert str(french) in invoke("handouts", root, "--language", "fr").output.replace("\n", "")


@pytest.mark.parametrize("command", [["handouts"], ["export", "twee", "-o", "{out}", "--course"],
                                     ["export", "scorm", "-o", "{out}.zip", "--course"]])
def test_a_language_the_course_does_not_list_is_refused_with_exit_2(tmp_path, command):
    root = french_mini(tmp_path)
    def files() -> list[Path]:  # leaving out the check's cache
        return sorted(p for p in tmp_path.rglob("*") if p.is_file() and ".cache" not in p.parts)

    before = files()
    result = invoke(*(part.format(out=tmp_path / "out") for part in command), root, "--language", "de")
    assert result.exit_code == 2, result.output
    assert "'de'" in result.output and "translations: [fr]" in result.output
    assert files() == before  # nothing written


def test_twee_of_a_translation_has_its_texts_and_the_originals_graph(tmp_path):
    root = french_mini(tmp_path)
    for language, out in ((None, tmp_path / "en"), ("fr", tmp_path / "fr")):
        result = invoke("export", "twee", "--course", root, "-o", out, *(["--language", language] if language else []))
        assert result.exit_code == 0, result.output
    english, french = ((tmp_path / lang / "noticeboard.twee").read_text(encoding="utf-8") for lang in ("en", "fr"))
    assert "Le panneau d'affichage" in french and "Le panneau d'affichage" not in english
    assert re.findall(r"^:: (\S+)", french, re.M) == re.findall(r"^:: (\S+)", english, re.M)


@pytest.mark.slow
def test_scorm_of_a_translation_packages_its_own_site_without_a_switch(tmp_path):
    root = french_mini(tmp_path)
    out = tmp_path / "fr.zip"
    result = invoke("export", "scorm", "--course", root, "--no-handouts", "-o", out, "--language", "fr")
    assert result.exit_code == 0, result.output
    assert (root / "book" / "_build" / "html-fr" / "index.html").exists()
    assert not (root / "book" / "_build" / "html").exists()  # the original's site was not built for it
    with zipfile.ZipFile(io.BytesIO(out.read_bytes())) as package:
        pages = {name: package.read(name).decode("utf-8") for name in package.namelist() if name.endswith(".html")}
    board = pages["scenarios/noticeboard.html"]
    assert '<html lang="fr"' in board and "Le panneau d" in board
    # a package holds one language: no page links a site outside it
    assert not [name for name, page in pages.items() if "bb-languages" in page or "html-fr/" in page
                or "../html/" in page]


def _generated(root: Path, language: str) -> dict[str, bytes]:
    from branchbook.build import generated_files
    from branchbook.load import load_course
    from branchbook.write import WriteOptions

    return generated_files(load_course(root, language=language).course, WriteOptions(handouts=False))


def test_the_translated_book_has_its_search_box_and_home_page_in_its_language(tmp_path):
    import json

    import yaml

    from branchbook.messages import message

    root = french_mini(tmp_path)
    (root / "book").mkdir(exist_ok=True)
    (root / "book" / "intro.md").write_text("# The original home page\n", encoding="utf-8")
    files = _generated(root, "fr")
    theme = yaml.safe_load(files["_config.yml"])["sphinx"]["config"]["html_theme_options"]
    assert theme["search_bar_text"] == message("site.search", "fr") != message("site.search", "en")
    # no book/intro.fr.md: the original's home page, and the page says it is not translated
    assert files["intro.md"] == b"# The original home page\n"
    assert "intro" in json.loads(files["_data/languages.json"])["untranslated"]
    (root / "book" / "intro.fr.md").write_text("# La page d'accueil\n", encoding="utf-8")
    files = _generated(root, "fr")
    assert files["intro.md"] == b"# La page d'accueil\n"
    assert "intro" not in json.loads(files["_data/languages.json"])["untranslated"]
    assert "intro" not in json.loads(_generated(root, "en")["_data/languages.json"])["untranslated"]


@pytest.mark.slow
def test_the_translated_site_shows_the_home_page_overlay_and_a_translated_search_box(tmp_path):
    from branchbook.messages import message

    root = french_mini(tmp_path)
    (root / "book").mkdir(exist_ok=True)
    (root / "book" / "intro.fr.md").write_text("# Bienvenue\n\nUne page traduite pour commencer.\n", encoding="utf-8")
    result = invoke("build", root, "--no-handouts", "--language", "fr")
    assert result.exit_code == 0, result.output
    home = (root / "book" / "_build" / "html-fr" / "intro.html").read_text(encoding="utf-8")
    assert "Une page traduite pour commencer." in home and 'class="bb-untranslated"' not in home
    assert f'placeholder="{message("site.search", "fr")}"' in home
