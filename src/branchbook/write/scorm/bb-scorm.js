/* branchbook in an LMS: the SCORM side of a package made by `branchbook export scorm`.
   It is part of the package only, never of the online book. One file, two roles:

   - On a unit's launch page (scorm/<unit>.html, which holds the JSON settings in #bb-scorm-config)
     it finds the LMS API by the standard discovery, initialises once, restores the learner's state
     from suspend_data, shows the unit's pages in a frame, reports completion (every scenario of the
     unit reached an ending) and, with a mastery score, the knowledge-check score and passed/failed;
     it commits at each ending and after the score, and terminates when the launch page is hidden.
   - In a course page inside that frame it relays the player's endings (and choices, when the course
     opted in to reporting them) and the knowledge-check answers to the launch page.

   Without an LMS nothing changes: the pages play exactly as the online book. If the LMS refuses a
   call, the course still plays and the first error code is logged once. */
(function () {
  "use strict";

  /* ---- in a course page: pass events up to the launch page (same origin) ---- */

  function relay() {
    var bridge = null;
    try { bridge = window.parent !== window ? window.parent.branchbookScorm || null : null; } catch (e) { bridge = null; }
    if (!bridge) { return; }
    var host = {
      choice: function (evt) { bridge.choice(evt.course, evt.scenario, evt.node, String(evt.choice)); },
      ending: function (evt) { bridge.ending(evt.course, evt.scenario); }
    };
    var api = window.branchbook = window.branchbook || {};
    if (typeof api.addHost === "function") { api.addHost(host); } else { (api.hosts = api.hosts || []).push(host); }
    document.addEventListener("branchbook:check", function (e) {
      bridge.check(e.detail.module + "/" + e.detail.question, Boolean(e.detail.correct));
    });
  }

  /* ---- finding the LMS: the frame and up to 7 parents, then the opener and its parents ---- */

  function search(win, name) {
    for (var depth = 0; win && depth <= 7; depth++) {
      try { if (win[name]) { return win[name]; } } catch (e) { /* a frame of another origin */ }
      if (!win.parent || win.parent === win) { break; }
      win = win.parent;
    }
    return null;
  }

  function findApi(name) {
    var api = search(window, name);
    try { if (!api && window.opener) { api = search(window.opener, name); } } catch (e) { api = null; }
    return api;
  }

  /* ---- the LMS conversation: every call guarded; after the first failure, it is logged once ---- */

  function Lms(api, version) {
    this.api = api;
    this.v12 = version === "1.2";
    this.logged = false;
  }

  Lms.prototype.call = function (name, args) {
    var fn = (this.v12 ? {init: "LMSInitialize", get: "LMSGetValue", set: "LMSSetValue", commit: "LMSCommit",
                          end: "LMSFinish", error: "LMSGetLastError"}
                       : {init: "Initialize", get: "GetValue", set: "SetValue", commit: "Commit",
                          end: "Terminate", error: "GetLastError"})[name];
    if (!this.api) { return name === "get" ? "" : false; }
    var result;
    try { result = this.api[fn].apply(this.api, args); } catch (e) { result = "false"; }
    if (name === "get") { return result === undefined || result === null ? "" : String(result); }
    var ok = String(result) === "true";
    if (!ok) { this.fail(fn + "(" + (args[0] === "" ? "" : args[0]) + ")"); }
    return ok;
  };

  Lms.prototype.fail = function (what) {
    if (this.logged) { return; }
    this.logged = true;
    var code = "?";
    try { code = String(this.api[this.v12 ? "LMSGetLastError" : "GetLastError"]()); } catch (e) { /* no code */ }
    console.warn("branchbook: the LMS refused " + what + " (error code " + code +
                 "); the course goes on, but the LMS may not record this session.");
  };

  Lms.prototype.get = function (key) { return this.call("get", [key]); };
  Lms.prototype.set = function (key, value) { return this.call("set", [key, String(value)]); };
  Lms.prototype.commit = function () { return this.call("commit", [""]); };

  /* ---- the launch page ---- */

  function launch(config) {
    var v12 = config.version === "1.2";
    var api = findApi(v12 ? "API" : "API_1484_11");
    if (!api) {  // opened outside an LMS: the pages as the online book
      whenReady(function () { show(config.start); });
      return;
    }
    var lms = new Lms(api, config.version);
    if (!lms.call("init", [""])) { lms.api = null; }
    var key = v12 ? {status: "cmi.core.lesson_status", raw: "cmi.core.score.raw", min: "cmi.core.score.min",
                     max: "cmi.core.score.max", exit: "cmi.core.exit", time: "cmi.core.session_time"}
                  : {status: "cmi.completion_status", raw: "cmi.score.raw", min: "cmi.score.min",
                     max: "cmi.score.max", exit: "cmi.exit", time: "cmi.session_time"};
    var started = Date.now();
    var state = restore(lms.get("cmi.suspend_data"));
    var initial = lms.get(key.status);
    var finished = /^(completed|passed|failed)$/.test(initial);
    var lastStatus = initial;
    var lastScore = null;
    var ended = false;

    function storageKey(scenario) { return "branchbook:" + config.course + ":" + scenario; }
    function ours(course, scenario) { return course === config.course && config.scenarios.indexOf(scenario) >= 0; }

    /* suspend_data: {v, d: scenarios that reached an ending, q: {question: 1 right | 0 wrong at the first try},
       p: [[scenario, saved player progress], …] most recent last, only when the course reports choices}. */
    function restore(text) {
      var data = null;
      try { data = JSON.parse(text); } catch (e) { data = null; }
      if (!data || data.v !== 1) { data = {v: 1, d: [], q: {}, p: []}; }
      data.d = Array.isArray(data.d) ? data.d : [];
      data.q = data.q && typeof data.q === "object" ? data.q : {};
      data.p = config.reportChoices && Array.isArray(data.p) ? data.p : [];
      data.p.forEach(function (entry) {
        if (Array.isArray(entry) && config.scenarios.indexOf(entry[0]) >= 0 && typeof entry[1] === "string") {
          try { window.localStorage.setItem(storageKey(entry[0]), entry[1]); } catch (e) { /* not kept */ }
        }
      });
      return data;
    }

    function suspendData() {
      var out = {v: 1, d: state.d, q: state.q};
      if (!config.reportChoices) { return JSON.stringify(out); }
      var saved = state.p.map(function (entry) {
        var value = null;
        try { value = window.localStorage.getItem(storageKey(entry[0])); } catch (e) { value = null; }
        return [entry[0], value === null ? entry[1] : value];
      }).filter(function (entry) { return entry[1]; });
      // Too long for the LMS: the scenarios played longest ago lose their saved place first.
      for (out.p = saved; out.p.length && JSON.stringify(out).length > config.suspendLimit;) { out.p = out.p.slice(1); }
      return JSON.stringify(out);
    }

    function touched(scenario) {
      var at = -1;
      state.p.forEach(function (entry, i) { if (entry[0] === scenario) { at = i; } });
      var entry = at >= 0 ? state.p.splice(at, 1)[0] : [scenario, ""];
      state.p.push(entry);
    }

    function score() {
      if (config.mastery === null || !config.questions.length) { return null; }
      var right = 0;
      for (var i = 0; i < config.questions.length; i++) {
        var answer = state.q[config.questions[i]];
        if (answer === undefined) { return null; }
        right += answer === 1 ? 1 : 0;
      }
      return Math.round(100 * right / config.questions.length);
    }

    function report() {
      var complete = config.scenarios.every(function (s) { return state.d.indexOf(s) >= 0; });
      var raw = score();
      if (raw !== null && raw !== lastScore) {
        lastScore = raw;
        lms.set(key.raw, raw);
        lms.set(key.min, 0);
        lms.set(key.max, 100);
        if (!v12) {
          lms.set("cmi.score.scaled", raw / 100);
          lms.set("cmi.success_status", raw >= config.mastery ? "passed" : "failed");
        }
      }
      var status;
      if (v12) {
        status = !complete ? "incomplete" : raw === null ? "completed" : raw >= config.mastery ? "passed" : "failed";
      } else {
        status = complete ? "completed" : "incomplete";
      }
      if (status === "incomplete" && finished) { status = lastStatus; }  // never undo a completion
      if (status !== lastStatus) {
        lms.set(key.status, status);
        lastStatus = status;
      }
      lms.set("cmi.suspend_data", suspendData());
    }

    var interactions = 0;
    window.branchbookScorm = {
      ending: function (course, scenario) {
        if (!ours(course, scenario)) { return; }
        if (state.d.indexOf(scenario) < 0) { state.d.push(scenario); }
        setTimeout(function () { report(); lms.commit(); }, 0);  // after the player saved its progress
      },
      choice: function (course, scenario, node, choice) {
        if (!ours(course, scenario) || !config.reportChoices) { return; }
        touched(scenario);
        var n = "cmi.interactions." + (interactions++) + ".";
        var id = v12 ? scenario + "." + node : "urn:branchbook:" + config.course + ":" + scenario + ":" + node;
        var response = choice.replace(/[^A-Za-z0-9_.-]/g, "_");
        lms.set(n + "id", id);
        // 1.2 allows a 'choice' response of single characters only; its free-text type is 'performance'.
        lms.set(n + "type", v12 ? "performance" : "choice");
        lms.set(n + (v12 ? "student_response" : "learner_response"), response);
        lms.set(n + "result", "neutral");
        if (!v12) { lms.set(n + "timestamp", new Date().toISOString().replace(/\.\d+Z$/, "")); }
        setTimeout(function () { lms.set("cmi.suspend_data", suspendData()); }, 0);
      },
      check: function (question, correct) {
        if (config.questions.indexOf(question) < 0 || state.q[question] !== undefined) { return; }
        state.q[question] = correct ? 1 : 0;
        report();
        if (score() !== null) { lms.commit(); }
      }
    };
    if (config.reportChoices) {
      var count = parseInt(lms.get("cmi.interactions._count"), 10);
      interactions = isNaN(count) ? 0 : count;
    }

    report();  // 'incomplete' on a first start; a completion already recorded stays
    lms.commit();

    function end() {
      if (ended) { return; }
      ended = true;
      var seconds = Math.round((Date.now() - started) / 1000);
      lms.set(key.time, v12 ? clock(seconds) : "PT" + seconds + "S");
      lms.set("cmi.suspend_data", suspendData());
      // Always 'suspend': the LMS keeps suspend_data (the first-try answers behind the score) for the
      // next visit, which is often a review; a completed or passed unit stays so.
      lms.set(key.exit, "suspend");
      lms.call("end", [""]);
    }
    window.addEventListener("pagehide", end);
    whenReady(function () { show(config.start); });

    function clock(seconds) {
      function two(n) { return (n < 10 ? "0" : "") + n; }
      return two(Math.floor(seconds / 3600)) + ":" + two(Math.floor(seconds / 60) % 60) + ":" + two(seconds % 60);
    }
  }

  function show(start) {
    document.getElementById("bb-scorm-frame").src = start;
  }

  function whenReady(fn) {
    if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", fn); } else { fn(); }
  }

  var settings = document.getElementById("bb-scorm-config");
  if (settings) {
    launch(JSON.parse(settings.textContent));
  } else {
    relay();
  }
})();
