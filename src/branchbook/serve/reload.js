/* branchbook serve: live reload and the problems banner. Served and injected only by
   `branchbook serve`; a built site never contains this file.

   Events (Server-Sent Events, /__branchbook__/events):
     hello     {"server": token}       on every (re)connection; a new token means serve was restarted
     reload    {"pages": [path, ...]}  these site pages changed ("*": all); reload if this is one
     update    {"page": path, "player": html}  this page's player as the page is now served (only this
               page's tabs get it): shown in place, no reload (see `showPlayer`)
     problems  {"messages": [text]}    the course's errors as `branchbook check` prints them ([]: none) */
(function () {
  "use strict";
  var PREFIX = "/__branchbook__/";
  var here = decodeURIComponent(location.pathname).replace(/^\/+/, "");
  if (here === "" || here.slice(-1) === "/") here += "index.html";
  var server = null;
  var banner = null;

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

  var events = new EventSource(PREFIX + "events?page=" + encodeURIComponent(here));
  events.addEventListener("hello", function (event) {
    var token = JSON.parse(event.data).server;
    if (server !== null && server !== token) location.reload();
    server = token;
  });
  events.addEventListener("reload", function (event) {
    var pages = JSON.parse(event.data).pages;
    if (pages.indexOf("*") >= 0 || pages.indexOf(here) >= 0) location.reload();
  });
  events.addEventListener("update", function (event) {
    var update = JSON.parse(event.data);
    if (update.page === here && !showPlayer(update.player)) location.reload();
  });
  events.addEventListener("problems", function (event) {
    show(JSON.parse(event.data).messages);
  });
  window.addEventListener("pagehide", function () { events.close(); });
})();
