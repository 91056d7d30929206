/* branchbook serve: live reload and the problems banner. Served and injected only by
   `branchbook serve`; a built site never contains this file.

   Events (Server-Sent Events, /__branchbook__/events):
     hello     {"server": token}       on every (re)connection; a new token means serve was restarted
     reload    {"pages": [path, ...]}  these site pages changed ("*": all); if this is one, its new
               version is shown in place where that can be done safely, else the page reloads
               (see `showPage`)
     update    {"page": path, "player": html}  this page's player as the page is now served (only this
               page's tabs get it): shown in place, no reload (see `showPlayer`)
     problems  {"messages": [text]}    the course's errors as `branchbook check` prints them ([]: none)

   The tag that loads this script carries `data-bb-page`, a digest of the page as it was served. */
(function () {
  "use strict";
  var PREFIX = "/__branchbook__/";
  var here = decodeURIComponent(location.pathname).replace(/^\/+/, "");
  if (here === "" || here.slice(-1) === "/") here += "index.html";
  var server = null;
  var banner = null;
  var tag = document.currentScript;
  var pristine = null;  // this page's HTML as serve sent it when the tab loaded it (or was last updated)
  var pending = Promise.resolve();  // new versions are shown one after another, in the order they came

  function show(messages) {
    if (!messages.length) {
      if (banner) banner.remove();
      banner = null;
      return;
    }
    if (!banner) {
      banner = document.createElement("div");
      banner.className = "bb-serve-banner";
      banner.setAttribute("role", "alert");
      banner.style.cssText = "position:fixed;top:0;left:0;right:0;z-index:10000;max-height:50vh;overflow:auto;" +
        "margin:0;padding:.75rem 1rem;background:#7a1212;color:#fff;font:14px/1.4 ui-monospace,monospace;" +
        "box-shadow:0 2px 8px rgba(0,0,0,.4)";
      document.body.appendChild(banner);
    }
    banner.textContent = "";
    var title = document.createElement("p");
    title.style.cssText = "margin:0 0 .5rem;font-weight:bold";
    title.textContent = "branchbook serve: the course has problems. This page shows the last version that " +
      "checked clean; fix these and save:";
    var list = document.createElement("pre");
    list.style.cssText = "margin:0;white-space:pre-wrap;color:inherit;background:none;border:0;padding:0";
    list.textContent = messages.join("\n");
    banner.appendChild(title);
    banner.appendChild(list);
  }

  /* The new player in place of the old one: its server-rendered parts (introduction, data, gamebook)
     are swapped where they differ, and the data goes to the player (window.branchbook.update, which
     keeps the reader at the same step where it still exists). False when that cannot be done here
     (no player on the page, data it refuses): the caller reloads instead. */
  function showPlayer(html) {
    var api = window.branchbook;
    var box = document.createElement("template");
    box.innerHTML = html;
    var fresh = box.content.querySelector(".bb-player");
    var script = fresh && fresh.querySelector("script.bb-player-data");
    if (!script || !api || typeof api.update !== "function") return false;
    var old = null;
    document.querySelectorAll(".bb-player").forEach(function (player) {
      if (player.getAttribute("data-bb-scenario") === fresh.getAttribute("data-bb-scenario")) old = player;
    });
    if (!old) return false;
    try {
      var data = JSON.parse(script.textContent);
      Array.prototype.slice.call(fresh.children).forEach(function (part) {  // a copy: parts move out
        var before = part.classList.length ? old.querySelector(":scope > ." + part.classList[0]) : null;
        if (!before) return;
        before.querySelectorAll("details[open]").forEach(function (opened) {  // what the reader opened stays open
          var same = opened.classList.length && part.querySelector("details." + opened.classList[0]);
          if (same) same.open = true;
        });
        if (before.outerHTML !== part.outerHTML) before.replaceWith(part);
      });
      return api.update(data) > 0;
    } catch (error) {
      console.warn("branchbook serve: reloading, the new player could not be shown in place", error);
      return false;
    }
  }

  /* The HTML serve sends for this page now. */
  function served() {
    return fetch(location.pathname + location.search, {cache: "no-store"}).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.text();
    });
  }

  function digest(html) {
    var found = /data-bb-page="([0-9a-f]+)"/.exec(html);
    return found ? found[1] : null;
  }

  /* What the page was when it loaded, kept to tell later what changed: fetched again once (the
     digest says whether it is still the version this tab shows; if not, a save came in between and
     the tab reloads). */
  function keepPristine(expected) {
    return served().then(function (html) {
      if (expected && digest(html) !== expected) location.reload();
      else pristine = html;
    }).catch(function () { pristine = null; });
  }

  var REGIONS = ["#main-content", ".bd-sidebar-primary"];  // the article (with its contents list) and the site's table of contents
  // elements a script enhances when the page loads: one that is new or changed cannot be shown in place
  var SCRIPTED = "script, .bb-player, .bb-check, .highlight, .toggle, .dropdown, .sd-tab-set, [data-bs-toggle]";

  function parse(html) {  // without this script's tag, whose digest differs from one version to the next
    var doc = new DOMParser().parseFromString(html, "text/html");
    doc.querySelectorAll('script[src^="' + PREFIX + '"]').forEach(function (s) { s.remove(); });
    return doc;
  }

  function element(node) { return node.nodeType === 1 ? node : node.parentNode; }

  function closed(node) {  // ``node`` as it was served, as far as a reader's opening of <details> goes
    var copy = node.cloneNode(true);
    if (copy.nodeType === 1) {
      copy.removeAttribute("open");
      copy.querySelectorAll("details").forEach(function (d) { d.removeAttribute("open"); });
    }
    return copy;
  }

  /* Make ``live`` (in this tab) show ``fresh`` (the new version), given ``old`` (the version the tab
     was served): only what changed between old and fresh is replaced, so whatever scripts and the
     reader did elsewhere stays. False when a change cannot be shown safely that way. */
  function patch(live, old, fresh) {
    if (old.isEqualNode(fresh)) return true;
    var shell = old.nodeType === 1 && fresh.nodeType === 1 && live.nodeType === 1 &&
      old.cloneNode(false).isEqualNode(fresh.cloneNode(false)) &&
      old.childNodes.length === fresh.childNodes.length && live.childNodes.length === old.childNodes.length;
    if (shell && !(old.matches(SCRIPTED) && !live.isEqualNode(old))) {
      for (var i = 0; i < old.childNodes.length; i++) {
        if (!patch(live.childNodes[i], old.childNodes[i], fresh.childNodes[i])) return false;
      }
      return true;
    }
    if (!closed(live).isEqualNode(closed(old)) || element(live).closest(SCRIPTED)) return false;
    if (fresh.nodeType === 1 && (fresh.matches(SCRIPTED) || fresh.querySelector(SCRIPTED))) return false;
    var node = document.importNode(fresh, true);
    if (node.nodeType === 1) {  // what the reader opened stays open
      var was = [live].concat(Array.prototype.slice.call(live.querySelectorAll("details")));
      var now = [node].concat(Array.prototype.slice.call(node.querySelectorAll("details")));
      if (was.length === now.length) was.forEach(function (d, i) { if (d.open) now[i].open = true; });
    }
    live.replaceWith(node);
    return true;
  }

  /* This page's new version (``html``) shown in place of the one the tab shows: the changed parts of
     the article and of the table of contents are swapped, the scroll position and what the reader
     opened stay. False (the caller reloads) when anything else differs (the head, the scripts,
     the header) or a change touches a part that a script set up. */
  function showPage(html) {
    if (pristine === null) return false;
    var old = parse(pristine), fresh = parse(html), pairs = [];
    for (var r = 0; r < REGIONS.length; r++) {
      var live = document.querySelector(REGIONS[r]), was = old.querySelector(REGIONS[r]),
        now = fresh.querySelector(REGIONS[r]);
      if (!was && !now) continue;
      if (!live || !was || !now) return false;
      was.remove();
      now.remove();
      pairs.push([live, was, now]);
    }
    var title = fresh.title;
    [old, fresh].forEach(function (doc) { doc.querySelectorAll("title").forEach(function (t) { t.remove(); }); });
    if (!old.documentElement.isEqualNode(fresh.documentElement)) return false;
    for (var p = 0; p < pairs.length; p++) {
      if (!patch(pairs[p][0], pairs[p][1], pairs[p][2])) return false;
    }
    document.title = title;
    pristine = html;
    return true;
  }

  function changed() {
    pending = pending.then(served).then(function (html) {
      if (!showPage(html)) location.reload();
    }).catch(function (error) {
      console.warn("branchbook serve: reloading, the new version could not be shown in place", error);
      location.reload();
    });
  }

  pending = keepPristine(tag && tag.getAttribute("data-bb-page"));  // a new version waits for it
  var events = new EventSource(PREFIX + "events?page=" + encodeURIComponent(here));
  events.addEventListener("hello", function (event) {
    var token = JSON.parse(event.data).server;
    if (server !== null && server !== token) location.reload();
    server = token;
  });
  events.addEventListener("reload", function (event) {
    var pages = JSON.parse(event.data).pages;
    if (pages.indexOf("*") >= 0) location.reload();
    else if (pages.indexOf(here) >= 0) changed();
  });
  events.addEventListener("update", function (event) {
    var update = JSON.parse(event.data);
    if (update.page !== here) return;
    if (showPlayer(update.player)) pending = pending.then(function () { return keepPristine(null); });
    else location.reload();
  });
  events.addEventListener("problems", function (event) {
    show(JSON.parse(event.data).messages);
  });
  window.addEventListener("pagehide", function () { events.close(); });
})();
