"""Translations: overlays read, checked, applied and kept in step by `branchbook translate`.

Every check rule's failing case is in tests/broken/translation-*.case; here are the passing cases,
the translated course itself, the round trip of the command, and properties on random courses.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import assume, given, settings, strategies as st

from branchbook.cli import main
from branchbook.load import load_course
from branchbook.model.translate import SPECS, original_texts
from branchbook.translate_command import _put
from branchbook.write import player_data
from course_support import FAST, french_mini, play, scenarios, write_course

FIXTURES = Path(__file__).parent / "fixtures"


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_a_stamped_translation_checks_clean_except_the_texts_it_leaves_out(tmp_path):
    loaded = load_course(french_mini(tmp_path))
    assert loaded.report.errors == []
    # the-favour.fr.yml leaves out the scene 'conflicted' and the debrief question, on purpose
    [warning] = loaded.report.warnings
    assert warning.file == "scenarios/the-favour.fr.yml" and warning.message.startswith("French translation: 4 of ")
    for path in ("nodes.conflicted.text", "nodes.conflicted.ending.title", "nodes.conflicted.ending.debrief",
                 "debrief.0"):
        assert f"'{path}'" in warning.message


def test_the_translated_course_has_the_overlay_texts_and_the_original_structure(tmp_path):
    root = french_mini(tmp_path)
    original = load_course(root).course
    french = load_course(root, language="fr").course
    assert french.settings.language == "fr" and original.settings.language == "en"
    assert french.settings.translations == original.settings.translations
    assert french.scenario("noticeboard").title == "Le panneau d'affichage"
    assert french.principle("safety").name == "Sécurité"
    assert french.module("basics").reading.startswith("## Pourquoi l'objet compte")
    assert french.module("basics").checks[0].options[0].correct is True
    for ours, theirs in zip(french.scenarios, original.scenarios):
        assert ours.start == theirs.start and list(ours.nodes) == list(theirs.nodes)
        for node_id, node in ours.nodes.items():
            assert [(c.goto, c.effects, c.when, c.upholds, c.violates) for c in node.choices] == \
                [(c.goto, c.effects, c.when, c.upholds, c.violates) for c in theirs.nodes[node_id].choices]
        assert [r.name for r in ours.roles] == [r.name for r in theirs.roles]  # invented names are kept
    favour = french.scenario("the-favour")
    assert favour.nodes["conflicted"].text == original.scenario("the-favour").nodes["conflicted"].text
    assert favour.nodes["recused"].text == "Une personne sans lien reprend le dossier."
    assert set(french.translation.untranslated("scenario:the-favour")) == {
        "nodes.conflicted.text", "nodes.conflicted.ending.title", "nodes.conflicted.ending.debrief", "debrief.0"}
    assert french.translation.untranslated("scenario:noticeboard") == ()
    assert french.source is original or french.source == original
    assert original.translation is None and original.source is original


def test_saved_progress_keys_are_the_originals_whatever_the_translation_says(tmp_path):
    root = french_mini(tmp_path)

    def keys(course) -> dict:
        data = player_data.scenario_data(course, course.scenario("noticeboard"))
        return {n: [(c["key"], c["label"]) for c in node["choices"]] for n, node in data["nodes"].items()}

    english = keys(load_course(root).course)
    french = keys(load_course(root, language="fr").course)
    assert [[k for k, _ in v] for v in english.values()] == [[k for k, _ in v] for v in french.values()]
    assert english["ask"][0][1] != french["ask"][0][1]
    overlay = root / "scenarios" / "noticeboard.fr.yml"
    overlay.write_text(overlay.read_text(encoding="utf-8").replace(
        "Laisser tomber", "Ne rien faire"), encoding="utf-8")  # a re-translation
    retranslated = keys(load_course(root, language="fr").course)
    assert retranslated["ambush"][1][1] == "Ne rien faire"
    assert [k for k, _ in retranslated["ambush"]] == [k for k, _ in english["ambush"]]


def test_a_language_the_course_does_not_list_is_an_error_naming_course_yml(tmp_path):
    loaded = load_course(french_mini(tmp_path), language="de")
    assert loaded.course is None
    [problem] = loaded.report.errors
    assert problem.file == "course.yml" and "'de'" in problem.message and "translations" in problem.hint


def test_overlays_are_not_read_as_modules_or_scenarios(tmp_path):
    root = french_mini(tmp_path)
    course = load_course(root).course
    assert [s.id for s in course.scenarios] == ["noticeboard", "the-favour"]
    assert [m.id for m in course.modules] == ["basics"]


def test_check_names_the_language_and_strict_fails_on_missing_texts(tmp_path):
    root = french_mini(tmp_path)
    result = CliRunner().invoke(main, ["check", str(root)])
    assert result.exit_code == 0 and "French translation: 4 of 20 text(s) are not in this file" in result.output
    assert CliRunner().invoke(main, ["check", str(root), "--strict"]).exit_code == 1


def test_init_then_translate_stamp_check_round_trip(tmp_path):
    root = tmp_path / "course"
    run("init", str(root))
    created = run("translate", "fr", str(root))
    assert "course.fr.yml: created" in created and "translations: [fr]" in (root / "course.yml").read_text()
    overlays = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.fr.*"))
    assert overlays and all(".fr." in o for o in overlays)
    assert "stamped" in run("translate", "fr", str(root), "--stamp")
    loaded = load_course(root)
    assert loaded.report.errors == []
    # a skeleton holds the original texts: each file says they are not translated yet, and nothing else
    assert {p.file for p in loaded.report.warnings} == set(overlays)
    assert all("still the same as in" in p.message for p in loaded.report.warnings)
    # unchanged originals: running again rewrites nothing
    before = {o: (root / o).read_bytes() for o in overlays}
    assert run("translate", "fr", str(root)) == "" and run("translate", "fr", str(root), "--stamp") == ""
    assert before == {o: (root / o).read_bytes() for o in overlays}


def test_translate_adds_missing_texts_and_keeps_translated_ones(tmp_path):
    root = french_mini(tmp_path)
    favour = root / "scenarios" / "the-favour.fr.yml"
    said = run("translate", "fr", str(root))
    assert said == "scenarios/the-favour.fr.yml: added 4 text(s) to translate\n"
    data = yaml.safe_load(favour.read_text(encoding="utf-8"))
    assert data["nodes"]["recused"]["text"] == "Une personne sans lien reprend le dossier."
    assert data["nodes"]["conflicted"]["text"] == "Kit learns you live with the respondent."
    assert favour.read_text(encoding="utf-8").startswith("# Partly translated on purpose")  # its top comment stays
    same, unstamped = sorted(load_course(root).report.warnings, key=lambda p: "hash" in p.message)
    assert "4 of 20 text(s) are still the same as in scenarios/the-favour.yml" in same.message  # until translated
    assert "4 translated text(s) have no source hash" in unstamped.message  # until stamped


def test_stamp_then_an_original_edit_makes_that_text_out_of_date(tmp_path):
    root = french_mini(tmp_path)
    scenario = root / "scenarios" / "noticeboard.yml"
    scenario.write_text(scenario.read_text(encoding="utf-8").replace("Jo goes quiet", "Jo falls silent"),
                        encoding="utf-8")
    stale = [p for p in load_course(root).report.warnings if "out of date" in p.message]
    assert [(p.file, p.message.split("'")[1]) for p in stale] == [("scenarios/noticeboard.fr.yml", "nodes.ambush.text")]
    overlay = root / "scenarios" / "noticeboard.fr.yml"
    overlay.write_text(overlay.read_text(encoding="utf-8").replace(
        "\n  ambush:\n", "\n  # a note between translators\n  ambush:\n", 1), encoding="utf-8")
    run("translate", "fr", str(root), "--stamp")
    assert not [p for p in load_course(root).report.warnings if "out of date" in p.message]
    assert "\n  # a note between translators\n  ambush:\n" in overlay.read_text(encoding="utf-8")  # stamping keeps it


def test_check_speaks_the_course_language_about_its_translations(tmp_path):
    """A French course translated into Spanish: the problems are told in French, naming the language."""
    root = tmp_path / "course"
    shutil.copytree(FIXTURES / "mini", root)
    course = root / "course.yml"
    course.write_text(course.read_text(encoding="utf-8").replace("modules: [basics]", "language: fr\nmodules: [basics]")
                      + "translations: [es]\n", encoding="utf-8")
    (root / "scenarios" / "noticeboard.es.yml").write_text("language: es\nstart: listen\n", encoding="utf-8")
    loaded = load_course(root)
    [error] = loaded.report.errors
    assert error.message == "Traduction (espagnol)\u00a0: «\u00a0start\u00a0» fait partie de la structure, pas du " \
        "texte\u00a0: seul le texte se traduit ici"
    assert "scenarios/noticeboard.yml" in error.hint
    assert all(p.message.startswith("Traduction (espagnol)") for p in loaded.report.warnings)


def test_serve_reloads_on_an_overlay_save_but_not_on_a_translated_book_source(tmp_path):
    from branchbook.serve.watch import authored

    root = french_mini(tmp_path)
    assert authored(root, root / "scenarios" / "noticeboard.fr.yml")
    assert authored(root, root / "modules" / "basics.fr.md") and authored(root, root / "course.fr.yml")
    assert not authored(root, root / "book" / "_languages" / "fr" / "intro.md")  # written by build --language


def test_every_text_field_of_the_model_is_translatable_or_named_structure():
    """A new text field added to the model must be placed: either in the overlay description or structure."""
    from branchbook.model import CourseSettings, Module, Scenario

    for kind, model in (("course", CourseSettings), ("module", Module), ("scenario", Scenario)):
        spec = SPECS[kind]
        assert spec.model is model
        assert set(spec.parts) <= set(model.model_fields)


@FAST
@given(scenario=scenarios(), data=st.data())
def test_a_translated_random_course_has_the_same_graph_keys_and_offers(scenario, data):
    with tempfile.TemporaryDirectory() as tmp:
        root = write_course(Path(tmp) / "course", scenario)
        loaded = load_course(root)
        assume(loaded.course is not None)
        run("translate", "fr", str(root))
        overlay = root / "scenarios" / "s.fr.yml"
        texts = original_texts("scenario", loaded.course.scenario("s"))
        dropped = data.draw(st.sets(st.sampled_from(sorted(texts))))
        marked = {}
        for key, text in texts.items():  # every kept text gets a French marker; some are left out
            if key not in dropped:
                marked[key] = "FR " + text[:290] if not text.startswith(("#", "-", "*", ">")) else text
        with_marks: dict = {}
        for key, text in marked.items():  # back into the overlay's shape, as the command writes it
            _put(with_marks, tuple(int(p) if p.isdigit() else p for p in key.split(".")), text)
        overlay.write_text(yaml.safe_dump({"language": "fr", **with_marks}, allow_unicode=True, sort_keys=False),
                           encoding="utf-8")
        french = load_course(root, language="fr")
        assert french.report.errors == [], [p.format() for p in french.report.errors]
        english_data = player_data.scenario_data(loaded.course, loaded.course.scenario("s"))
        french_data = player_data.scenario_data(french.course, french.course.scenario("s"))
        for node_id, node in english_data["nodes"].items():
            theirs = french_data["nodes"][node_id]
            assert [(c["key"], c["goto"], c["when"], c["effects"]) for c in node["choices"]] == \
                [(c["key"], c["goto"], c["when"], c["effects"]) for c in theirs["choices"]]
        assert play(english_data).paths == play(french_data).paths
        untranslated = set(french.course.translation.untranslated("scenario:s"))
        assert untranslated == {k for k in dropped if not k.endswith(".name")}


@settings(FAST, max_examples=15)  # each example runs the command twice and checks three times
@given(scenario=scenarios())
def test_a_skeleton_of_any_accepted_course_reads_back_as_the_original_texts(scenario):
    """Whatever the texts (quotes, colons, '#', line breaks, any Unicode), the skeleton the command writes
    holds exactly the original's texts, and once stamped it checks with no problem but 'not translated'."""
    with tempfile.TemporaryDirectory() as tmp:
        root = write_course(Path(tmp) / "course", scenario)
        loaded = load_course(root)
        assume(loaded.course is not None)
        run("translate", "fr", str(root))
        run("translate", "fr", str(root), "--stamp")
        french = load_course(root, language="fr")
        assert french.report.errors == [], [p.format() for p in french.report.errors]
        said_of_originals = {p.message for p in loaded.report.warnings}
        assert [p.format() for p in french.report.warnings if p.file.endswith((".fr.yml", ".fr.md"))
                and "still the same" not in p.message
                and p.message.removeprefix("French translation: ") not in said_of_originals] == []
        assert original_texts("scenario", french.course.scenario("s")) == \
            original_texts("scenario", loaded.course.scenario("s"))
        assert french.course.translation.untranslated("scenario:s") == ()


@pytest.mark.slow
def test_build_language_makes_its_own_site_with_a_switch_and_leaves_the_original_alone(tmp_path):
    root = french_mini(tmp_path)
    run("build", str(root), "--no-handouts")
    build = root / "book" / "_build"
    english = {p.relative_to(build / "html"): p.read_bytes() for p in (build / "html").rglob("*") if p.is_file()}
    sources = {p: p.read_bytes() for p in (root / "book").rglob("*") if p.is_file() and "_build" not in p.parts}
    run("build", str(root), "--no-handouts", "--language", "fr")
    assert english == {p.relative_to(build / "html"): p.read_bytes()
                       for p in (build / "html").rglob("*") if p.is_file()}
    assert all(p.read_bytes() == data for p, data in sources.items())
    favour = (build / "html-fr" / "scenarios" / "the-favour.html").read_text(encoding="utf-8")
    assert '<html lang="fr"' in favour and "Le service rendu" in favour
    assert 'class="bb-untranslated"' in favour  # its scene 'conflicted' is not translated
    assert 'class="bb-untranslated"' not in (build / "html-fr" / "scenarios" / "noticeboard.html").read_text("utf-8")
    for site, other in (("html", "html-fr"), ("html-fr", "html")):  # every page links the same page in the other
        for page in (build / site).rglob("*.html"):
            relative = page.relative_to(build / site)
            if relative.name in ("index.html", "search.html", "genindex.html") or relative.parts[0].startswith("_"):
                continue  # a redirect, Sphinx's own pages and the theme's files
            links = re.findall(r'<nav class="bb-languages"[^>]*><a href="([^"]+)"', page.read_text(encoding="utf-8"))
            assert len(links) == 1, page
            target = Path(os.path.normpath(page.parent / links[0]))  # as a browser resolves it: '..' on the URL
            assert target == build / other / page.relative_to(build / site) and target.is_file()


def test_a_partial_translation_is_reported_as_notices_when_the_course_allows_it(tmp_path):
    root = french_mini(tmp_path)
    settings = root / "course.yml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("\nrules:\n", "\nrules:\n  complete_translations: false\n"),
                        encoding="utf-8")
    (root / "modules" / "basics.fr.md").unlink()
    loaded = load_course(root)
    assert loaded.report.warnings == [] and loaded.report.errors == []
    notices = {p.file: p.message for p in loaded.report.notices}
    assert "1 of " in notices["course.yml"] and "modules/basics.fr.md" in notices["course.yml"]
    assert "4 of 20 text(s) are not in this file" in notices["scenarios/the-favour.fr.yml"]
    strict = CliRunner().invoke(main, ["check", str(root), "--strict"])
    assert strict.exit_code == 0 and "2 notices" in strict.output
    github = CliRunner().invoke(main, ["check", str(root), "--strict", "--format", "github"])
    assert github.exit_code == 0 and github.output.count("::notice file=") == 2
    # the French site still gets every page: the module falls back to the original and says so
    french = load_course(root, language="fr").course
    assert french.module("basics").reading == loaded.course.module("basics").reading


def test_a_text_kept_the_same_on_purpose_is_listed_under_kept(tmp_path):
    root = french_mini(tmp_path)
    overlay = root / "scenarios" / "noticeboard.fr.yml"
    data = yaml.safe_load(overlay.read_text(encoding="utf-8"))
    original = load_course(root).course.scenario("noticeboard")
    text = overlay.read_text(encoding="utf-8").replace(
        data["title"], original.title.replace("'", "''"), 1)
    overlay.write_text(text, encoding="utf-8")
    [same] = [p for p in load_course(root).report.warnings if "still the same" in p.message]
    assert same.file == "scenarios/noticeboard.fr.yml" and "'title'" in same.message and "kept:" in same.hint
    overlay.write_text(text + "kept: [title]\n", encoding="utf-8")
    assert not [p for p in load_course(root).report.warnings if "still the same" in p.message]
    overlay.write_text(text + "kept: [titel]\n", encoding="utf-8")
    [error] = load_course(root).report.errors
    assert error.file == "scenarios/noticeboard.fr.yml" and "'titel'" in error.message
