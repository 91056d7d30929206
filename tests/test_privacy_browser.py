"""Privacy of readers, in headless Chromium, on every page of the built fixture course (``built_mini``):

- no request to any host but 127.0.0.1 (the site's own server), on load and after playing;
- no cookie, from the server or from a script; nothing in sessionStorage, IndexedDB, Cache Storage
  or a service worker;
- a reader's progress lives only in localStorage, under ``branchbook:<course id>:<scenario>``, and
  the visible "Clear my progress" control removes it;
- every page carries the Content-Security-Policy as its first <head> element, and the policy really
  blocks what an injection would try: an inline script, an event-handler attribute, code from a
  string (eval's family), a request to another host.

Fixtures (served site, browser, guarded pages) are in tests/browser_support.py; the guard fails a
test on any console error, page error or request that leaves 127.0.0.1.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest

from browser_support import browser, context, guard, page, site  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser

COURSE = "mini-course"
PREFIX = f"branchbook:{COURSE}:"
# What the theme keeps in the browser: display preferences and (Sphinx) the last search's words for
# highlighting. None of it is progress, and none of it leaves the browser.
THEME_LOCAL = {"mode", "theme", "pst_banner_pref", "pst_announcement_banner_pref", "sphinx_highlight_terms"}
THEME_SESSION = {"sidebar-scroll-top"}

STORAGE = """async () => ({
  local: Object.fromEntries(Object.keys(localStorage).map(k => [k, localStorage.getItem(k)])),
  session: Object.keys(sessionStorage),
  cookie: document.cookie,
  databases: indexedDB.databases ? (await indexedDB.databases()).map(d => d.name) : [],
  caches: window.caches ? await caches.keys() : [],
  workers: navigator.serviceWorker ? (await navigator.serviceWorker.getRegistrations()).length : 0,
})"""

INJECT = """() => new Promise(resolve => {
  const seen = [];
  document.addEventListener('securitypolicyviolation', e => seen.push(e.violatedDirective));
  const script = document.createElement('script');
  script.textContent = 'window.__injected = "inline script"';
  document.head.appendChild(script);
  const button = document.createElement('button');
  button.setAttribute('onclick', 'window.__injected = "event handler"');
  document.body.appendChild(button);
  button.click();
  button.remove();
  // Code from a string (eval's family). Not eval() itself: DevTools-evaluated code, as this function
  // is, may call eval regardless of the page's policy; a string timer runs as the page's own code.
  setTimeout('window.__injected = "string timer"', 0);
  const image = new Image();
  image.src = 'https://tracker.invalid/pixel.png';
  fetch('https://tracker.invalid/beacon').catch(() => {});
  setTimeout(() => resolve({injected: typeof window.__injected, seen: seen.sort()}), 300);
})"""


def _pages(site):
    return sorted(p.relative_to(site.root).as_posix() for p in site.root.rglob("*.html")
                  if "_static" not in p.relative_to(site.root).parts or p.name == "neutral.html")


def _directives(policy: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in policy.split(";")) if part}


def _watch_requests(page) -> list[str]:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    return requests


def test_every_page_stays_on_the_site_and_sets_no_cookie(page, site, context, guard):
    pages = _pages(site)
    assert len(pages) >= 10 and "scenarios/noticeboard.html" in pages and "_static/neutral.html" in pages
    requests = _watch_requests(page)
    for path in pages:
        page.goto(f"{site.base}/{path}")
        page.wait_for_load_state("networkidle")
        assert guard.foreign == [], path
        stored = page.evaluate(STORAGE)
        assert stored["cookie"] == "" and stored["databases"] == [], path
        assert stored["caches"] == [] and stored["workers"] == 0, path
        assert set(stored["local"]) <= THEME_LOCAL and set(stored["session"]) <= THEME_SESSION, (path, stored)
    assert context.cookies() == []
    hosts = {urlparse(u).hostname for u in requests if urlparse(u).scheme in ("http", "https")}
    assert hosts == {"127.0.0.1"}
    assert not [u for u in requests if urlparse(u).scheme not in ("http", "https", "data", "blob")]


def _play_to_an_ending(page):
    """Click the first option (and Continue) until an ending shows."""
    stage = page.locator(".bb-stage")
    for _ in range(20):
        if stage.locator(".bb-ending").count():
            return stage
        stage.locator(".bb-choice").first.click()
        if stage.locator(".bb-continue").count():
            stage.locator(".bb-continue").click()
    raise AssertionError("no ending after 20 choices")


def test_progress_lives_only_in_local_storage_under_the_course_key_and_clears(page, site, context, guard):
    requests = _watch_requests(page)
    assert set(site.pages) >= {"noticeboard", "the-favour"}
    page.goto(f"{site.base}/{site.pages['noticeboard']}")
    page.wait_for_selector(".bb-player.bb-js .bb-stage")
    before = page.evaluate(STORAGE)

    written = {}
    for scenario, path in sorted(site.pages.items()):
        page.goto(f"{site.base}/{path}")
        page.wait_for_selector(".bb-player.bb-js .bb-stage")
        stage = _play_to_an_ending(page)
        assert stage.locator(".bb-debrief").is_visible()
        after = page.evaluate(STORAGE)
        new = {k: v for k, v in after["local"].items() if before["local"].get(k) != v}
        assert set(new) - set(written) == {f"{PREFIX}{scenario}"}, new
        written.update(new)
        assert after["cookie"] == "" and set(after["session"]) <= THEME_SESSION and after["databases"] == []
        assert after["caches"] == [] and after["workers"] == 0
        assert set(after["local"]) - THEME_LOCAL == {k for k in after["local"] if k.startswith(PREFIX)}
    assert all(k.startswith(PREFIX) for k in written)
    assert all(re.fullmatch(r'\{"version":2,"path":\[("[a-z0-9-]+:[a-z0-9-]+:[0-9a-f]{8}(:[0-9]+)?",?)+\]\}', v)
               for v in written.values()), written
    assert context.cookies() == []

    # The visible control removes this scenario's progress, and only that.
    clear = page.get_by_role("button", name="Clear my progress", exact=True)
    assert clear.is_visible()
    clear.click()
    stored = page.evaluate(STORAGE)["local"]
    scenario = page.locator(".bb-player").get_attribute("data-bb-scenario")
    assert f"{PREFIX}{scenario}" not in stored
    assert [k for k in stored if k.startswith("branchbook")] == [k for k in written if k != f"{PREFIX}{scenario}"]
    page.reload()
    page.wait_for_selector(".bb-player.bb-js .bb-stage")
    start = page.evaluate("branchbook.players[0].data.start")   # back at the start, whatever its number
    assert page.locator(".bb-stage .bb-stage-scene").get_attribute("data-bb-node") == start
    assert page.locator(".bb-stage .bb-status").is_hidden()
    assert f"{PREFIX}{scenario}" not in page.evaluate(STORAGE)["local"]  # loading did not write it back
    assert guard.foreign == [] and {urlparse(u).hostname for u in requests if u.startswith("http")} == {"127.0.0.1"}


def test_every_page_has_a_policy_that_blocks_injected_code(page, site, guard):
    for path in _pages(site):
        html = (site.root / path).read_text(encoding="utf-8")
        if "<head" not in html:  # Jupyter Book's index.html: a bare redirect to the first page, nothing else
            assert re.fullmatch(r'<meta http-equiv="Refresh" content="0; url=[\w-]+\.html" />\s*', html), path
            continue
        head = html[html.index("<head"):html.index("</head>")]
        meta = head.find('http-equiv="Content-Security-Policy"')
        assert meta >= 0, path
        for tag in ("<script", "<link", "<style", "<base"):
            assert head.find(tag) < 0 or head.find(tag) > meta, f"{path}: {tag} comes before the policy"

        page.goto(f"{site.base}/{path}")
        page.wait_for_load_state("load")
        policy = page.locator('meta[http-equiv="Content-Security-Policy"]')
        assert policy.count() == 1, path
        rules = _directives(policy.get_attribute("content"))
        effective = lambda name: rules.get(name, rules["default-src"])  # noqa: E731
        assert rules["default-src"] in (["'self'"], ["'none'"]), path
        for name in ("connect-src", "object-src", "img-src", "font-src", "frame-src"):
            assert set(effective(name)) <= {"'self'", "'none'", "data:"}, (path, name)
        assert effective("object-src") == ["'none'"] or path.endswith("neutral.html")
        script = effective("script-src")
        assert script == ["'none'"] or (script[0] == "'self'" and all(s.startswith("'sha256-") for s in script[1:]))
        assert rules.get("base-uri") == ["'self'"] or rules["default-src"] == ["'none'"], path

        errors = len(guard.errors)
        result = page.evaluate(INJECT)
        assert result["injected"] == "undefined", (path, result)
        assert set(result["seen"]) == {"script-src", "script-src-elem", "script-src-attr", "img-src", "connect-src"}, \
            (path, result)
        # The refusals the browser logs are the ones this test provoked; nothing else went wrong.
        provoked = guard.errors[errors:]
        assert all(re.search(r"Content Security Policy|-src|tracker\.invalid|Failed to fetch", e) for e in provoked), \
            provoked
        del guard.errors[errors:]
        assert guard.foreign == [], path
