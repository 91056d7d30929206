/* branchbook "Leave this page": a fixed, keyboard-reachable control on every scenario page.
   Pressing it, or pressing Escape twice within 1.5 seconds, hides the page at once and replaces
   it (in place, so Back does not return to it) with the neutral page shipped beside this file
   (`neutral.html`, same site: no third-party request).

   Shown on pages with a `.bb-player`, or any page that has an element with `data-bb-leave`.
   Its words come from the player's message catalogue (`player.leave`, `player.leave_hint`); a
   page without a player may give them as `data-bb-leave-label` / `data-bb-leave-hint`.
*/
(function () {
  "use strict";

  var WINDOW_MS = 1500;

  function scriptUrl() {
    var current = document.currentScript;
    if (current && current.src) { return current.src; }
    var scripts = document.getElementsByTagName("script");
    for (var i = 0; i < scripts.length; i++) {
      if (/(^|\/)bb-leave\.js(\?|#|$)/.test(scripts[i].src)) { return scripts[i].src; }
    }
    return null;
  }

  var base = scriptUrl();
  var target = base ? new URL("neutral.html", base).href : new URL("_static/neutral.html", document.baseURI).href;
  var leaving = false;

  function leave() {
    if (leaving) { return; }
    leaving = true;
    document.documentElement.classList.add("bb-leaving");
    try { document.title = ""; } catch (e) { /* ignore */ }
    window.location.replace(target);
  }

  var api = window.branchbook = window.branchbook || {};
  api.leave = leave;
  api.leaveUrl = target;

  function isScenarioPage() {
    return Boolean(document.querySelector(".bb-player, [data-bb-leave]"));
  }

  var lastEscape = 0;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" && event.key !== "Esc") { return; }
    if (event.repeat || !isScenarioPage()) { return; }
    var t = Date.now();
    if (lastEscape && t - lastEscape <= WINDOW_MS) {
      lastEscape = 0;
      leave();
    } else {
      lastEscape = t;
    }
  }, true);

  function words() {
    var found = {};
    var data = document.querySelector(".bb-player script.bb-player-data");
    if (data) {
      try {
        var messages = JSON.parse(data.textContent).messages || {};
        found.label = messages["player.leave"];
        found.hint = messages["player.leave_hint"];
      } catch (e) { /* the player reports bad data; fall through */ }
    }
    var marker = document.querySelector("[data-bb-leave-label]");
    if (!found.label && marker) {
      found.label = marker.getAttribute("data-bb-leave-label");
      found.hint = marker.getAttribute("data-bb-leave-hint");
    }
    // Last resort so the safety control is never missing (the catalogue normally supplies these).
    return {label: found.label || "Leave this page", hint: found.hint || "Press Escape twice to leave quickly"};
  }

  function addControl() {
    if (!isScenarioPage() || document.querySelector(".bb-leave")) { return; }
    var text = words();
    var wrap = document.createElement("div");
    wrap.className = "bb-leave";
    var hint = document.createElement("span");
    hint.className = "bb-leave-hint";
    hint.id = "bb-leave-hint";
    hint.textContent = text.hint;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "bb-leave-button";
    button.textContent = text.label;
    button.setAttribute("aria-describedby", hint.id);
    button.addEventListener("click", leave);
    wrap.appendChild(button);
    wrap.appendChild(hint);
    // Early in the tab order: right after the theme's skip link when there is one.
    var skip = document.querySelector("body > .skip-link, body > a[href^='#main']");
    if (skip && skip.parentNode === document.body) { document.body.insertBefore(wrap, skip.nextSibling); }
    else { document.body.insertBefore(wrap, document.body.firstChild); }
    document.documentElement.classList.add("bb-leave-on");
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", addControl); }
  else { addControl(); }
})();
