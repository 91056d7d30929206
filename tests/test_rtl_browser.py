"""The player's layout follows the writing direction: with ``dir="rtl"`` the things that sit at the
start or end of a line (the Leave control, the coloured edge of a knowledge-check question, list
indents) move to the other side, because the stylesheet uses logical properties, not left/right."""

from __future__ import annotations

import pytest
from browser_support import browser, context, guard, page, site  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser

SIDES = """() => {
  const leave = document.querySelector('.bb-leave').getBoundingClientRect();
  const question = getComputedStyle(document.querySelector('.bb-question'));
  return {leaveCentre: (leave.left + leave.right) / 2, width: innerWidth,
          startEdge: question.borderLeftWidth, endEdge: question.borderRightWidth};
}"""


def sides(page, direction: str) -> dict:
    page.evaluate("d => { document.documentElement.dir = d; }", direction)
    return page.evaluate(SIDES)


def test_start_and_end_follow_the_writing_direction(page, site):
    page.goto(site.url("noticeboard"))
    page.wait_for_selector(".bb-leave")
    # a knowledge check on the same page, so both controls are measured in one document
    page.evaluate("""() => { const f = document.createElement('form');
        f.innerHTML = '<fieldset class="bb-question bb-answered-correct"><legend>Q</legend></fieldset>';
        document.querySelector('.bb-player').append(f); }""")
    ltr, rtl = sides(page, "ltr"), sides(page, "rtl")
    assert ltr["leaveCentre"] > ltr["width"] / 2 and rtl["leaveCentre"] < rtl["width"] / 2
    assert ltr["startEdge"] == rtl["endEdge"] != "0px"
    assert ltr["endEdge"] == rtl["startEdge"]
