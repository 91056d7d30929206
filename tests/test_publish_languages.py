"""Publishing every language: the GitHub Pages workflow that ``init`` writes, its build steps run as a script
on a course made by ``init`` + ``translate fr``, publishes a folder where every language-switch link of every
page, and every link of its home page, resolves to a file of the folder."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import branchbook
from branchbook.cli import main

NAV = re.compile(r'<nav class="bb-languages"[^>]*>(.*?)</nav>', re.S)
HREF = re.compile(r'href="([^"#]+)"')


def invoke(*args) -> str:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


def pretend_to_translate(root: Path, language: str) -> None:
    """Every text of the skeleton overlays changed (as a translator changes them), then stamped."""
    def changed(value, key=None):
        if isinstance(value, dict):
            return {k: changed(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [changed(v) for v in value]
        return f"{language.upper()} {value}" if isinstance(value, str) and key != "language" else value

    for path in root.rglob(f"*.{language}.*"):
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".md":
            _, front, reading = text.split("---\n", 2)
            front = yaml.safe_dump(changed(yaml.safe_load(front)), allow_unicode=True)
            text = f"---\n{front}---\n{language}\n\n{reading}"
        else:
            text = yaml.safe_dump(changed(yaml.safe_load(text)), allow_unicode=True)
        path.write_text(text, encoding="utf-8")
    invoke("translate", language, root, "--stamp")


def run_workflow_build_steps(root: Path) -> Path:
    """The ``run:`` steps of the workflow's build job after the installation, as one script in the course folder
    (the branchbook on this test's path stands for the one the workflow installs)."""
    workflow = yaml.safe_load((root / ".github" / "workflows" / "pages.yml").read_text(encoding="utf-8"))
    job = workflow["jobs"]["build"]["steps"]
    steps = [step["run"] for step in job if "run" in step and not step.get("name", "").startswith("Install")]
    env = {**os.environ, "PYTHONPATH": str(Path(branchbook.__file__).parents[1]),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run(["bash", "-e", "-c", "\n".join(steps)], cwd=root, env=env, check=True, capture_output=True)
    upload = next(step for step in job if "upload-pages-artifact" in step.get("uses", ""))
    return root / upload["with"]["path"]


def unresolved(published: Path, page: Path, hrefs: list[str]) -> list[str]:
    """The links of ``page`` that do not lead to a file of the published folder (resolved as a browser does)."""
    bad = []
    for href in hrefs:
        target = Path(os.path.normpath(page.parent / href))
        if not (target.is_file() and target.is_relative_to(published)):
            bad.append(f"{page.relative_to(published)} -> {href}")
    return bad


@pytest.mark.slow
def test_the_workflow_publishes_every_language_with_switch_links_that_resolve(tmp_path):
    root = tmp_path / "course"
    invoke("init", root)
    invoke("translate", "fr", root)
    pretend_to_translate(root, "fr")
    published = run_workflow_build_steps(root)
    assert not [p for p in published.rglob("*") if p.is_symlink()]  # files, not the build's links
    home = (published / "index.html").read_text(encoding="utf-8")
    assert HREF.findall(home) and unresolved(published, published / "index.html", HREF.findall(home)) == []
    switched, bad = 0, []
    for page in published.rglob("*.html"):
        for nav in NAV.findall(page.read_text(encoding="utf-8")):
            hrefs = HREF.findall(nav)
            switched += len(hrefs)
            bad += unresolved(published, page, hrefs)
    assert bad == [] and switched
    # each site is in its language, and its switch leads to the same page in the other
    scenario = next((published / "html-fr" / "scenarios").glob("*.html"))
    assert '<html lang="fr"' in scenario.read_text(encoding="utf-8")
    [link] = HREF.findall(NAV.search(scenario.read_text(encoding="utf-8")).group(1))
    assert Path(os.path.normpath(scenario.parent / link)) == published / "html" / "scenarios" / scenario.name


@pytest.mark.slow
def test_a_course_in_one_language_is_published_at_the_root_as_before(tmp_path):
    root = tmp_path / "course"
    invoke("init", root)
    published = run_workflow_build_steps(root)
    assert (published / "intro.html").is_file() and not (published / "html").exists()
    invoke("export", "site", "--course", root, "--no-handouts", "-o", published)  # its own folder is replaced
    assert (published / "intro.html").is_file()


def test_export_site_will_not_replace_a_folder_it_did_not_make(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me", encoding="utf-8")
    result = CliRunner().invoke(main, ["export", "site", "--course", str(tmp_path), "-o", str(mine)])
    assert result.exit_code == 2 and "did not make" in result.output
    assert (mine / "notes.txt").read_text(encoding="utf-8") == "keep me"
