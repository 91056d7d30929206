"""Every path of the SHIPPED course in a real browser: every choice of every scenario clicked at least
once and every ending reached, along click paths computed from the course model (``when`` and
``effects`` honoured); the gamebook in print and without JavaScript; the knowledge checks.

The site is the shipped course built once per session (shipped_site.py); the browser and the page
guard (console errors, page errors, requests off 127.0.0.1 fail the test) are browser_support.py's.
"""

from __future__ import annotations

import time

import pytest
from browser_support import browser, guard, make_context  # noqa: F401 - fixtures (one Chromium for the session)
from shipped_site import (
    ARTIFACTS,
    ROOT,
    GuardedContexts,
    label_text,
    messages,
    plain,
    plan_paths,
    scene_numbers,
    shows_feedback,
)

from branchbook.model import story

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Collected without loading the course; test_every_shipped_scenario_is_covered checks they agree.
SCENARIOS = sorted(p.stem for p in (ROOT / "scenarios").glob("*.yml"))

STATE = """() => {
  const fold = s => (s || '').replace(/\\s+/g, ' ').trim();
  const stage = document.querySelector('.bb-stage');
  const scene = stage.querySelector('.bb-stage-scene');
  const text = sel => { const e = stage.querySelector(sel); return e ? fold(e.textContent) : null; };
  return {
    node: scene ? scene.getAttribute('data-bb-node') : null,
    heading: text('.bb-stage-heading'),
    feedback: Boolean(stage.querySelector('.bb-feedback')),
    chosen: text('.bb-feedback .bb-chosen'),
    choices: [...stage.querySelectorAll('.bb-choice-list .bb-choice')].map(b => fold(b.textContent)),
    ending: text('.bb-ending-kind'),
    decisions: [...stage.querySelectorAll('.bb-decision-choice')].map(e => fold(e.textContent)),
    decisionScenes: [...stage.querySelectorAll('.bb-decision-scene')].map(e => fold(e.textContent)),
  };
}"""

RESULTS: dict[str, dict] = {}


@pytest.fixture(scope="module")
def contexts(browser):  # noqa: F811 - browser_support's shared Chromium
    return GuardedContexts(browser)


@pytest.fixture(scope="module")
def player_page(contexts):
    """One page for the paths of every scenario: one page load per scenario, Back or Restart between paths."""
    context = contexts.new()
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def player(player_page, contexts):
    """The shared page, with the guard checked after each test (console and page errors, requests)."""
    yield player_page
    contexts.check()


@pytest.fixture(scope="module", autouse=True)
def coverage_report(request):
    yield
    if not RESULTS:
        return
    lines = [f"{sid:<26} choices {r['choices'][0]:>3}/{r['choices'][1]:<3} endings {r['endings'][0]:>2}/{r['endings'][1]:<2} "
             f"paths {r['paths']:>3} clicks {r['clicks']:>4} {r['seconds']:6.1f}s" for sid, r in sorted(RESULTS.items())]
    clicked = sum(r["choices"][0] for r in RESULTS.values())
    choices = sum(r["choices"][1] for r in RESULTS.values())
    reached = sum(r["endings"][0] for r in RESULTS.values())
    endings = sum(r["endings"][1] for r in RESULTS.values())
    seconds = sum(r["seconds"] for r in RESULTS.values())
    summary = (f"path coverage: {len(RESULTS)} scenarios, choices clicked {clicked}/{choices}, "
               f"endings reached {reached}/{endings}, {sum(r['paths'] for r in RESULTS.values())} paths, "
               f"{sum(r['clicks'] for r in RESULTS.values())} clicks in {seconds:.1f}s")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "path-coverage.txt").write_text("\n".join(lines + [summary]) + "\n", encoding="utf-8")
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():   # shown even under -q, not only on failure
            reporter.write_line("")
            for line in lines + [summary]:
                reporter.write_line(line)


def test_every_shipped_scenario_is_covered(shipped_site):
    assert SCENARIOS == sorted(s.id for s in shipped_site.course.scenarios)
    assert set(shipped_site.pages) == set(SCENARIOS)


def play(page, stage, scenario, steps, ending, text, start_at=0):
    """Click one path (from step ``start_at``: the player already shows the scene after the steps
    before it); check every scene shown, the options offered there, the feedback step and, at the
    ending, the debrief's list of decisions. Returns the clicks made."""
    numbers = scene_numbers(scenario)
    replayed = story.replay(scenario, [i for _, i in steps], positions=True)
    assert [(s.node, s.index) for s in replayed.steps] == steps and replayed.node == ending
    labels = [label_text(scenario.nodes[n].choices[i]) for n, i in steps]
    clicks = 0
    for (node_id, index), step in zip(steps[start_at:], replayed.steps[start_at:]):
        state = page.evaluate(STATE)
        assert not state["feedback"]
        assert (state["node"], state["heading"]) == (node_id, text["gamebook.scene"].format(n=numbers[node_id])), labels
        node = scenario.nodes[node_id]
        offered = [label_text(node.choices[i]) for i in story.offered(node, step.values)]
        assert state["choices"] == offered, (node_id, step.values)
        choice = node.choices[index]
        label = label_text(choice)
        # By its label: two options may share one (with opposite conditions), only one is shown.
        stage.get_by_role("button", name=label, exact=True).click()
        clicks += 1
        if shows_feedback(scenario, choice):
            state = page.evaluate(STATE)
            assert state["feedback"] and state["chosen"] == label, (node_id, label, state)
            stage.locator(".bb-continue").click()
            clicks += 1
    state = page.evaluate(STATE)
    node = scenario.nodes[ending]
    assert (state["node"], state["heading"]) == (ending, text["gamebook.scene"].format(n=numbers[ending])), labels
    assert state["ending"] == f"{text['ending.' + node.ending.kind]}: {node.ending.title}"
    assert state["choices"] == [] and not state["feedback"]
    assert state["decisions"] == labels
    assert state["decisionScenes"] == [text["gamebook.scene"].format(n=numbers[n]) for n, _ in steps]
    return clicks


def shared(a: list, b: list) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


@pytest.mark.parametrize("scenario_id", SCENARIOS)
def test_every_choice_and_every_ending_in_the_browser(shipped_site, player, scenario_id):
    scenario = next(s for s in shipped_site.course.scenarios if s.id == scenario_id)
    text = messages(shipped_site.course)
    plan = plan_paths(scenario)
    started = time.perf_counter()
    page = player
    page.goto(shipped_site.scenario_url(scenario_id))
    page.wait_for_selector(".bb-player.bb-js .bb-stage")
    stage = page.locator(".bb-stage")
    clicks = 0
    clicked: set[tuple[str, int]] = set()
    reached: set[str] = set()
    previous: list = []
    # Paths in order, so that one shares its first steps with the one before: step Back to where
    # they part (the player restores the variables), or Restart when they part at the first scene.
    for steps, ending in sorted(plan.paths):
        common = shared(previous, steps)
        if previous and not common:
            stage.locator(".bb-restart").click()
            clicks += 1
        for _ in range(len(previous) - common if common else 0):
            stage.locator(".bb-back").click()
            clicks += 1
        clicks += play(page, stage, scenario, steps, ending, text, start_at=common)
        clicked.update(steps)
        reached.add(ending)
        previous = steps
    RESULTS[scenario_id] = {"choices": (len(clicked & plan.choices), len(plan.choices)),
                            "endings": (len(reached & plan.endings), len(plan.endings)),
                            "paths": len(plan.paths), "clicks": clicks, "seconds": time.perf_counter() - started}
    assert clicked == plan.choices, f"never clicked: {sorted(plan.choices - clicked)}"
    assert reached == plan.endings, f"never reached: {sorted(plan.endings - reached)}"


# ---------------------------------------------------------------- print and no JavaScript


def test_print_shows_the_whole_gamebook_not_the_current_scene(shipped_site, make_context):  # noqa: F811
    text = messages(shipped_site.course)
    page = make_context(viewport={"width": 1000, "height": 800}, reduced_motion="reduce").new_page()
    for scenario in shipped_site.course.scenarios:
        numbers = scene_numbers(scenario)
        page.goto(shipped_site.scenario_url(scenario.id))
        page.wait_for_selector(".bb-player.bb-js .bb-stage")
        stage = page.locator(".bb-stage")
        first = scenario.nodes[scenario.start].choices[0]
        stage.get_by_role("button", name=label_text(first), exact=True).click()   # mid-play
        page.emulate_media(media="print")
        try:
            assert stage.is_hidden() and page.locator(".bb-leave").is_hidden()
            shown = page.evaluate("""() => [...document.querySelectorAll('.bb-gamebook .bb-scene')].map(s => ({
                visible: s.getClientRects().length > 0 && getComputedStyle(s).visibility !== 'hidden',
                id: s.getAttribute('data-bb-node'),
                title: s.querySelector('.bb-scene-title').textContent.trim(),
                choices: [...s.querySelectorAll('.bb-choices > li')].map(li => li.textContent.replace(/\\s+/g, ' ').trim()),
            }))""")
            assert [s["id"] for s in shown] == list(scenario.nodes), scenario.id
            for scene in shown:
                node = scenario.nodes[scene["id"]]
                assert scene["visible"], (scenario.id, scene["id"])
                assert scene["title"] == text["gamebook.scene"].format(n=numbers[scene["id"]])
                assert len(scene["choices"]) == len(node.choices)
                for shown_choice, choice in zip(scene["choices"], node.choices):
                    go_to = text["gamebook.go_to"].format(n=numbers[choice.goto])
                    assert shown_choice.startswith(label_text(choice)) and f"({go_to}" in shown_choice, shown_choice
        finally:
            page.emulate_media(media="screen")


def test_without_javascript_every_scene_is_readable_and_every_link_lands(shipped_site, make_context):  # noqa: F811
    page = make_context(java_script_enabled=False, viewport={"width": 1000, "height": 800}).new_page()
    for scenario in shipped_site.course.scenarios:
        page.goto(shipped_site.scenario_url(scenario.id))
        assert page.locator(".bb-stage, .bb-leave").count() == 0
        scenes = page.evaluate("""() => [...document.querySelectorAll('.bb-gamebook .bb-scene')].map(s => ({
            id: s.id, node: s.getAttribute('data-bb-node'),
            visible: s.getClientRects().length > 0 && getComputedStyle(s).visibility !== 'hidden',
            text: s.querySelector('.bb-text').textContent.replace(/\\s+/g, ' ').trim(),
            links: [...s.querySelectorAll('.bb-choices a')].map(a => ({
                href: a.getAttribute('href'),
                target: Boolean(document.getElementById(decodeURIComponent(a.getAttribute('href').slice(1)))),
                visible: a.getClientRects().length > 0,
            })),
        }))""")
        assert [s["node"] for s in scenes] == list(scenario.nodes)
        for scene in scenes:
            node = scenario.nodes[scene["node"]]
            assert scene["id"] == f"scene-{scene['node']}" and scene["visible"], (scenario.id, scene["node"])
            assert scene["text"] == plain(_html(node.text)), (scenario.id, scene["node"])
            assert [link["href"] for link in scene["links"]] == [f"#scene-{c.goto}" for c in node.choices]
            assert all(link["target"] and link["visible"] for link in scene["links"]), (scenario.id, scene["node"])
        # Following a link moves to that scene: the last scene's first link (it points back up or on).
        source = next(n for n in reversed(list(scenario.nodes)) if scenario.nodes[n].choices)
        target = scenario.nodes[source].choices[0].goto
        page.locator(f"#scene-{source} .bb-choices a").first.click()
        page.wait_for_function("id => location.hash === '#scene-' + id", arg=target)
        top = page.evaluate("id => document.getElementById('scene-' + id).getBoundingClientRect().top", target)
        assert 0 <= top < 800, (scenario.id, target, top)


def _html(text: str) -> str:
    from branchbook.write import markdown

    return markdown.to_html(text)


def _inline(text: str) -> str:
    from branchbook.write import markdown

    return markdown.to_inline_html(text)


# ---------------------------------------------------------------- knowledge checks


QUESTION = """fieldset => ({
  checked: [...fieldset.querySelectorAll('input[type=radio]')].filter(r => r.checked).map(r => r.id),
  shown: [...fieldset.querySelectorAll('.bb-explanation')].filter(d => d.getClientRects().length > 0).map(d => ({
    option: d.parentElement.querySelector('input').id,
    open: d.open,
    verdict: d.querySelector('summary').textContent.trim(),
    text: d.textContent.replace(/\\s+/g, ' ').trim(),
  })),
  result: fieldset.querySelector('.bb-check-result').textContent.trim(),
})"""


def test_each_knowledge_check_shows_the_explanation_for_the_chosen_option_only(shipped_site, make_context):  # noqa: F811
    text = messages(shipped_site.course)
    page = make_context(viewport={"width": 1000, "height": 800}, reduced_motion="reduce").new_page()
    answered = 0
    for module in shipped_site.course.modules:
        page.goto(shipped_site.url(shipped_site.modules[module.id]))
        page.wait_for_load_state("load")
        assert page.locator(".bb-check .bb-question").count() == len(module.checks), module.id
        for check in module.checks:
            question = page.locator(f"#check-{check.id}")
            button = question.get_by_role("button", name=text["quiz.check"], exact=True)
            before = question.evaluate(QUESTION)
            assert before["shown"] == [] and before["result"] == "", (module.id, check.id)   # nothing before an answer
            for n, option in enumerate(check.options, start=1):
                question.get_by_role("radio", name=plain(_inline(option.text)), exact=True).check()
                button.click()
                after = question.evaluate(QUESTION)
                verdict = text["quiz.correct"] if option.correct else text["quiz.incorrect"]
                oid = f"check-{check.id}-{n}"
                assert after["checked"] == [oid]
                assert [e["option"] for e in after["shown"]] == [oid], (module.id, check.id, n, after)
                shown = after["shown"][0]
                assert shown["open"] and shown["verdict"] == verdict and after["result"] == verdict
                assert shown["text"] == f"{verdict} {plain(_html(option.explanation))}", (module.id, check.id, n)
                answered += 1
    assert answered == sum(len(c.options) for m in shipped_site.course.modules for c in m.checks) > 0
