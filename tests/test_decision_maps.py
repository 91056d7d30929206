"""Decision maps drawn by Graphviz, checked from the SVG itself: every scene and every choice is
drawn, no two scene boxes overlap, and the map fits the printed page at a readable size. For every
shipped scenario, for a scenario made by `branchbook new scenario` added last to a module, for
random graphs, and through `branchbook map` on the fixture course."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from browser_support import browser, context, guard, make_context, page, site  # noqa: F401 - fixtures
from click.testing import CliRunner
from hypothesis import given
from course_support import FAST, load_checked, random_course, scenarios  # the random-graph strategy the checker's tests use

from branchbook import layout
from branchbook.cli import main
from branchbook.messages.wording import condition_words
from branchbook.write import WriteOptions, book_pages, decision_map
from branchbook.write.sections import letter, section_numbers

REPO = Path(__file__).parent.parent
MINI = Path(__file__).parent / "fixtures" / "mini"
SVG = "{http://www.w3.org/2000/svg}"
CM = 72 / 2.54
# The printable area of the facilitator guide (templates/typst/common.typ: 2 cm by 2.2 cm margins),
# for the smaller of A4 and US Letter in each direction, less two lines for the map's heading.
PRINTABLE_WIDTH = min(595.28, 612.0) - 2 * 2 * CM
PRINTABLE_HEIGHT = min(841.89, 792.0) - 2 * 2.2 * CM - 2 * 17
SMALLEST_TEXT = 5.0  # pt: the smallest label (scene ids are 2 pt under the map's font) once scaled


@pytest.fixture(scope="module")
def shipped():
    return load_checked(REPO)


# ---------------------------------------------------------------- reading the SVG


def _numbers(text: str) -> list[float]:
    return [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", text)]


def _box(group: ET.Element) -> tuple[float, float, float, float]:
    """The bounding box (x0, y0, x1, y1) of a node's outline: its polygons, paths and ellipses."""
    xs, ys = [], []
    for shape in group.iter():
        tag = shape.tag.removeprefix(SVG)
        if tag == "polygon":
            points = _numbers(shape.attrib["points"])
        elif tag == "path":
            points = _numbers(shape.attrib["d"])
        elif tag == "ellipse":
            cx, cy, rx, ry = (float(shape.attrib[k]) for k in ("cx", "cy", "rx", "ry"))
            points = [cx - rx, cy - ry, cx + rx, cy + ry]
        else:
            continue
        xs += points[0::2]
        ys += points[1::2]
    assert xs and ys, "a node without an outline"
    return min(xs), min(ys), max(xs), max(ys)


class Drawing:
    """What an SVG map shows: scene boxes by scene id, arrows with their labels, size and scale."""

    def __init__(self, svg: bytes):
        self.root = ET.fromstring(svg)
        self.width, self.height = (float(self.root.attrib[k].removesuffix("pt")) for k in ("width", "height"))
        self.view_box = _numbers(self.root.attrib["viewBox"])
        graph = self.root.find(f"{SVG}g")
        scale = re.search(r"scale\(([\d.]+)", graph.attrib.get("transform", ""))
        self.scale = float(scale.group(1)) if scale else 1.0
        self.boxes: dict[str, tuple[float, float, float, float]] = {}
        self.labels: dict[str, str] = {}
        self.arrows: list[tuple[str, str, str, bool]] = []  # from, to, label, dashed
        for group in graph.iter(f"{SVG}g"):
            kind = group.attrib.get("class", "").split()
            title = group.findtext(f"{SVG}title") or ""
            texts = " ".join(t.text or "" for t in group.iter(f"{SVG}text"))
            if "node" in kind:
                self.boxes[title] = _box(group)
                self.labels[title] = texts
            elif "edge" in kind:
                source, _, target = title.partition("->")
                dashed = any("stroke-dasharray" in s.attrib for s in group.iter(f"{SVG}path"))
                self.arrows.append((source, target, texts, dashed))
        self.font_sizes = [float(t.attrib["font-size"]) for t in self.root.iter(f"{SVG}text")]


def assert_map_is_complete_and_fits(scenario, svg: bytes) -> Drawing:
    drawing = Drawing(svg)
    numbers = section_numbers(scenario)
    # every scene is a box, labelled with its section number (and its id or ending title)
    assert set(drawing.boxes) == set(scenario.nodes)
    for nid, node in scenario.nodes.items():
        label = drawing.labels[nid]
        assert re.search(rf"§{numbers[nid]}(?!\d)", label), (nid, label)
        if node.ending is not None:
            assert node.ending.kind.upper() in label
    # every choice is on an arrow from its scene to its target, under its letter ("?" when conditional)
    drawn: dict[tuple[str, str], list[str]] = {}
    for source, target, text, _ in drawing.arrows:
        drawn.setdefault((source, target), []).extend(text.replace(",", " ").split())
    for nid, node in scenario.nodes.items():
        for i, choice in enumerate(node.choices):
            mark = letter(i) + ("?" if choice.when is not None else "")
            assert mark in drawn.get((nid, choice.goto), []), (nid, i, choice.goto, drawn.get((nid, choice.goto)))
    assert sum(len(v) for v in drawn.values()) == sum(len(n.choices) for n in scenario.nodes.values())
    # no two scene boxes overlap
    boxes = sorted(drawing.boxes.items())
    for i, (a, (ax0, ay0, ax1, ay1)) in enumerate(boxes):
        for b, (bx0, by0, bx1, by1) in boxes[i + 1:]:
            overlap = min(ax1, bx1) - max(ax0, bx0), min(ay1, by1) - max(ay0, by0)
            assert overlap[0] <= 0 or overlap[1] <= 0, f"{a} and {b} overlap"
    # the drawing, at the size the guide prints it, fits the page, and its text stays readable
    assert drawing.width <= PRINTABLE_WIDTH and drawing.height <= PRINTABLE_HEIGHT, (drawing.width, drawing.height)
    assert drawing.view_box[2] <= drawing.width + 1 and drawing.view_box[3] <= drawing.height + 1
    assert min(drawing.font_sizes) * drawing.scale >= SMALLEST_TEXT, (scenario.id, drawing.scale)
    return drawing


def _svg(scenario, pauses: bool = False) -> bytes:
    return decision_map.svg(scenario, decision_map.Options.of(scenario, pauses=pauses))


# ---------------------------------------------------------------- the shipped course


def test_every_shipped_scenario_is_drawn_whole_and_fits_the_page(shipped):
    assert shipped.scenarios
    for scenario in shipped.scenarios:
        assert_map_is_complete_and_fits(scenario, _svg(scenario, pauses=True))
        assert_map_is_complete_and_fits(scenario, _svg(scenario))


def test_the_guide_draws_the_maps_with_pause_points(shipped):
    from branchbook.write.handouts.maps import map_data

    for scenario in shipped.scenarios:
        data = map_data(scenario)
        drawing = assert_map_is_complete_and_fits(scenario, data["svg"].encode())
        assert (data["width"], data["height"]) == (drawing.width, drawing.height)
        noted = [nid for nid, node in scenario.nodes.items() if node.facilitator]
        pauses = {m for nid in noted for m in re.findall(r"P(\d+)", drawing.labels[nid])}
        assert pauses == {str(n) for n in range(1, len(noted) + 1)}, scenario.id


# ---------------------------------------------------------------- a new scenario, last in its module


def _add_to_module(root: Path, module_id: str, scenario_id: str) -> int:
    path = root / "modules" / f"{module_id}.md"
    _, front, reading = path.read_text(encoding="utf-8").split("---\n", 2)
    data = yaml.safe_load(front)
    if scenario_id not in data["scenarios"]:
        data["scenarios"].append(scenario_id)
    path.write_text(f"---\n{yaml.safe_dump(data, sort_keys=False, allow_unicode=True)}---\n{reading}", encoding="utf-8")
    return len(data["scenarios"])


def test_a_new_scenario_added_last_to_a_module_is_mapped_in_its_guide(tmp_path):
    from pypdf import PdfReader
    import io

    from branchbook.write import handouts

    root = tmp_path / "course"
    shutil.copytree(REPO, root, ignore=shutil.ignore_patterns(".git", "book", "node_modules", "tests", "src", "*.egg-info"))
    (root / "book").mkdir()
    shutil.copy(REPO / "book" / "references.bib", root / "book" / "references.bib")
    module = yaml.safe_load((REPO / "course.yml").read_text(encoding="utf-8"))["modules"][0]
    result = CliRunner().invoke(main, ["new", "scenario", "added-last", str(root), "--module", module])
    assert result.exit_code == 0, result.output
    place = _add_to_module(root, module, "added-last")
    assert place >= 2
    course = load_checked(root)
    scenario = course.scenario("added-last")
    assert course.module(module).scenarios[-1] == "added-last"
    assert_map_is_complete_and_fits(scenario, _svg(scenario, pauses=True))
    # and in the module's printed guide: the map page shows every section number of the new scenario
    job = next(j for j in handouts.plan(course) if j.path == layout.facilitator_guide_pdf(module))
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(handouts.compile_pdf(job.template, job.data()))).pages]
    page = next(p for p in pages if f"Decision map: {scenario.title}" in p)
    assert {int(n) for n in re.findall(r"§(\d+)", page)} == set(range(1, len(scenario.nodes) + 1))


# ---------------------------------------------------------------- random graphs


@FAST
@given(scenario=scenarios())
def test_random_graphs_are_drawn_whole_and_fit(scenario):
    course = random_course(scenario)
    if course is None:
        return  # a course the checker refuses gets no map
    drawn = course.scenario("s")
    svg = _svg(drawn, pauses=True)
    assert_map_is_complete_and_fits(drawn, svg)
    assert svg == decision_map.render(decision_map.dot_source(drawn, decision_map.Options.of(drawn, pauses=True)))


# ---------------------------------------------------------------- safety and determinism


def test_hostile_text_stays_text_in_the_map(mini_course):
    path = mini_course / "scenarios" / "noticeboard.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    ending = next(n for n in data["nodes"].values() if "ending" in n)
    hostile = '<script>x</script> "q" \\N \\G & ]]> <!-- c --> é'
    ending["ending"]["title"] = hostile
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    scenario = load_checked(mini_course).scenario("noticeboard")
    svg = _svg(scenario)
    drawing = assert_map_is_complete_and_fits(scenario, svg)
    assert not [e for e in drawing.root.iter() if e.tag.removeprefix(SVG) in ("script", "foreignObject", "a", "image")]
    assert not [a for e in drawing.root.iter() for a in e.attrib if a.lower().startswith("on") or a.endswith("href")]
    shown = " ".join(drawing.labels.values())
    assert "<script>x</script>" in shown and '"q"' in shown and "& ]]>" in shown and "\\N" in shown
    assert b"<!--" not in svg and b"<?xml" not in svg and b"graphviz" not in svg.lower()


def test_the_same_model_gives_the_same_svg_in_another_process(tmp_path):
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        target = tmp_path / f"{seed}.svg"
        done = subprocess.run([sys.executable, "-m", "branchbook", "map", "the-favour", str(MINI), "-o", str(target)],
                              capture_output=True, text=True, env=env, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1]


# ---------------------------------------------------------------- `branchbook map`


def test_map_command_writes_svg_png_and_dot():
    runner = CliRunner()
    course = load_checked(MINI)
    scenario = course.scenario("noticeboard")
    result = runner.invoke(main, ["map", "noticeboard", str(MINI)])
    assert result.exit_code == 0, result.output
    assert_map_is_complete_and_fits(scenario, result.stdout_bytes)
    dot = runner.invoke(main, ["map", "noticeboard", str(MINI), "--format", "dot"])
    assert dot.exit_code == 0 and dot.output.startswith("digraph")
    for nid in scenario.nodes:
        assert f'"{nid}" [' in dot.output
    with runner.isolated_filesystem():
        png = runner.invoke(main, ["map", "noticeboard", str(MINI), "-o", "map.png"])
        assert png.exit_code == 0, png.output
        assert Path("map.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
        jpeg = runner.invoke(main, ["map", "noticeboard", str(MINI), "-o", "map.jpg"])
        assert jpeg.exit_code == 2 and "--format" in jpeg.output and not Path("map.jpg").exists()


def test_map_command_names_a_near_miss_and_a_missing_graphviz(monkeypatch, tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["map", "noticebord", str(MINI)])
    assert result.exit_code == 2 and "did you mean 'noticeboard'?" in result.output
    monkeypatch.setenv("PATH", str(tmp_path))   # no `dot` anywhere
    monkeypatch.setattr(decision_map, "_SVG_CACHE", {})
    result = runner.invoke(main, ["map", "noticeboard", str(MINI)])
    assert result.exit_code == 1
    assert "`dot` was not found" in result.output and "apt-get install graphviz" in result.output


def test_map_command_refuses_a_scenario_with_errors_and_draws_a_clean_one_beside_it(mini_course):
    path = mini_course / "scenarios" / "noticeboard.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("goto: listen", "goto: nowhere", 1), encoding="utf-8")
    result = CliRunner().invoke(main, ["map", "noticeboard", str(mini_course)])
    assert result.exit_code == 1 and "nowhere" in result.output and "fix them" in result.output
    # the author of the other scenario still sees its map, told that the course has errors elsewhere
    other = CliRunner().invoke(main, ["map", "the-favour", str(mini_course), "--format", "dot"])
    assert other.exit_code == 0, other.output
    assert other.stdout.startswith("digraph")
    assert "scenarios/noticeboard.yml" in other.stderr and "branchbook check" in other.stderr
    assert other.stdout == CliRunner().invoke(main, ["map", "the-favour", str(MINI), "--format", "dot"]).stdout


# ---------------------------------------------------------------- the scenario page


def test_each_scenario_page_has_the_map_and_the_map_in_words():
    course = load_checked(MINI)
    files = book_pages.write(course, WriteOptions(handouts=False))
    for scenario in course.scenarios:
        page = files[f"{layout.scenario_page(scenario.id)}.md"].decode()
        assert f"```{{image}} ../{layout.decision_map_svg(scenario.id)}" in page
        assert_map_is_complete_and_fits(scenario, files[layout.decision_map_svg(scenario.id)])
        section = re.sub(r"\\(.)", r"\1", page[page.index("## Decision map"):])  # MyST escapes undone
        lines = section.splitlines()
        numbers = section_numbers(scenario)
        for nid, node in scenario.nodes.items():
            head = next(line for line in lines if re.match(rf"- §{numbers[nid]}\b", line))
            assert (node.ending.title if node.ending else nid) in head
            for i, choice in enumerate(node.choices):
                said = f"  - {letter(i)}: {' '.join(choice.label.split())} → §{numbers[choice.goto]}"
                line = next((line for line in lines if line.startswith(said)), None)
                assert line is not None, (nid, i)
                offered = f"(offered only if {condition_words(choice.condition)})" if choice.when else None
                assert (line.endswith(offered) if offered else "offered only" not in line), line


@pytest.mark.browser
@pytest.mark.slow
def test_the_map_on_a_scenario_page_loads_under_the_csp_and_passes_axe(site, page, make_context):
    """The page as served (CSP on: a violation is a console error the guard fails on), then axe
    with the dropdown open."""
    from shipped_site import run_axe

    scenario_id = sorted(site.pages)[0]
    page.goto(site.url(scenario_id))
    page.get_by_text("Show the decision map").click()
    image = page.locator("img.bb-decision-map")
    assert image.is_visible()
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    assert image.get_attribute("alt")
    checked = make_context(bypass_csp=True, viewport={"width": 1280, "height": 900}).new_page()
    checked.goto(site.url(scenario_id))
    checked.get_by_text("Show the decision map").click()
    assert run_axe(checked) == []


def test_build_without_graphviz_stops_with_the_package_to_install(mini_course, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))   # no `dot` anywhere
    monkeypatch.setattr(decision_map, "_SVG_CACHE", {})
    result = CliRunner().invoke(main, ["build", str(mini_course), "--no-handouts"])
    assert result.exit_code == 1
    assert "apt-get install graphviz" in result.output and "previous site is unchanged" in result.output
    assert not (mini_course / "book" / "scenarios").exists()  # nothing was written
