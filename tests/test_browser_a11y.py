"""Accessibility of the SHIPPED course in a real browser: a scenario played with the keyboard alone,
axe-core (WCAG 2.2 A/AA) on every page of the site in light and dark mode, and the player on a
360 px phone screen.

The site is the shipped course built once per session (shipped_site.py); the browser and the page
guard (console errors, page errors, requests off 127.0.0.1 fail the test) are browser_support.py's.
"""

from __future__ import annotations

import re

import pytest
from browser_support import browser, guard, make_context  # noqa: F401 - fixtures (one Chromium for the session)
from shipped_site import (
    run_axe,
    ARTIFACTS,
    AXE,
    label_text,
    messages,
    plan_paths,
    shows_feedback,
)

from branchbook.write.sections import section_numbers

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FOCUS = """() => {
  const a = document.activeElement;
  if (!a || a === document.body || a === document.documentElement) return {body: true};
  // The ring is on the element, or on the child the theme draws it on (the sidebar's <summary>
  // is 0 px high and rings its chevron: summary:focus-visible > .toctree-toggle).
  // A ring is an outline or a box-shadow in a colour that is not transparent.
  const opaque = c => !/^rgba\\([^)]*,\\s*0\\)$/.test(c) && c !== 'transparent';
  const shadows = s => s === 'none' ? [] : s.split(/,(?![^(]*\\))/).map(x => x.trim())
      .filter(x => opaque((x.match(/rgba?\\([^)]*\\)/) || ['rgb(0, 0, 0)'])[0]));
  // A text field may be ringed by its box (pydata-sphinx-theme: .bd-search:focus-within).
  const boxes = a.matches('input, select, textarea') && a.parentElement ? [a.parentElement] : [];
  const ringed = [a, ...a.children, ...boxes].find(e => {
    const s = getComputedStyle(e), r = e.getBoundingClientRect();
    const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0 && opaque(s.outlineColor);
    return (outline || shadows(s.boxShadow).length > 0) && r.width > 0 && r.height > 0 && s.visibility !== 'hidden';
  });
  return {
    body: false, tag: a.tagName, cls: String(a.className || ''), text: (a.textContent || '').replace(/\\s+/g, ' ').trim(),
    inPlayer: Boolean(a.closest('.bb-player')),
    ring: Boolean(ringed), shown: Boolean(ringed),
    node: a.closest('.bb-stage-scene') ? a.closest('.bb-stage-scene').getAttribute('data-bb-node') : null,
  };
}"""


def first_scenario(course):
    """The course's first scenario in reading order."""
    first = course.modules[0].scenarios[0]
    return next(s for s in course.scenarios if s.id == first)


# ---------------------------------------------------------------- keyboard only


def test_a_shipped_scenario_played_with_the_keyboard_alone(shipped_site, make_context):  # noqa: F811
    course = shipped_site.course
    scenario = first_scenario(course)
    text = messages(course)
    numbers = section_numbers(scenario)
    steps, ending = max(plan_paths(scenario).paths, key=lambda p: len(p[0]))   # the longest of the cover
    page = make_context(viewport={"width": 1280, "height": 900}, reduced_motion="reduce").new_page()
    page.goto(shipped_site.scenario_url(scenario.id))
    page.wait_for_selector(".bb-player.bb-js .bb-stage")
    seen: list[dict] = []

    def press(key: str) -> dict:
        page.keyboard.press(key)
        focus = page.evaluate(FOCUS)
        if not focus["body"]:
            seen.append(focus)
            assert focus["shown"] and focus["ring"], f"focus not visible after {key}: {focus}"
        return focus

    def tab_to(matches, key="Tab", limit=400) -> dict:
        for _ in range(limit):
            focus = press(key)
            if not focus["body"] and matches(focus):
                return focus
        raise AssertionError(f"{key} never reached the element wanted; last: {seen[-3:]}")

    keys = iter(["Enter", "Space"] * len(steps))
    for n, (node_id, index) in enumerate(steps):
        choice = scenario.nodes[node_id].choices[index]
        label = label_text(choice)
        focus = tab_to(lambda f, label=label: "bb-choice" in f["cls"].split() and f["text"] == label)
        assert focus["node"] == node_id
        press("Tab")                                     # one past it and back again
        focus = press("Shift+Tab")
        assert "bb-choice" in focus["cls"].split() and focus["text"] == label
        focus = press(next(keys))
        if shows_feedback(scenario, choice):
            assert focus["tag"] == "H4" and "bb-feedback-heading" in focus["cls"], focus
            tab_to(lambda f: "bb-continue" in f["cls"].split(), limit=40)
            focus = press(next(keys))
        # Focus moves to the heading of the new scene.
        want = text["gamebook.scene"].format(n=numbers[choice.goto])
        assert (focus["tag"], focus["text"], focus["node"]) == ("H3", want, choice.goto), focus
        assert "bb-stage-heading" in focus["cls"]

    node = scenario.nodes[ending]
    stage = page.locator(".bb-stage")
    assert stage.locator(".bb-ending-kind").inner_text() == f"{text['ending.' + node.ending.kind]}: {node.ending.title}"
    assert stage.locator(".bb-decision-choice").all_inner_texts() == [
        label_text(scenario.nodes[n].choices[i]) for n, i in steps]

    # No trap: Tab leaves the player and comes round to it again; so does Shift+Tab, backwards.
    for key in ("Tab", "Shift+Tab"):
        tab_to(lambda f: not f["inPlayer"], key=key, limit=200)
        tab_to(lambda f: f["inPlayer"], key=key, limit=600)
    assert any(not f["inPlayer"] for f in seen) and any(f["inPlayer"] for f in seen)


# ---------------------------------------------------------------- axe-core on every page


def redirect_target(path) -> str | None:
    found = re.search(r'http-equiv="Refresh" content="0; url=([^"]+)"', path.read_text(encoding="utf-8"), re.IGNORECASE)
    return found.group(1) if found else None


def answer_every_check(page, module) -> None:
    """Answer each question: the first question right, the others wrong where they can be."""
    for n, check in enumerate(module.checks):
        pick = next(i for i, o in enumerate(check.options, start=1) if o.correct == (n == 0))
        question = page.locator(f"#check-{check.id}")
        question.locator(f"label[for='check-{check.id}-{pick}']").click()
        question.locator(".bb-check-answer").click()
        assert question.locator(".bb-explanation:visible").count() == 1


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_axe_finds_no_violations_on_any_page(shipped_site, make_context, mode):  # noqa: F811
    assert AXE.is_file(), "axe-core is missing: run `npm ci` (package.json)"
    course = shipped_site.course
    ctx = make_context(bypass_csp=True, color_scheme=mode, reduced_motion="reduce",
                       viewport={"width": 1280, "height": 900})
    # pydata-sphinx-theme keeps the reader's choice in localStorage "mode" and applies it (as
    # html[data-mode] and html[data-theme]) in an inline script before the page paints.
    ctx.add_init_script(f"try {{ localStorage.setItem('mode', '{mode}'); localStorage.setItem('theme', '{mode}'); }} catch (e) {{}}")
    page = ctx.new_page()
    found: dict[str, list[str]] = {}

    def scan(where: str) -> None:
        assert page.evaluate("document.documentElement.dataset.theme") == mode, where
        violations = run_axe(page)
        if violations:
            found[where] = violations

    pages = shipped_site.all_pages()
    assert len(pages) >= 20
    for path in pages:
        target = redirect_target(shipped_site.root / path)
        if target:                                   # index.html: a redirect to a page scanned itself
            page.goto(shipped_site.url(path))
            page.wait_for_url(re.compile(re.escape(target) + "$"))
            assert target in pages
            continue
        page.goto(shipped_site.url(path))
        page.wait_for_load_state("load")
        scan(path)

    # A scenario in play: the feedback on a choice, the next scene, the debrief, room mode.
    scenario = first_scenario(course)
    steps, _ = plan_paths(scenario).paths[0]
    page.goto(shipped_site.scenario_url(scenario.id))
    page.wait_for_selector(".bb-player.bb-js .bb-stage")
    stage = page.locator(".bb-stage")
    for n, (node_id, index) in enumerate(steps):
        choice = scenario.nodes[node_id].choices[index]
        stage.get_by_role("button", name=label_text(choice), exact=True).click()
        if shows_feedback(scenario, choice):
            if n == 0:
                scan(f"{scenario.id}: feedback")
            stage.locator(".bb-continue").click()
        if n == 0:
            scan(f"{scenario.id}: second scene")
    assert stage.locator(".bb-debrief").is_visible()
    scan(f"{scenario.id}: debrief")
    stage.locator(".bb-room-toggle").click()
    first = scenario.nodes[scenario.start].choices[0]
    stage.locator(".bb-vote-add").first.click()
    assert stage.get_by_role("button", name=label_text(first), exact=True).is_visible()
    scan(f"{scenario.id}: room mode")

    # Every module page with its knowledge check answered.
    for module in course.modules:
        if module.checks:
            page.goto(shipped_site.url(shipped_site.modules[module.id]))
            page.wait_for_load_state("load")
            answer_every_check(page, module)
            scan(f"{module.id}: knowledge check answered")

    assert not found, f"axe-core ({mode} mode):\n" + "\n".join(f"{where}:\n  " + "\n  ".join(v) for where, v in found.items())


# ---------------------------------------------------------------- a phone screen


def check_small_screen(page, width: int) -> None:
    sizes = page.evaluate("""() => ({
        page: document.documentElement.scrollWidth,
        stage: [document.querySelector('.bb-stage').scrollWidth, document.querySelector('.bb-stage').clientWidth],
        small: [...document.querySelectorAll('.bb-stage button, .bb-leave button')]
          .filter(b => b.getClientRects().length)
          .map(b => [b.textContent.trim().slice(0, 60), b.getBoundingClientRect().width, b.getBoundingClientRect().height])
          .filter(([, w, h]) => w < 44 || h < 44),
        // Fixed controls must not cover one another (the theme's "Back to top" shows on scrolling up).
        overlaps: (() => {
          const leave = document.querySelector('.bb-leave-button'), hint = document.querySelector('.bb-leave-hint');
          const boxes = [leave.getBoundingClientRect(), hint.getBoundingClientRect()];
          return [...document.querySelectorAll('#pst-back-to-top')].filter(e => e.getClientRects().length)
            .map(e => e.getBoundingClientRect())
            .filter(r => boxes.some(b => r.left < b.right && b.left < r.right && r.top < b.bottom && b.top < r.bottom))
            .map(r => [r.left, r.top, r.width, r.height]);
        })(),
    })""")
    assert sizes["page"] <= width, sizes
    assert sizes["stage"][0] <= sizes["stage"][1], sizes
    assert not sizes["small"], sizes["small"]
    assert not sizes["overlaps"], sizes["overlaps"]


def test_the_player_on_a_360px_screen_and_screenshots(shipped_site, make_context):  # noqa: F811
    course = shipped_site.course
    scenario = first_scenario(course)
    steps, _ = max(plan_paths(scenario).paths, key=lambda p: len(p[0]))
    ARTIFACTS.mkdir(exist_ok=True)

    for width, height in ((360, 740), (1280, 900)):
        phone = width < 600
        page = make_context(viewport={"width": width, "height": height}, is_mobile=phone, has_touch=phone,
                            reduced_motion="reduce").new_page()
        page.goto(shipped_site.scenario_url(scenario.id))
        page.wait_for_selector(".bb-player.bb-js .bb-stage")
        stage = page.locator(".bb-stage")
        stage.scroll_into_view_if_needed()
        page.evaluate("document.querySelector('.bb-stage').scrollIntoView()")
        if phone:
            check_small_screen(page, width)
        page.screenshot(path=str(ARTIFACTS / f"scenario-{width}-scene.png"))
        for n, (node_id, index) in enumerate(steps):
            choice = scenario.nodes[node_id].choices[index]
            stage.get_by_role("button", name=label_text(choice), exact=True).click()
            if shows_feedback(scenario, choice):
                if n == 0:
                    if phone:
                        check_small_screen(page, width)
                    page.screenshot(path=str(ARTIFACTS / f"scenario-{width}-feedback.png"))
                stage.locator(".bb-continue").click()
        page.evaluate("document.querySelector('.bb-ending-wrap').scrollIntoView()")
        if phone:
            check_small_screen(page, width)
        page.screenshot(path=str(ARTIFACTS / f"scenario-{width}-debrief.png"))
        page.evaluate("window.scrollTo(0, 0)")       # fixed elements are drawn where the viewport is
        page.screenshot(path=str(ARTIFACTS / f"scenario-{width}-full.png"), full_page=True)
        if phone:
            stage.locator(".bb-room-toggle").click()
            page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
            page.wait_for_timeout(100)
            # Scrolling back up shows the theme's "Back to top" beside the Leave control.
            page.evaluate("document.querySelector('.bb-stage').scrollIntoView()")
            page.locator("#pst-back-to-top").wait_for(state="visible")
            check_small_screen(page, width)
            page.screenshot(path=str(ARTIFACTS / f"scenario-{width}-room.png"))
    for name in ("scene", "feedback", "debrief", "full"):
        assert (ARTIFACTS / f"scenario-360-{name}.png").stat().st_size > 0

    # A module's knowledge check, answered, on the phone screen.
    module = next(m for m in course.modules if m.checks)
    page = make_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True,
                        reduced_motion="reduce").new_page()
    page.goto(shipped_site.url(shipped_site.modules[module.id]))
    page.wait_for_load_state("load")
    answer_every_check(page, module)
    sizes = page.evaluate("""() => ({
        page: document.documentElement.scrollWidth,
        small: [...document.querySelectorAll('.bb-check label, .bb-check-answer')]
          .map(e => [e.textContent.trim().slice(0, 60), e.getBoundingClientRect().width, e.getBoundingClientRect().height])
          .filter(([, w, h]) => w < 44 || h < 44),
    })""")
    assert sizes["page"] <= 360 and not sizes["small"], sizes
    page.evaluate("document.querySelector('.bb-check').scrollIntoView()")
    page.screenshot(path=str(ARTIFACTS / "check-360.png"))
