/* branchbook scenario player: vanilla JavaScript, no framework, no build step, no requests.

   The page holds a server-rendered gamebook (it works without JavaScript and is what prints).
   For every `.bb-player` this script reads the JSON in its `.bb-player-data` element
   (JSON.parse, never eval), adds the class `bb-js` (the CSS then hides the gamebook on screen)
   and renders a stage that shows one scene at a time.

   The story rules (what is offered, what a choice changes, how a saved path replays) are
   bb-story.js's `branchbook.story`, which loads first; this file only presents them.

   Safety: the only strings inserted as HTML are the fields the build pre-rendered as safe HTML
   (`html`, `label`, `feedbackHtml`, `debriefHtml`, the `debrief` questions); every other string
   goes in through textContent. Every visible string comes from `data.messages`.

   Progress is kept in localStorage under `branchbook:<course>:<scenario>` as the path of choice
   keys (each choice's stable identity from the build: scene, target and a hash of its label), plus
   the votes in room mode; never as positions, so an author reordering choices moves no reader.
   After a course update the reader resumes at the last stored step that still exists and is told
   so. Records saved by earlier players (positions, `format: 1`) are replayed as far as they fit.
   No cookies; nothing leaves the browser. docs/player.md describes the stored record.

   Hosts (an LMS bridge, a room display…) plug in without touching this file:
       window.branchbook.addHost({scene(evt) {}, choice(evt) {}, ending(evt) {}, debrief(evt) {}})
   Every method is optional and receives {type, course, scenario, node, step, path (choice keys), reason, …}.
   The same object is dispatched as `detail` of a bubbling DOM CustomEvent `branchbook:progress`
   on the `.bb-player` element. Hosts registered before DOMContentLoaded see the first scene;
   a host may also be queued before this script loads: `window.branchbook = {hosts: [host]}`.
*/
(function () {
  "use strict";

  var FORMAT = 1;
  var STORE_VERSION = 2;       // the localStorage record; 1 (as `format`) stored positions
  var RECORD_FORMAT = 1;

  var api = window.branchbook = window.branchbook || {};
  var story = api.story;
  if (!story) {
    console.error("branchbook: bb-story.js must load before bb-player.js; showing the gamebook instead");
    return;
  }
  var hosts = Array.isArray(api.hosts) ? api.hosts.slice() : [];
  var players = [];
  api.hosts = hosts;
  api.players = players;
  api.addHost = function (host) {
    if (!host || typeof host !== "object") {
      throw new TypeError("branchbook.addHost expects an object with scene/choice/ending/debrief methods");
    }
    hosts.push(host);
    return function removeHost() {
      var i = hosts.indexOf(host);
      if (i >= 0) { hosts.splice(i, 1); }
    };
  };

  /* ---- small DOM helpers ---- */

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (name) {
        var value = attrs[name];
        if (value === null || value === undefined || value === false) { return; }
        if (name === "text") { node.textContent = value; }
        else if (name === "class") { node.className = value; }
        else { node.setAttribute(name, value === true ? "" : String(value)); }
      });
    }
    (children || []).forEach(function (child) {
      if (child) { node.appendChild(typeof child === "string" ? document.createTextNode(child) : child); }
    });
    return node;
  }

  /* The one way HTML gets in: fields the build rendered from Markdown as safe HTML. */
  function safeHtml(node, html) {
    node.innerHTML = html || "";
    return node;
  }

  /* Plain text of a pre-rendered HTML fragment (parsed inert in a <template>). */
  function htmlText(html) {
    var t = document.createElement("template");
    safeHtml(t, html);
    return (t.content.textContent || "").replace(/\s+/g, " ").trim();
  }

  function button(text, cls, onClick, attrs) {
    var b = el("button", Object.assign({type: "button", class: cls, text: text}, attrs || {}));
    b.addEventListener("click", onClick);
    return b;
  }

  function now() { return new Date().toISOString(); }

  /* ---- storage: never fatal (private browsing, storage disabled, quota) ---- */

  function storageGet(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }
  function storageSet(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { /* progress simply is not kept */ }
  }
  function storageRemove(key) {
    try { window.localStorage.removeItem(key); } catch (e) { /* nothing to remove */ }
  }

  /* ---- the player ---- */

  function Player(container, data) {
    this.container = container;
    this.data = data;
    this.nodes = data.nodes || {};
    this.messages = data.messages || {};
    this.key = "branchbook:" + (container.getAttribute("data-bb-course") || data.course) + ":" +
      (container.getAttribute("data-bb-scenario") || data.scenario);
    this.path = [];
    this.showFeedback = false;   // true while the feedback on the last choice is on screen
    this.room = null;            // room mode: {started, decisions, votes, finished, ending}
    this.titles = {};
    var self = this;
    container.querySelectorAll(".bb-gamebook [data-bb-node]").forEach(function (section) {
      var h = section.querySelector(".bb-scene-title");
      if (h) { self.titles[section.getAttribute("data-bb-node")] = h.textContent.trim(); }
    });
  }

  Player.prototype.msg = function (key, values) {
    var template = this.messages[key];
    if (typeof template !== "string") { return key; }
    return template.replace(/\{\{|\}\}|\{(\w+)\}/g, function (whole, name) {
      if (whole === "{{") { return "{"; }
      if (whole === "}}") { return "}"; }
      return values && values[name] !== undefined && values[name] !== null ? String(values[name]) : whole;
    });
  };

  Player.prototype.sceneTitle = function (id) {
    var node = this.nodes[id];
    var n = node ? node.number : "";
    if (typeof this.messages["gamebook.scene"] === "string") { return this.msg("gamebook.scene", {n: n}); }
    return this.titles[id] || this.msg("player.step", {n: n});
  };

  Player.prototype.principleName = function (id) {
    return (this.data.principles && this.data.principles[id]) || id;
  };

  function keysOf(walked) { return walked.steps.map(function (s) { return s.key; }); }

  /* ---- persistence ---- */

  /* The stored record (docs/player.md):
     {version: 2, path: [choice key, …], room?: {started, finished, ending, votes: {scene: {key: n}},
      decisions: [{node, offered: [key, …], labels, gotos, votes: [n, …], chosen: key, at}]}} */
  Player.prototype.save = function () {
    var record = {version: STORE_VERSION, path: this.path};
    if (this.room) { record.room = this.room; }
    storageSet(this.key, JSON.stringify(record));
  };

  /* Adopt the stored room session for the steps that are still valid, or drop it when its
     decisions do not match those steps (it belongs to another version of the scenario). */
  Player.prototype.adoptRoom = function (room, walked) {
    if (!room || typeof room !== "object" || !Array.isArray(room.decisions) || typeof room.started !== "string") {
      return null;
    }
    var fits = room.decisions.length >= walked.steps.length && walked.steps.every(function (step, i) {
      var d = room.decisions[i];
      return d && d.node === step.node && d.chosen === step.key && Array.isArray(d.offered) &&
        Array.isArray(d.votes) && d.offered.indexOf(d.chosen) >= 0;
    });
    if (!fits) { return null; }
    room.decisions = room.decisions.slice(0, walked.steps.length);
    if (!room.votes || typeof room.votes !== "object") { room.votes = {}; }
    if (!story.isOver(this.nodes[walked.node])) { room.finished = null; room.ending = null; }
    return room;
  };

  /* A room session saved by an earlier player names options by position: rename them by key at
     the steps replayed, and keep the decisions only while each chosen option's recorded label and
     target match the choice at that position now (the one check an old record allows). */
  Player.prototype.upgradeRoom = function (room, walked) {
    if (!room || typeof room !== "object" || !Array.isArray(room.decisions)) { return {room: null, steps: walked.steps.length}; }
    var self = this, kept = 0;
    for (; kept < walked.steps.length; kept++) {
      var d = room.decisions[kept], step = walked.steps[kept];
      var at = d && Array.isArray(d.offered) ? d.offered.indexOf(d.chosen) : -1;
      if (at < 0 || d.node !== step.node || d.chosen !== step.index || !Array.isArray(d.labels) || !Array.isArray(d.gotos) ||
          d.labels[at] !== htmlText(step.choice.label) || d.gotos[at] !== step.choice.goto) { break; }
    }
    var choices = function (node) { return (self.nodes[node] && self.nodes[node].choices) || []; };
    room.decisions = room.decisions.slice(0, kept).map(function (d) {
      var list = choices(d.node);
      return Object.assign({}, d, {
        offered: d.offered.map(function (i) { return list[i] ? list[i].key : null; }),
        chosen: list[d.chosen].key
      });
    });
    var votes = {};
    Object.keys(room.votes && typeof room.votes === "object" ? room.votes : {}).forEach(function (node) {
      var list = choices(node), byKey = {};
      Object.keys(room.votes[node] || {}).forEach(function (i) { if (list[i]) { byKey[list[i].key] = room.votes[node][i]; } });
      votes[node] = byKey;
    });
    room.votes = votes;
    return {room: room, steps: kept};
  };

  /* Read the stored record. Returns how the reader comes back: null (nothing stored, or a fresh
     start), "resumed", "changed" (some stored steps no longer exist), "earlier" (a record from an
     earlier player, replayed in full) or "unreadable" (dropped). */
  Player.prototype.load = function () {
    var raw = storageGet(this.key);
    if (!raw) { return null; }
    var stored;
    try { stored = JSON.parse(raw); } catch (e) { stored = null; }
    var earlier = Boolean(stored && stored.version === undefined && stored.format === 1 && Array.isArray(stored.path));
    if (!earlier && !(stored && stored.version === STORE_VERSION && Array.isArray(stored.path))) {
      storageRemove(this.key);
      return "unreadable";
    }
    var walked = story.replay(this.data, stored.path, earlier), room = stored.room;
    if (earlier) {
      var upgraded = this.upgradeRoom(room, walked);
      if (upgraded.room && upgraded.steps < walked.steps.length) { walked = story.replay(this.data, keysOf(walked).slice(0, upgraded.steps)); }
      room = upgraded.room;
    }
    this.path = keysOf(walked);
    this.room = this.adoptRoom(room, walked);
    var changed = walked.steps.length < stored.path.length;
    if (changed || earlier) { this.save(); }   // the notice is given once; the record is now current
    if (changed) { return "changed"; }
    if (!this.path.length && !this.room) { return null; }
    return earlier ? "earlier" : "resumed";
  };

  /* ---- events for hosts ---- */

  Player.prototype.emit = function (type, node, extra) {
    var evt = Object.assign({
      type: type,
      course: this.data.course,
      scenario: this.data.scenario,
      node: node,
      step: this.path.length,
      path: this.path.slice()
    }, extra || {});
    hosts.slice().forEach(function (host) {
      if (host && typeof host[type] === "function") {
        try { host[type](Object.assign({}, evt, {path: evt.path.slice()})); }
        catch (err) { console.error("branchbook: a host's " + type + "() failed", err); }
      }
    });
    var event;
    try {
      event = new CustomEvent("branchbook:progress", {detail: evt, bubbles: true});
    } catch (e) {
      event = document.createEvent("CustomEvent");
      event.initCustomEvent("branchbook:progress", true, false, evt);
    }
    this.container.dispatchEvent(event);
  };

  /* ---- building the stage ---- */

  var COMEBACK = {resumed: "player.resumed", changed: "player.changed", earlier: "player.resumed_earlier",
                  unreadable: "player.unreadable"};

  Player.prototype.mount = function () {
    var self = this;
    var comeback = this.load();

    this.stage = el("div", {
      class: "bb-stage",
      role: "region",
      "aria-label": this.msg("player.region", {title: this.data.title})
    });
    this.status = el("p", {class: "bb-status", hidden: true});
    this.view = el("div", {class: "bb-view"});
    this.live = el("div", {class: "bb-live bb-sr-only", "aria-live": "polite", "aria-atomic": "true"});

    this.backButton = button(this.msg("player.back"), "bb-tool bb-back", function () { self.back(); });
    this.restartButton = button(this.msg("player.restart"), "bb-tool bb-restart", function () { self.restart(); });
    this.clearButton = button(this.msg("player.clear"), "bb-tool bb-clear", function () { self.clear(); });
    this.roomButton = button(this.msg("player.facilitate"), "bb-tool bb-room-toggle",
      function () { self.toggleRoom(); }, {"aria-pressed": "false"});
    this.toolbar = el("div", {class: "bb-toolbar"},
      [this.backButton, this.restartButton, this.clearButton, this.roomButton]);

    this.stage.appendChild(this.status);
    this.stage.appendChild(this.view);
    this.stage.appendChild(this.toolbar);
    this.stage.appendChild(this.live);

    var gamebook = this.container.querySelector(".bb-gamebook");
    if (gamebook && gamebook.parentNode) { gamebook.parentNode.insertBefore(this.stage, gamebook); }
    else { this.container.appendChild(this.stage); }
    this.container.classList.add("bb-js");

    var notice = comeback ? this.msg(COMEBACK[comeback]) : null;
    this.setStatus(notice);
    // No focus move on page load; only a returning reader hears anything.
    this.render({focus: false, quiet: true, reason: comeback ? "resume" : "start", announce: notice});
  };

  /* New data for this scenario while the page is open (an author's live preview hands it over):
     the reader stays at the same step where it still exists, else goes back to the last step that
     does and is told so, exactly as after a reload. */
  Player.prototype.setData = function (data) {
    var before = this.path.length;
    this.data = data;
    this.nodes = data.nodes;
    this.messages = data.messages || {};
    var walked = story.replay(this.data, this.path);
    this.path = keysOf(walked);
    if (this.room) { this.room = this.adoptRoom(this.room, walked); }
    var changed = walked.steps.length < before;
    if (changed) { this.showFeedback = false; }
    this.save();
    var notice = changed ? this.msg("player.changed") : null;
    this.setStatus(notice);
    this.render({focus: false, quiet: true, reason: "update", announce: notice});
  };

  Player.prototype.setStatus = function (text) {
    this.status.textContent = text || "";
    this.status.hidden = !text;
  };

  Player.prototype.announce = function (text) {
    var live = this.live;
    live.textContent = "";
    // A fresh text node after a tick is announced even when the text repeats; only the latest counts.
    window.clearTimeout(this.liveTimer);
    this.liveTimer = window.setTimeout(function () { live.textContent = text; }, 60);
  };

  Player.prototype.render = function (opts) {
    opts = opts || {};
    var walked = story.replay(this.data, this.path);
    this.path = keysOf(walked);
    if (this.showFeedback && walked.steps.length === 0) { this.showFeedback = false; }

    this.backButton.disabled = this.path.length === 0;
    this.roomButton.setAttribute("aria-pressed", this.room ? "true" : "false");
    this.stage.classList.toggle("bb-room-on", Boolean(this.room));

    while (this.view.firstChild) { this.view.removeChild(this.view.firstChild); }
    var focusTarget, announcement;

    if (this.showFeedback) {
      var last = walked.steps[walked.steps.length - 1];
      focusTarget = this.renderFeedback(last);
      announcement = this.msg("player.feedback");
    } else {
      var node = this.nodes[walked.node];
      focusTarget = this.renderScene(walked.node, node, walked);
      if (story.isOver(node)) {
        announcement = this.msg("player.ending_announce", {title: node.ending.title});
      } else {
        announcement = this.msg("player.scene_announce", {title: this.sceneTitle(walked.node)});
      }
    }

    if (opts.focus && focusTarget) { focusTarget.focus(); }
    if (!opts.quiet || opts.announce) { this.announce(opts.announce || announcement); }

    if (!this.showFeedback) {
      var extra = {reason: opts.reason || "move"};
      var current = this.nodes[walked.node];
      if (story.isOver(current)) {
        if (this.room && !this.room.finished) {
          this.room.finished = now();
          this.room.ending = {node: walked.node, kind: current.ending.kind};
          this.save();
        }
        this.emit("ending", walked.node, Object.assign({kind: current.ending.kind, title: current.ending.title}, extra));
        this.emit("debrief", walked.node, Object.assign({decisions: this.decisionSummary(walked)}, extra));
      } else {
        this.emit("scene", walked.node, extra);
      }
    }
  };

  Player.prototype.sceneHeader = function (id, node) {
    var heading = el("h3", {class: "bb-stage-heading", tabindex: "-1", text: this.sceneTitle(id)});
    var parts = [heading];
    if (node.speaker) { parts.push(el("p", {class: "bb-speaker", text: node.speaker})); }
    parts.push(safeHtml(el("div", {class: "bb-text"}), node.html));
    return parts;
  };

  Player.prototype.renderScene = function (id, node, walked) {
    var self = this;
    var scene = el("section", {class: "bb-stage-scene", "data-bb-node": id});
    var header = this.sceneHeader(id, node);
    header.forEach(function (part) { scene.appendChild(part); });
    this.view.appendChild(scene);

    if (story.isOver(node)) {
      scene.appendChild(this.renderEnding(id, node, walked));
      return header[0];
    }

    var offered = story.offered(node, walked.values);
    var promptId = "bb-prompt-" + this.uid + "-" + walked.steps.length;
    scene.appendChild(el("p", {class: "bb-prompt", id: promptId, text: this.msg("player.choose")}));
    var list = el("ul", {class: "bb-choice-list", role: "list", "aria-labelledby": promptId});
    scene.appendChild(list);

    if (this.room) {
      this.renderRoomChoices(id, node, offered, list, scene);
    } else {
      offered.forEach(function (index) {
        var b = button("", "bb-choice", function () { self.choose(index); });
        safeHtml(b, node.choices[index].label);
        list.appendChild(el("li", null, [b]));
      });
    }
    return header[0];
  };

  Player.prototype.principleList = function (ids, cls) {
    var self = this;
    if (!ids || !ids.length) { return el("p", {class: cls + " bb-none", text: this.msg("player.none")}); }
    return el("ul", {class: cls}, ids.map(function (p) { return el("li", {text: self.principleName(p)}); }));
  };

  Player.prototype.principleFacts = function (choice) {
    var dl = el("dl", {class: "bb-principles"});
    if (choice.upholds && choice.upholds.length) {
      dl.appendChild(el("dt", {class: "bb-upholds", text: this.msg("player.upholds")}));
      dl.appendChild(el("dd", null, [this.principleList(choice.upholds, "bb-principle-list bb-upheld")]));
    }
    if (choice.violates && choice.violates.length) {
      dl.appendChild(el("dt", {class: "bb-violates", text: this.msg("player.violates")}));
      dl.appendChild(el("dd", null, [this.principleList(choice.violates, "bb-principle-list bb-violated")]));
    }
    return dl.childNodes.length ? dl : null;
  };

  Player.prototype.hasFeedback = function (choice) {
    return Boolean(choice.feedbackHtml || (choice.upholds && choice.upholds.length) ||
      (choice.violates && choice.violates.length));
  };

  Player.prototype.renderFeedback = function (step) {
    var self = this;
    var node = this.nodes[step.node];
    var scene = el("section", {class: "bb-stage-scene", "data-bb-node": step.node});
    this.sceneHeader(step.node, node).forEach(function (part) { scene.appendChild(part); });
    var heading = el("h4", {class: "bb-feedback-heading", tabindex: "-1", text: this.msg("player.feedback")});
    var box = el("div", {class: "bb-feedback"}, [
      heading,
      safeHtml(el("p", {class: "bb-chosen"}), step.choice.label),
      safeHtml(el("div", {class: "bb-feedback-text"}), step.choice.feedbackHtml),
      this.principleFacts(step.choice),
      button(this.msg("player.continue"), "bb-primary bb-continue", function () { self.proceed(); })
    ]);
    scene.appendChild(box);
    this.view.appendChild(scene);
    return heading;
  };

  Player.prototype.decisionSummary = function (walked) {
    var self = this;
    return walked.steps.map(function (step, i) {
      var d = {node: step.node, choice: step.key, goto: step.choice.goto,
               upholds: (step.choice.upholds || []).slice(), violates: (step.choice.violates || []).slice()};
      if (self.room && self.room.decisions[i]) { d.votes = self.room.decisions[i].votes.slice(); }
      return d;
    });
  };

  Player.prototype.renderEnding = function (id, node, walked) {
    var self = this;
    var wrap = el("div", {class: "bb-ending-wrap"});
    var ending = node.ending;
    wrap.appendChild(el("div", {class: "bb-ending bb-ending-" + ending.kind}, [
      el("p", {class: "bb-ending-kind", text: (ending.kindLabel || this.msg("ending." + ending.kind)) + this.msg("page.label_separator") + ending.title}),
      safeHtml(el("div", {class: "bb-ending-debrief"}), ending.debriefHtml)
    ]));

    var debrief = el("section", {class: "bb-debrief"});
    debrief.appendChild(el("h4", {text: this.msg("player.debrief")}));

    debrief.appendChild(el("h5", {text: this.msg("player.your_path")}));
    var decisions = el("ol", {class: "bb-decisions"});
    var upheld = [], violated = [];
    walked.steps.forEach(function (step, i) {
      var choice = step.choice;
      (choice.upholds || []).forEach(function (p) { if (upheld.indexOf(p) < 0) { upheld.push(p); } });
      (choice.violates || []).forEach(function (p) { if (violated.indexOf(p) < 0) { violated.push(p); } });
      var item = el("li", {class: "bb-decision"}, [
        el("p", {class: "bb-decision-head"}, [
          el("strong", {text: self.msg("player.step", {n: i + 1})}), " ",
          el("span", {class: "bb-decision-scene", text: self.sceneTitle(step.node)})
        ]),
        safeHtml(el("p", {class: "bb-decision-choice"}), choice.label),
        choice.feedbackHtml ? safeHtml(el("div", {class: "bb-decision-feedback"}), choice.feedbackHtml) : null,
        self.principleFacts(choice)
      ]);
      if (self.room && self.room.decisions[i]) { item.appendChild(self.votesTable(self.room.decisions[i])); }
      decisions.appendChild(item);
    });
    if (walked.steps.length) { debrief.appendChild(decisions); }
    else { debrief.appendChild(el("p", {class: "bb-none", text: this.msg("player.none")})); }

    debrief.appendChild(el("h5", {text: this.msg("player.principles_upheld")}));
    debrief.appendChild(this.principleList(upheld, "bb-principle-list bb-upheld bb-path-upheld"));
    debrief.appendChild(el("h5", {text: this.msg("player.principles_violated")}));
    debrief.appendChild(this.principleList(violated, "bb-principle-list bb-violated bb-path-violated"));

    var questions = this.data.debrief || [];
    if (questions.length) {
      debrief.appendChild(el("h5", {text: this.msg("player.questions")}));
      debrief.appendChild(el("ol", {class: "bb-questions"}, questions.map(function (q) {
        return safeHtml(el("li"), q);
      })));
    }

    if (this.room) {
      debrief.appendChild(el("p", {class: "bb-record"}, [
        button(this.msg("player.download_record"), "bb-primary bb-download", function () { self.download(); })
      ]));
    }
    wrap.appendChild(debrief);
    return wrap;
  };

  /* ---- moves ---- */

  Player.prototype.choose = function (index) {
    var walked = story.replay(this.data, this.path);
    var node = this.nodes[walked.node];
    if (!node || story.isOver(node)) { return; }
    var choice = (node.choices || [])[index];
    if (!choice || !story.isOffered(choice, walked.values)) { return; }
    if (this.room) {
      this.room.decisions = this.room.decisions.slice(0, this.path.length);
      this.room.decisions.push(this.roomDecision(walked.node, node, walked.values, index));
      delete this.room.votes[walked.node];
    }
    this.path.push(choice.key);
    this.showFeedback = this.data.feedback !== "end" && this.hasFeedback(choice);
    this.setStatus("");
    this.save();
    this.emit("choice", walked.node, {choice: choice.key, goto: choice.goto, reason: "choice",
      upholds: (choice.upholds || []).slice(), violates: (choice.violates || []).slice()});
    this.render({focus: true, reason: "choice"});
  };

  Player.prototype.proceed = function () {
    this.showFeedback = false;
    this.render({focus: true, reason: "choice"});
  };

  Player.prototype.back = function () {
    if (!this.path.length) { return; }
    if (this.room) {
      var undone = this.room.decisions[this.path.length - 1];
      this.room.decisions = this.room.decisions.slice(0, this.path.length - 1);
      this.room.finished = null;
      this.room.ending = null;
      if (undone) {
        var votes = {};
        undone.offered.forEach(function (key, i) { votes[key] = undone.votes[i]; });
        this.room.votes[undone.node] = votes;
      }
    }
    this.path.pop();
    this.showFeedback = false;
    this.setStatus("");
    this.save();
    this.render({focus: true, reason: "back"});
  };

  Player.prototype.newRoom = function () {
    return {started: now(), decisions: [], votes: {}, finished: null, ending: null};
  };

  Player.prototype.restart = function () {
    this.path = [];
    this.showFeedback = false;
    if (this.room) { this.room = this.newRoom(); }
    this.setStatus("");
    this.save();
    this.render({focus: true, reason: "restart"});
  };

  Player.prototype.clear = function () {
    storageRemove(this.key);
    this.path = [];
    this.showFeedback = false;
    this.room = null;
    var cleared = this.msg("player.cleared");
    this.setStatus(cleared);
    this.render({focus: false, reason: "clear", announce: cleared});
  };

  Player.prototype.toggleRoom = function () {
    this.showFeedback = false;
    this.setStatus("");
    if (this.room) {
      this.room = null;
      this.save();
      this.render({focus: false, reason: "room-off"});
    } else {
      // A room session is a record of one play-through: it starts at the first scene.
      this.room = this.newRoom();
      this.path = [];
      this.save();
      this.render({focus: false, reason: "room-on"});
    }
  };

  /* ---- room mode ---- */

  Player.prototype.currentVotes = function (id) {
    if (!this.room.votes[id]) { this.room.votes[id] = {}; }
    return this.room.votes[id];
  };

  Player.prototype.roomDecision = function (id, node, values, chosen) {
    var offered = story.offered(node, values), votes = this.currentVotes(id);
    var choices = offered.map(function (i) { return node.choices[i]; });
    return {
      node: id,
      offered: choices.map(function (c) { return c.key; }),
      labels: choices.map(function (c) { return htmlText(c.label); }),
      gotos: choices.map(function (c) { return c.goto; }),
      votes: choices.map(function (c) { return votes[c.key] || 0; }),
      chosen: node.choices[chosen].key,
      at: now()
    };
  };

  /* The option (its index) with strictly the most votes, or -1 (no votes, or a tie at the top).
     Votes are counted per choice key. */
  Player.prototype.majority = function (node, offered, votes) {
    var best = -1, bestVotes = 0, tie = false;
    offered.forEach(function (index) {
      var v = votes[node.choices[index].key] || 0;
      if (v > bestVotes) { best = index; bestVotes = v; tie = false; }
      else if (v === bestVotes && v > 0) { tie = true; }
    });
    return tie ? -1 : best;
  };

  Player.prototype.renderRoomChoices = function (id, node, offered, list, scene) {
    var self = this;
    var votes = this.currentVotes(id);
    var decide = button(this.msg("player.decide"), "bb-primary bb-decide", function () {
      var pick = self.majority(node, offered, votes);
      if (pick >= 0) { self.choose(pick); }
    });
    function refreshDecide() {
      var ready = self.majority(node, offered, votes) >= 0;
      decide.setAttribute("aria-disabled", ready ? "false" : "true");
    }
    offered.forEach(function (index) {
      var key = node.choices[index].key, labelHtml = node.choices[index].label, labelText = htmlText(labelHtml);
      var count = el("span", {class: "bb-vote-number", text: String(votes[key] || 0)});
      function change(delta) {
        var next = Math.max(0, (votes[key] || 0) + delta);
        votes[key] = next;
        count.textContent = String(next);
        minus.setAttribute("aria-disabled", next ? "false" : "true");
        self.save();
        refreshDecide();
        self.announce(labelText + self.msg("page.label_separator") + self.msg("player.votes") + " " + next);
      }
      var minus = button("\u2212", "bb-vote-button bb-vote-remove", function () { if (votes[key]) { change(-1); } },
        {"aria-label": self.msg("player.vote_remove", {label: labelText}),
         "aria-disabled": votes[key] ? "false" : "true"});
      var plus = button("+", "bb-vote-button bb-vote-add", function () { change(1); },
        {"aria-label": self.msg("player.vote_add", {label: labelText})});
      var choiceButton = button("", "bb-choice", function () { self.choose(index); });
      safeHtml(choiceButton, labelHtml);
      list.appendChild(el("li", {class: "bb-room-option"}, [
        choiceButton,
        el("div", {class: "bb-vote"}, [
          minus,
          el("span", {class: "bb-vote-count"}, [
            el("span", {class: "bb-vote-label", text: self.msg("player.votes")}), " ", count
          ]),
          plus
        ])
      ]));
    });
    refreshDecide();
    scene.appendChild(el("p", {class: "bb-decide-row"}, [decide]));
  };

  Player.prototype.votesTable = function (decision) {
    var rows = decision.labels.map(function (label, i) {
      return el("tr", {class: decision.offered[i] === decision.chosen ? "bb-chosen-row" : null}, [
        el("th", {scope: "row", text: label}),
        el("td", {text: String(decision.votes[i])})
      ]);
    });
    return el("table", {class: "bb-votes-table"}, [
      el("caption", {text: this.msg("player.votes")}),
      el("tbody", null, rows)
    ]);
  };

  /* The downloadable record: counts and times only, never names.
     {format: 1, course, scenario, started, finished, ending: {node, kind},
      decisions: [{node, options: [{label, goto, votes}], chosen: <index into options>, at}]} */
  Player.prototype.sessionRecord = function () {
    var room = this.room;
    return {
      format: RECORD_FORMAT,
      course: this.data.course,
      scenario: this.data.scenario,
      started: room.started,
      finished: room.finished,
      decisions: room.decisions.map(function (d) {
        return {
          node: d.node,
          options: d.labels.map(function (label, i) { return {label: label, goto: d.gotos[i], votes: d.votes[i]}; }),
          chosen: d.offered.indexOf(d.chosen),
          at: d.at
        };
      }),
      ending: room.ending
    };
  };

  Player.prototype.download = function () {
    if (!this.room) { return; }
    var record = this.sessionRecord();
    var blob = new Blob([JSON.stringify(record, null, 2) + "\n"], {type: "application/json"});
    var url = URL.createObjectURL(blob);
    var stamp = (record.started || now()).replace(/[:.]/g, "-");
    var a = el("a", {href: url, download: "branchbook-" + record.scenario + "-" + stamp + ".json", hidden: true});
    document.body.appendChild(a);
    a.click();
    document.body.removeChild(a);
    window.setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  };

  Player.prototype.snapshot = function () {
    var walked = story.replay(this.data, this.path);
    return {course: this.data.course, scenario: this.data.scenario, node: walked.node,
            step: this.path.length, path: this.path.slice(), variables: Object.assign({}, walked.values),
            room: this.room ? this.sessionRecord() : null};
  };

  /* ---- start-up ---- */

  var counter = 0;

  function setUp(container) {
    if (container.classList.contains("bb-js") || container.__branchbook) { return; }
    var script = container.querySelector("script.bb-player-data");
    if (!script) { return; }
    var data;
    try {
      data = JSON.parse(script.textContent);
    } catch (err) {
      console.error("branchbook: the player data is not valid JSON; showing the gamebook instead", err);
      return;
    }
    if (!data || data.format !== FORMAT || !data.nodes || !data.nodes[data.start]) {
      console.warn("branchbook: unsupported player data; showing the gamebook instead");
      return;
    }
    var player = new Player(container, data);
    player.uid = ++counter;
    container.__branchbook = player;
    players.push(player);
    player.mount();
  }

  var started = false;
  function init() {
    if (started) { return; }
    started = true;
    document.querySelectorAll(".bb-player").forEach(setUp);
  }
  api.init = init;

  /* Hand new player data to the open page (e.g. from a live preview): every player of that
     course and scenario re-renders with it. Returns how many players took it. */
  api.update = function (data) {
    if (!data || data.format !== FORMAT || !data.nodes || !data.nodes[data.start]) {
      throw new TypeError("branchbook.update expects player data of format " + FORMAT);
    }
    var taken = 0;
    players.forEach(function (player) {
      if (player.data.course === data.course && player.data.scenario === data.scenario) {
        player.setData(data);
        taken++;
      }
    });
    return taken;
  };

  if (document.readyState === "complete") {
    init();
  } else {
    // Deferred scripts run before DOMContentLoaded: waiting lets later scripts add hosts first.
    document.addEventListener("DOMContentLoaded", init);
    window.addEventListener("load", init);
  }
})();
