"""The shipped course meets the content bars: coverage, graph shape, feedback, plain language."""

from __future__ import annotations

import re
from collections import deque
from pathlib import Path

import pytest
import textstat

from branchbook.load import load_course
from branchbook.model import Scenario
from branchbook.model.texts import participant_prose
from branchbook.write.markdown import to_plain

REPO = Path(__file__).parent.parent
SHARED_DENYLIST = REPO.parent / "shared" / "denylist.sha256"


@pytest.fixture(scope="module")
def loaded():
    return load_course(REPO)


@pytest.fixture(scope="module")
def course(loaded):
    assert loaded.course is not None, "\n".join(p.format() for p in loaded.report.errors)
    return loaded.course


def min_decisions_to_an_ending(scenario: Scenario) -> int:
    """Fewest decision scenes on any path from the start to an ending (conditions ignored: a lower bound)."""
    best = {scenario.start: 0}
    queue = deque([scenario.start])
    result = None
    while queue:
        node_id = queue.popleft()
        node = scenario.nodes[node_id]
        if node.ending:
            result = best[node_id] if result is None else min(result, best[node_id])
            continue
        for choice in node.choices:
            cost = best[node_id] + 1
            if cost < best.get(choice.goto, 10**9):
                best[choice.goto] = cost
                queue.append(choice.goto)
    return result


def test_course_checks_clean_even_strictly(loaded):
    assert loaded.report.errors == [] and loaded.report.warnings == []


def test_every_failure_pattern_is_covered(course):
    cited = {f for s in course.scenarios for f in s.provenance.failures}
    assert cited == {f"F{i:02d}" for i in range(1, 30)}


def test_five_modules_each_with_three_scenarios_and_six_checks(course):
    assert [m.id for m in course.modules] == ["receiving", "safety", "independence", "mediation", "outcomes", "hard-cases"]
    assert len(course.scenarios) >= 15
    for module in course.modules:
        assert len(module.scenarios) >= 3, module.id
        assert len(module.checks) >= 6, module.id
        assert len(module.objectives) >= 3, module.id
        words = len(re.findall(r"\w+", module.reading))
        assert 800 <= words <= 1600, (module.id, words)


@pytest.mark.parametrize("index", range(15))
def test_scenario_shape(course, index):
    scenario = course.scenarios[index]
    kinds = [e.kind for e in scenario.endings.values()]
    decisions = [n for n in scenario.nodes.values() if n.choices]
    assert len(scenario.nodes) >= 10
    assert {"good", "mixed", "harmful"} <= set(kinds) and len(kinds) >= 3
    assert min_decisions_to_an_ending(scenario) >= 3
    assert sum(len(n.choices) >= 3 for n in decisions) > len(decisions) / 2
    for node in decisions:
        for choice in node.choices:
            assert choice.feedback and (choice.upholds or choice.violates), (scenario.id, choice.label)
    learner = scenario.role(scenario.learner_role)
    assert learner.playable
    assert any(not r.playable for r in scenario.roles), "the person harmed is scripted, never played"
    assert any(r.private for r in scenario.roles), "workshops need at least one private brief"


def test_the_independent_commission_is_modelled(course):
    model = [s for s in course.scenarios if "F26" in s.provenance.failures]
    assert any("commission" in s.role(s.learner_role).title.lower() for s in model)


def test_plain_language_per_scenario(course):
    scores = {}
    for scenario in course.scenarios:
        prose = "\n\n".join(to_plain(t) for t in participant_prose(scenario))
        scores[scenario.id] = textstat.flesch_reading_ease(prose)
    assert all(score >= 50 for score in scores.values()), scores


def test_glossary_defines_the_jargon(course):
    terms = {g.term.casefold() for g in course.settings.glossary}
    for jargon in ("recusal", "interim measures", "restorative justice", "darvo", "respondent", "complainant"):
        assert jargon in terms


@pytest.mark.skipif(not SHARED_DENYLIST.exists(), reason="the shared denylist is not beside this checkout")
def test_course_denylist_is_the_shared_one(course):
    ours = (course.root / course.settings.deidentification.denylist).read_text().split()
    shared = SHARED_DENYLIST.read_text().split()
    assert {h for h in shared if len(h) == 64} <= set(ours)


TESTIMONY = REPO.parent / "shared" / "source" / "testimony.txt"


@pytest.mark.skipif(not TESTIMONY.exists(), reason="the source testimony is not beside this checkout")
def test_no_sentence_of_the_source_is_quoted():
    """No run of five words from the testimony appears in any course or project text file."""
    words = lambda text: re.sub(r"[^a-z0-9' ]+", " ", text.lower().replace("\u2019", "'")).split()  # noqa: E731
    source = words(TESTIMONY.read_text(encoding="utf-8"))
    shingles = {tuple(source[i:i + 5]) for i in range(len(source) - 4)}
    found = {}
    for path in [*REPO.glob("scenarios/*.yml"), *REPO.glob("modules/*.md"), REPO / "course.yml",
                 *REPO.glob("book/*.md"), *REPO.glob("docs/*.md"), REPO / "README.md"]:
        text = words(path.read_text(encoding="utf-8"))
        hits = {" ".join(text[i:i + 5]) for i in range(len(text) - 4) if tuple(text[i:i + 5]) in shingles}
        if hits:
            found[path.name] = sorted(hits)
    assert found == {}
