"""The scenario player in headless Chromium: play, debrief, Back/Restart, saved progress, conditions,
keyboard-only play, the Leave control, room mode, print, small screens, contrast and host events.

Fixtures (site, browser, page guards) are in browser_support.py. Every test fails on a console
error, a page error or any request to a host other than 127.0.0.1.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from browser_support import FIXTURE, Site, build_course, scenario_pages, serve
from browser_support import browser, context, guard, make_context, page, site  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser

SAY_PLAINLY = "Say plainly that you will listen, and ask where Jo would like to meet"
AMBUSH = 'Call Jo to a meeting "about the rota" and raise it there'
APOLOGISE = "Apologise and start again, saying what the meeting is for"
LET_IT_DROP = "Let it drop"
EXPLAIN = "Explain the process and the respondent's right to reply"
PROMISE = "Promise Jo that he will be thrown out"
KEY = "branchbook:mini-course:noticeboard"
CHANGED = "This scenario changed since your last visit; you are back at the last step that still exists."
UNREADABLE = "Your saved progress for this scenario could not be read, so it starts from the beginning."
EARLIER = ("Welcome back. Your progress was saved by an earlier version of this course: check that this is "
           "where you left off, or choose Restart.")

HOST_SCRIPT = """
window.__events = [];
window.branchbook = {hosts: [{
  scene: function (e) { __events.push(["host", e.type, e.node, e.step, e.path.join(",")]); },
  choice: function (e) { __events.push(["host", e.type, e.node, e.step, e.path.join(","), e.goto]); },
  ending: function (e) { __events.push(["host", e.type, e.node, e.step, e.path.join(","), e.kind]); },
  debrief: function (e) { __events.push(["host", e.type, e.node, e.step, e.path.join(",")]); }
}]};
document.addEventListener("branchbook:progress", function (e) {
  var d = e.detail;
  __events.push(["dom", d.type, d.node, d.step, d.course, d.scenario]);
});
"""


def open_player(page, site, scenario="noticeboard"):
    page.goto(site.url(scenario))
    page.wait_for_selector(".bb-player.bb-js .bb-stage")
    return page.locator(".bb-stage")


def heading(stage):
    return stage.locator(".bb-stage-heading")


def choose(stage, label):
    stage.get_by_role("button", name=label, exact=True).click()


def cont(stage):
    stage.get_by_role("button", name="Continue", exact=True).click()


def choice_names(stage):
    return [b.inner_text().strip() for b in stage.locator(".bb-choice").all()]


def choice_key(page, scene, label):
    """The stable key the build gave the choice with this label (from the page's player data)."""
    return page.evaluate("""([scene, label]) => branchbook.players[0].data.nodes[scene].choices.find(c => {
        const t = document.createElement('template'); t.innerHTML = c.label;
        return t.content.textContent.trim() === label; }).key""", [scene, label])


def stored(page):
    return json.loads(page.evaluate(f"localStorage.getItem('{KEY}')"))


def active(page):
    return page.evaluate("""() => { const a = document.activeElement;
        return {cls: a.className, text: (a.textContent || '').trim(), tag: a.tagName}; }""")


def test_play_to_an_ending_with_feedback_debrief_and_host_events(page, site):
    page.add_init_script(HOST_SCRIPT)
    stage = open_player(page, site)

    # The stage replaces the gamebook on screen and is a labelled region.
    assert page.locator(".bb-gamebook").is_hidden()
    region = page.get_by_role("region", name="Scenario player: The noticeboard")
    assert region.count() == 1
    assert heading(stage).inner_text() == "Scene 1"
    assert stage.locator(".bb-speaker").inner_text() == "Jo Tanaka (Member)"
    assert stage.locator(".bb-text em").inner_text() == "something that happened"
    assert choice_names(stage) == [SAY_PLAINLY, AMBUSH]
    assert stage.get_by_role("button", name="Back one step").is_disabled()

    choose(stage, SAY_PLAINLY)
    feedback = stage.locator(".bb-feedback")
    assert "Stating the purpose and offering a choice builds trust." in feedback.inner_text()
    assert feedback.locator("dt").all_inner_texts() == ["Upholds"]
    assert feedback.locator(".bb-upheld li").all_inner_texts() == ["Trustworthiness"]
    assert active(page)["text"] == "Feedback on your choice"
    cont(stage)
    assert heading(stage).inner_text() == "Scene 2"
    assert active(page)["text"] == "Scene 2"

    choose(stage, EXPLAIN)
    assert feedback.locator(".bb-upheld li").all_inner_texts() == ["Fairness to the respondent", "Trustworthiness"]
    cont(stage)

    ending = stage.locator(".bb-ending")
    assert "bb-ending-good" in ending.get_attribute("class")
    assert ending.locator(".bb-ending-kind").inner_text() == "Good ending: A fair process"
    assert "Jo knew what to expect" in ending.inner_text()
    assert active(page)["text"] == "Scene 5"
    page.wait_for_function("() => document.querySelector('.bb-live').textContent === 'Ending reached: A fair process'")

    debrief = stage.locator(".bb-debrief")
    assert debrief.locator("h4").inner_text() == "Debrief"
    decisions = debrief.locator(".bb-decision")
    assert decisions.count() == 2
    assert decisions.locator(".bb-decision-choice").all_inner_texts() == [SAY_PLAINLY, EXPLAIN]
    assert decisions.nth(0).locator(".bb-decision-head").inner_text() == "Decision 1 Scene 1"
    assert "Both parties know where they stand." in decisions.nth(1).inner_text()
    assert debrief.locator(".bb-path-upheld li").all_inner_texts() == ["Trustworthiness", "Fairness to the respondent"]
    assert debrief.locator(".bb-path-violated").inner_text() == "None"
    assert debrief.locator(".bb-questions li").all_inner_texts() == ["What did Jo need to know before the meeting?"]
    assert "Principles your path violated" in debrief.inner_text()

    events = page.evaluate("window.__events")
    host = [e[1:] for e in events if e[0] == "host"]
    first, second = choice_key(page, "ask", SAY_PLAINLY), choice_key(page, "listen", EXPLAIN)
    path = f"{first},{second}"
    assert host == [
        ["scene", "ask", 0, ""],
        ["choice", "ask", 1, first, "listen"],
        ["scene", "listen", 1, first],
        ["choice", "listen", 2, path, "fair"],
        ["ending", "fair", 2, path, "good"],
        ["debrief", "fair", 2, path],
    ]
    dom = [e[1:] for e in events if e[0] == "dom"]
    assert [d[:3] for d in dom] == [h[:3] for h in host]
    assert {tuple(d[3:]) for d in dom} == {("mini-course", "noticeboard")}


def test_back_restores_variables_and_restart_starts_over(page, site):
    stage = open_player(page, site)
    choose(stage, AMBUSH)                       # trust 2 -> 1
    cont(stage)
    assert heading(stage).inner_text() == "Scene 3"
    assert choice_names(stage) == [APOLOGISE, LET_IT_DROP]
    choose(stage, APOLOGISE)
    cont(stage)
    choose(stage, PROMISE)                      # trust 1 -> 0
    cont(stage)
    assert heading(stage).inner_text() == "Scene 4"
    assert page.evaluate("branchbook.players[0].snapshot().variables") == {"trust": 0}

    stage.get_by_role("button", name="Back one step").click()
    assert heading(stage).inner_text() == "Scene 2"
    assert active(page)["text"] == "Scene 2"
    assert page.evaluate("branchbook.players[0].snapshot().variables") == {"trust": 1}
    assert stored(page) == {"version": 2, "path": [choice_key(page, "ask", AMBUSH), choice_key(page, "ambush", APOLOGISE)]}

    # Back from the feedback undoes the choice just made.
    choose(stage, PROMISE)
    stage.get_by_role("button", name="Back one step").click()
    assert heading(stage).inner_text() == "Scene 2"
    assert stage.locator(".bb-feedback").count() == 0

    stage.get_by_role("button", name="Restart").click()
    assert heading(stage).inner_text() == "Scene 1"
    assert active(page)["text"] == "Scene 1"
    assert stage.get_by_role("button", name="Back one step").is_disabled()
    assert page.evaluate("branchbook.players[0].snapshot()")["path"] == []


def test_progress_survives_a_reload_and_can_be_cleared(page, site, context):
    stage = open_player(page, site)
    assert page.evaluate(f"localStorage.getItem('{KEY}')") is None   # nothing stored before a choice
    assert stage.locator(".bb-status").is_hidden()
    choose(stage, AMBUSH)
    cont(stage)
    choose(stage, LET_IT_DROP)
    page.reload()
    stage = page.locator(".bb-stage")
    page.wait_for_selector(".bb-player.bb-js .bb-stage")
    ending = stage.locator(".bb-ending-kind")
    assert ending.inner_text() == "Harmful ending: Jo leaves"
    assert stage.locator(".bb-status").inner_text() == "Welcome back: you are where you left off."
    assert stage.locator(".bb-decision-choice").all_inner_texts() == [AMBUSH, LET_IT_DROP]
    assert stage.locator(".bb-path-violated li").all_inner_texts() == ["Trustworthiness", "Safety"]
    page.wait_for_function("() => document.querySelector('.bb-live').textContent.startsWith('Welcome back')")
    assert context.cookies() == []

    stage.get_by_role("button", name="Clear my progress").click()
    assert page.evaluate(f"localStorage.getItem('{KEY}')") is None
    assert heading(stage).inner_text() == "Scene 1"
    assert stage.locator(".bb-status").inner_text() == "Your progress for this scenario was cleared."
    page.reload()
    page.wait_for_selector(".bb-player.bb-js .bb-stage")
    assert heading(stage).inner_text() == "Scene 1"
    assert stage.locator(".bb-status").is_hidden()

    # A stored path that no longer fits the scenario is cut back to its valid part, and the reader is told.
    ambush = choice_key(page, "ask", AMBUSH)
    page.evaluate("([key, path]) => localStorage.setItem(key, JSON.stringify({version: 2, path: path}))",
                  [KEY, [ambush, "ambush:nowhere:00000000", choice_key(page, "listen", EXPLAIN)]])
    page.reload()
    page.wait_for_selector(".bb-player.bb-js .bb-stage")
    assert heading(stage).inner_text() == "Scene 3"
    assert stage.locator(".bb-status").inner_text() == CHANGED
    assert stored(page)["path"] == [ambush]        # told once: the record now holds only what exists
    page.reload()
    page.wait_for_selector(".bb-player.bb-js .bb-stage")
    assert stage.locator(".bb-status").inner_text() == "Welcome back: you are where you left off."

    # A record that cannot be read is dropped, with a plain word, and the scenario starts afresh.
    page.evaluate(f"localStorage.setItem('{KEY}', '{{\"version\": 2, \"path\": \"ask\"}}')")
    page.reload()
    page.wait_for_selector(".bb-player.bb-js .bb-stage")
    assert heading(stage).inner_text() == "Scene 1"
    assert stage.locator(".bb-status").inner_text() == UNREADABLE
    assert page.evaluate(f"localStorage.getItem('{KEY}')") is None


@dataclass
class EditableCourse:
    """A copy of the fixture course, built and served; ``edit`` changes a scenario and rebuilds."""

    course: Path
    site: Site

    def edit(self, scenario: str, change) -> None:
        path = self.course / "scenarios" / f"{scenario}.yml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data["nodes"])
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=200), encoding="utf-8")
        build_course(self.course)


@pytest.fixture
def editable(tmp_path):
    course = tmp_path / "mini"
    shutil.copytree(FIXTURE, course, ignore=shutil.ignore_patterns("_build"))
    root = build_course(course)
    with serve(root) as base:
        yield EditableCourse(course, Site(base, scenario_pages(root), "built", root))


def scene_id(stage):
    return stage.locator(".bb-stage-scene").get_attribute("data-bb-node")


def reload(page):
    page.reload()
    page.wait_for_selector(".bb-player.bb-js .bb-stage")


def play_to_listen_by_the_ambush(stage):
    choose(stage, AMBUSH)
    cont(stage)
    choose(stage, APOLOGISE)
    cont(stage)
    assert scene_id(stage) == "listen"
    assert choice_names(stage) == [EXPLAIN, PROMISE]


def test_saved_progress_survives_an_author_reordering_choices(page, editable):
    stage = open_player(page, editable.site)
    play_to_listen_by_the_ambush(stage)

    def reorder(nodes):
        nodes["ask"]["choices"].reverse()       # with positions, [1, 0] would now lead to "promise"
        nodes["listen"]["choices"].reverse()
    editable.edit("noticeboard", reorder)
    reload(page)

    assert scene_id(stage) == "listen"
    assert heading(stage).inner_text() == "Scene 2"
    assert choice_names(stage) == [PROMISE, EXPLAIN]
    assert stage.locator(".bb-status").inner_text() == "Welcome back: you are where you left off."
    stage.get_by_role("button", name="Back one step").click()
    assert scene_id(stage) == "ambush"          # the steps before are the reader's too
    assert page.evaluate("branchbook.players[0].snapshot().variables") == {"trust": 1}


def test_a_removed_scene_sends_the_reader_back_to_the_last_step_that_exists(page, editable):
    stage = open_player(page, editable.site)
    play_to_listen_by_the_ambush(stage)

    def remove_listen(nodes):
        del nodes["listen"]
        nodes["ask"]["choices"][0]["goto"] = "fair"
        nodes["ambush"]["choices"][0]["goto"] = "promise"
    editable.edit("noticeboard", remove_listen)
    reload(page)

    assert scene_id(stage) == "ambush"
    assert choice_names(stage) == [APOLOGISE, LET_IT_DROP]
    status = stage.locator(".bb-status")
    assert status.inner_text() == CHANGED
    page.wait_for_function("t => document.querySelector('.bb-live').textContent === t", arg=CHANGED)
    assert page.evaluate("branchbook.players[0].snapshot().variables") == {"trust": 1}
    assert stored(page)["path"] == [choice_key(page, "ask", AMBUSH)]
    choose(stage, APOLOGISE)                    # and play on in the new version
    cont(stage)
    assert scene_id(stage) == "promise"
    assert status.is_hidden()


def test_a_record_saved_by_the_earlier_player_is_replayed_and_upgraded(page, site):
    stage = open_player(page, site)
    page.evaluate(f"localStorage.setItem('{KEY}', JSON.stringify({{format: 1, path: [1, 0]}}))")
    reload(page)
    assert scene_id(stage) == "listen"          # ask: option 2, ambush: option 1
    assert stage.locator(".bb-status").inner_text() == EARLIER
    assert stored(page) == {"version": 2, "path": [choice_key(page, "ask", AMBUSH), choice_key(page, "ambush", APOLOGISE)]}
    reload(page)
    assert stage.locator(".bb-status").inner_text() == "Welcome back: you are where you left off."

    # A room session from the earlier player: decisions whose recorded option matches are kept,
    # the votes move from positions to choices.
    def room_record(label):
        decision = {"node": "ask", "offered": [0, 1], "labels": [label, AMBUSH], "gotos": ["listen", "ambush"],
                    "votes": [2, 1], "chosen": 0, "at": "2026-01-01T10:01:00.000Z"}
        return {"format": 1, "path": [0], "room": {"started": "2026-01-01T10:00:00.000Z", "decisions": [decision],
                                                   "votes": {"listen": {"1": 3}}, "finished": None, "ending": None}}

    page.evaluate("([key, record]) => localStorage.setItem(key, JSON.stringify(record))", [KEY, room_record(SAY_PLAINLY)])
    reload(page)
    assert scene_id(stage) == "listen"
    assert stage.get_by_role("button", name="Facilitate a room").get_attribute("aria-pressed") == "true"
    assert [int(t) for t in stage.locator(".bb-vote-number").all_inner_texts()] == [0, 3]
    assert stage.locator(".bb-status").inner_text() == EARLIER
    room = stored(page)["room"]
    assert room["decisions"][0]["chosen"] == choice_key(page, "ask", SAY_PLAINLY)
    assert room["votes"]["listen"] == {choice_key(page, "listen", PROMISE): 3}

    # The recorded option is not the one at that position now: the record is not trusted past it.
    page.evaluate("([key, record]) => localStorage.setItem(key, JSON.stringify(record))",
                  [KEY, room_record("An option this scenario never had")])
    reload(page)
    assert scene_id(stage) == "ask"
    assert stage.locator(".bb-status").inner_text() == CHANGED


def test_new_data_for_an_open_page_keeps_the_reader_at_the_same_step(page, site):
    stage = open_player(page, site)
    play_to_listen_by_the_ambush(stage)
    taken = page.evaluate("""() => { const d = structuredClone(branchbook.players[0].data);
        d.nodes.listen.choices.reverse(); return branchbook.update(d); }""")
    assert taken == 1
    assert scene_id(stage) == "listen"
    assert choice_names(stage) == [PROMISE, EXPLAIN]
    assert stage.locator(".bb-status").is_hidden()

    page.evaluate("""() => { const d = structuredClone(branchbook.players[0].data);
        d.nodes.ambush.choices.shift(); branchbook.update(d); }""")
    assert scene_id(stage) == "ambush"
    assert choice_names(stage) == [LET_IT_DROP]
    assert stage.locator(".bb-status").inner_text() == CHANGED
    assert page.evaluate("branchbook.update(Object.assign({}, branchbook.players[0].data, {scenario: 'other'}))") == 0


def test_a_when_gated_option_is_hidden_while_its_condition_is_false(page, site):
    # The fixture's gate (trust >= 1) always holds on reachable paths, so start Jo's trust lower.
    def lower_trust(route):
        response = route.fetch()
        body, found = re.subn(r'("trust":\{[^{}]*"initial":)2\b', r"\g<1>1", response.text())
        assert found == 1
        route.fulfill(response=response, body=body)

    page.route(re.compile(r".*/noticeboard\.html(\?.*)?$"), lower_trust)
    stage = open_player(page, site)
    choose(stage, AMBUSH)                       # trust 1 -> 0: "Apologise" needs trust >= 1
    cont(stage)
    assert heading(stage).inner_text() == "Scene 3"
    assert choice_names(stage) == [LET_IT_DROP]
    assert stage.get_by_role("button", name=APOLOGISE).count() == 0


def test_keyboard_only_play_moves_focus_to_each_new_scene_heading(page, site):
    stage = open_player(page, site)
    for _ in range(300):
        page.keyboard.press("Tab")
        if "bb-choice" in active(page)["cls"]:
            break
    assert active(page)["text"] == SAY_PLAINLY

    page.keyboard.press("Enter")
    assert active(page)["text"] == "Feedback on your choice"
    page.keyboard.press("Tab")
    assert active(page)["text"] == "Continue"
    page.keyboard.press("Enter")
    focus = active(page)
    assert (focus["tag"], focus["text"]) == ("H3", "Scene 2")
    assert "bb-stage-heading" in focus["cls"]
    outline = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return [s.outlineStyle, parseFloat(s.outlineWidth)]; }""")
    assert outline[0] != "none" and outline[1] >= 2

    page.keyboard.press("Tab")                  # first option
    page.keyboard.press("Tab")                  # second option
    assert active(page)["text"] == PROMISE
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")                # Continue
    assert active(page)["text"] == "Scene 4"
    page.keyboard.press("Tab")
    page.keyboard.press("Space")                # buttons answer Space as well as Enter
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert active(page)["text"] == "Scene 6"
    assert stage.locator(".bb-ending-kind").inner_text() == "Mixed ending: Dented trust"

    # Every control of the stage is a real button whose accessible name is its visible text.
    for b in stage.locator("button").all():
        assert b.evaluate("b => b.tagName") == "BUTTON"
        name = b.get_attribute("aria-label")
        assert name is None or b.inner_text().strip() in name


def test_leave_with_escape_twice_goes_to_the_neutral_page(page, site):
    open_player(page, site)
    entries = page.evaluate("history.length")
    page.keyboard.press("Escape")
    page.wait_for_timeout(200)
    assert page.url.endswith(site.pages["noticeboard"])   # one press does nothing
    page.keyboard.press("Escape")
    page.wait_for_url(re.compile(r".*/_static/neutral\.html$"))
    assert page.title() == "Weather"
    assert page.evaluate("history.length") == entries    # replaced, not pushed


def test_leave_button_is_fixed_and_keyboard_reachable(page, site):
    open_player(page, site)
    leave = page.get_by_role("button", name="Leave this page", exact=True)
    assert leave.count() == 1
    assert leave.evaluate("b => getComputedStyle(b.parentElement).position") == "fixed"
    hint = page.locator("#" + leave.get_attribute("aria-describedby"))
    assert hint.text_content() == "Press Escape twice to leave quickly"
    # Early in the tab order: the body's first element, or straight after the theme's skip link.
    assert page.evaluate("""() => { const w = document.querySelector('.bb-leave'), prev = w.previousElementSibling;
        return w.parentElement === document.body && (prev === null || prev.matches('.skip-link')); }""")
    for _ in range(300):
        page.keyboard.press("Tab")
        if active(page)["cls"] == "bb-leave-button":
            break
    assert active(page)["text"] == "Leave this page"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/_static/neutral\.html$"))
    assert page.locator("h1").inner_text() == "Weather"

    if site.kind == "built":                    # pages without a player have no Leave control
        page.goto(f"{site.base}/intro.html")
        page.wait_for_load_state()
        assert page.locator(".bb-leave").count() == 0


def test_room_mode_records_votes_and_downloads_the_session_record(page, site):
    stage = open_player(page, site)
    choose(stage, AMBUSH)                       # an earlier solo choice: room mode starts afresh
    toggle = stage.get_by_role("button", name="Facilitate a room")
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true"
    assert heading(stage).inner_text() == "Scene 1"

    def add(label, times=1):
        for _ in range(times):
            stage.get_by_role("button", name=f"Add a vote for: {label}", exact=True).click()

    def remove(label):
        stage.get_by_role("button", name=f"Remove a vote for: {label}", exact=True).click()

    def counts():
        return [int(t) for t in stage.locator(".bb-vote-number").all_inner_texts()]

    decide = stage.get_by_role("button", name="Go with the room's choice")
    assert decide.get_attribute("aria-disabled") == "true"
    add(SAY_PLAINLY, 3)
    add(AMBUSH)
    remove(SAY_PLAINLY)
    assert counts() == [2, 1]
    assert decide.get_attribute("aria-disabled") == "false"
    decide.click()
    cont(stage)
    assert heading(stage).inner_text() == "Scene 2"

    # Back restores the room's votes for that decision; then the room decides again.
    stage.get_by_role("button", name="Back one step").click()
    assert heading(stage).inner_text() == "Scene 1"
    assert counts() == [2, 1]
    decide.click()
    cont(stage)

    add(EXPLAIN, 2)
    add(PROMISE, 2)
    assert decide.get_attribute("aria-disabled") == "true"
    decide.focus()
    page.keyboard.press("Enter")                # a tie: nothing happens
    assert heading(stage).inner_text() == "Scene 2"
    choose(stage, EXPLAIN)                      # the facilitator breaks the tie
    cont(stage)
    assert stage.locator(".bb-ending-kind").inner_text() == "Good ending: A fair process"

    tables = stage.locator(".bb-votes-table")
    assert tables.count() == 2
    assert tables.nth(0).locator("td").all_inner_texts() == ["2", "1"]
    assert tables.nth(1).locator("th").all_inner_texts() == [EXPLAIN, PROMISE]
    assert tables.nth(1).locator("td").all_inner_texts() == ["2", "2"]

    with page.expect_download() as info:
        stage.get_by_role("button", name="Download the session record (JSON)").click()
    download = info.value
    assert download.suggested_filename.endswith(".json")
    record = json.loads(open(download.path(), encoding="utf-8").read())
    assert set(record) == {"format", "course", "scenario", "started", "finished", "decisions", "ending"}
    assert (record["format"], record["course"], record["scenario"]) == (1, "mini-course", "noticeboard")
    assert record["ending"] == {"node": "fair", "kind": "good"}
    assert [d["node"] for d in record["decisions"]] == ["ask", "listen"]
    assert [d["chosen"] for d in record["decisions"]] == [0, 0]
    assert record["decisions"][0]["options"] == [
        {"label": SAY_PLAINLY, "goto": "listen", "votes": 2},
        {"label": AMBUSH, "goto": "ambush", "votes": 1},
    ]
    assert record["decisions"][1]["options"] == [
        {"label": EXPLAIN, "goto": "fair", "votes": 2},
        {"label": PROMISE, "goto": "promise", "votes": 2},
    ]
    times = [record["started"], *(d["at"] for d in record["decisions"]), record["finished"]]
    parsed = [datetime.fromisoformat(t.replace("Z", "+00:00")) for t in times]
    assert parsed == sorted(parsed)
    assert all(set(d) == {"node", "options", "chosen", "at"} for d in record["decisions"])

    # Room mode survives a reload too, votes included.
    page.reload()
    page.wait_for_selector(".bb-player.bb-js .bb-stage")
    assert page.locator(".bb-votes-table").count() == 2
    assert stage.get_by_role("button", name="Facilitate a room").get_attribute("aria-pressed") == "true"


def test_feedback_at_the_end_shows_only_in_the_debrief(page, site):
    stage = open_player(page, site, "the-favour")
    choose(stage, "Take it on; you can be fair")
    assert stage.locator(".bb-feedback").count() == 0
    assert stage.locator(".bb-ending-kind").inner_text() == "Harmful ending: Tainted"
    assert active(page)["text"] == "Scene 3"
    decision = stage.locator(".bb-decision")
    assert "Being seen to be biased is enough to taint the process." in decision.inner_text()
    assert decision.locator(".bb-violated li").all_inner_texts() == ["Independence"]


def test_print_shows_the_whole_gamebook_and_hides_the_stage(page, site):
    stage = open_player(page, site)
    choose(stage, SAY_PLAINLY)
    page.emulate_media(media="print")
    assert page.locator(".bb-gamebook").is_visible()
    assert page.locator(".bb-gamebook .bb-scene").count() == 7
    assert stage.is_hidden()
    assert page.locator(".bb-leave").is_hidden()
    page.emulate_media(media="screen")
    assert page.locator(".bb-gamebook").is_hidden()


def test_without_javascript_the_gamebook_is_the_page(make_context, site):
    page = make_context(java_script_enabled=False).new_page()
    page.goto(site.url("noticeboard"))
    assert page.locator(".bb-gamebook").is_visible()
    assert page.locator(".bb-stage, .bb-leave").count() == 0
    # Playable on paper from the screen, as the printed packet is: the trackers' starting values,
    # and at each choice what it changes and when it is offered, in words.
    trackers = page.locator(".bb-trackers")
    assert trackers.is_visible()
    assert trackers.locator("li").all_inner_texts() == ["trust (Jo's trust in the committee): starts at 2, can range from 0 to 3"]
    assert page.locator("#scene-ask .bb-choices li").all_inner_texts() == [
        f"{SAY_PLAINLY} (go to scene 2; changes: trust +1)",
        f"{AMBUSH} (go to scene 3; changes: trust \u22121)",
    ]
    assert page.locator("#scene-ambush .bb-choices li").first.inner_text() == \
        f"{APOLOGISE} (go to scene 2; offered only if trust is at least 1)"
    page.locator("#scene-ask .bb-choices a").first.click()
    assert page.url.endswith("#scene-listen")


CONTRAST = """() => {
  function rgb(s) { const m = s.match(/[\\d.]+/g).map(Number); return {r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1}; }
  function lum(c) { return [c.r, c.g, c.b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); })
                      .reduce((acc, v, i) => acc + v * [0.2126, 0.7152, 0.0722][i], 0); }
  function background(el) {
    for (let e = el; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c.a > 0) return c; }
    return {r: 255, g: 255, b: 255, a: 1};
  }
  const sel = ['.bb-stage-heading', '.bb-text p', '.bb-choice', '.bb-tool', '.bb-primary', '.bb-status',
               '.bb-ending-kind', '.bb-ending-debrief p', '.bb-decision-scene', '.bb-none', '.bb-leave-button',
               '.bb-vote-button', '.bb-vote-count', '.bb-room-toggle'];
  const out = [];
  for (const s of sel) for (const el of document.querySelectorAll(s)) {
    if (!el.getClientRects().length) continue;
    const fg = rgb(getComputedStyle(el).color), bg = background(el);
    const [a, b] = [lum(fg) + 0.05, lum(bg) + 0.05];
    out.push([s, Math.round(Math.max(a, b) / Math.min(a, b) * 100) / 100]);
  }
  return out;
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_small_screen_targets_contrast_and_reduced_motion(make_context, site, scheme):
    ctx = make_context(viewport={"width": 360, "height": 740}, color_scheme=scheme, reduced_motion="reduce",
                       has_touch=True)
    page = ctx.new_page()
    stage = open_player(page, site)
    if scheme == "dark":
        # sphinx-book-theme follows the reader's preference by setting html[data-theme]; the harness has no theme.
        page.wait_for_function("() => getComputedStyle(document.querySelector('.bb-stage')).backgroundColor !== 'rgb(255, 255, 255)'")
    assert page.evaluate("getComputedStyle(document.querySelector('.bb-stage-scene')).animationName") == "none"

    def check_screen():
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        for b in page.locator(".bb-stage button, .bb-leave button").all():
            if b.is_visible():
                box = b.bounding_box()
                assert box["height"] >= 44 and box["width"] >= 44, b.inner_text()
        ratios = page.evaluate(CONTRAST)
        assert ratios
        low = [r for r in ratios if r[1] < 4.5]
        assert not low, low

    check_screen()
    choose(stage, AMBUSH)
    check_screen()                                   # feedback view
    cont(stage)
    choose(stage, LET_IT_DROP)
    cont(stage)
    check_screen()                                   # ending and debrief
    stage.get_by_role("button", name="Facilitate a room").click()
    check_screen()                                   # room mode


def test_axe_finds_no_accessibility_violations(make_context, site):
    """Runs only where axe-core is installed (npm i axe-core; or set AXE_CORE_JS to axe.min.js)."""
    import os
    from pathlib import Path

    axe = Path(os.environ.get("AXE_CORE_JS", Path(__file__).resolve().parent.parent / "node_modules/axe-core/axe.min.js"))
    if not axe.is_file():
        pytest.skip("axe-core is not installed")
    script = axe.read_text(encoding="utf-8")
    tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
    for scheme in ("light", "dark"):
        ctx = make_context(bypass_csp=True, color_scheme=scheme, reduced_motion="reduce")
        page = ctx.new_page()
        stage = open_player(page, site)
        found = {}

        def scan(when):
            page.add_script_tag(content=script)
            violations = page.evaluate("""async tags => {
                const targets = [document.querySelector('.bb-stage'), document.querySelector('.bb-leave')];
                const out = [];
                for (const t of targets) {
                    const r = await axe.run(t, {runOnly: {type: 'tag', values: tags}});
                    r.violations.forEach(v => out.push(v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')));
                }
                return out; }""", tags)
            if violations:
                found[when] = violations

        scan("scene")
        choose(stage, AMBUSH)
        scan("feedback")
        cont(stage)
        choose(stage, LET_IT_DROP)
        cont(stage)
        scan("ending")
        stage.get_by_role("button", name="Facilitate a room").click()
        stage.get_by_role("button", name=f"Add a vote for: {SAY_PLAINLY}", exact=True).click()
        scan("room")
        assert not found, (scheme, found)


@pytest.mark.parametrize("width", [1280, 400])
def test_one_search_control_in_the_first_view(make_context, site, width):
    if site.kind != "built":
        pytest.skip("the theme's search belongs to the built site")
    page = make_context(viewport={"width": width, "height": 800}).new_page()
    page.goto(f"{site.base}/intro.html")
    page.wait_for_load_state()
    visible = page.evaluate("""() => [...document.querySelectorAll('.search-button__button, input[type=search]')]
        .filter(e => { const r = e.getBoundingClientRect();
                       return r.width > 0 && r.height > 0 && r.top < innerHeight && getComputedStyle(e).visibility !== 'hidden'; })
        .map(e => e.className)""")
    assert len(visible) == 1, visible
    page.locator(".search-button__button").filter(visible=True).first.click()
    assert page.locator("#pst-search-dialog input[type=search]").is_visible()   # and it still searches
