/* branchbook story rules, on the player data (docs/player.md): where a play-through starts, which
   choices a scene offers, what a choice does to the variables, how a saved path replays, and where
   a play-through is over. The player and its room mode use these and no rules of their own.

   The same rules in Python are branchbook.model.story (the checker explores every state with
   them); tests/test_story_agreement.py holds the two to the same answers on random scenarios.
   Loaded before bb-player.js; it only defines `window.branchbook.story` and touches no page. */
(function () {
  "use strict";

  var api = window.branchbook = window.branchbook || {};

  function truth(x) { return x ? 1 : 0; }

  function isIndex(x) { return typeof x === "number" && x >= 0 && Math.floor(x) === x; }

  /* A condition tree (branchbook.model.conditions) evaluated to an integer; non-zero is true.
     No condition (null) is true. */
  function evaluate(tree, values) {
    if (tree === null || tree === undefined) { return 1; }
    if (typeof tree === "boolean") { return truth(tree); }
    if (typeof tree === "number") { return tree; }
    if (typeof tree === "string") {
      // The checker guarantees names exist; an unknown one counts as 0 rather than breaking the page.
      return Object.prototype.hasOwnProperty.call(values, tree) ? values[tree] : 0;
    }
    if (!Array.isArray(tree) || tree.length < 2) { return 0; }
    var op = tree[0];
    if (op === "not") { return truth(!evaluate(tree[1], values)); }
    if (op === "and") { return truth(evaluate(tree[1], values) && evaluate(tree[2], values)); }
    if (op === "or") { return truth(evaluate(tree[1], values) || evaluate(tree[2], values)); }
    var a = evaluate(tree[1], values), b = evaluate(tree[2], values);
    switch (op) {
      case "==": return truth(a === b);
      case "!=": return truth(a !== b);
      case "<": return truth(a < b);
      case "<=": return truth(a <= b);
      case ">": return truth(a > b);
      case ">=": return truth(a >= b);
      default: return 0;
    }
  }

  /* Every variable at its initial value. */
  function start(data) {
    var values = {}, defs = data.variables || {};
    Object.keys(defs).forEach(function (name) { values[name] = defs[name].initial; });
    return values;
  }

  /* A play-through is over at an ending: nothing is chosen there. */
  function isOver(node) { return Boolean(node.ending); }

  function isOffered(choice, values) { return Boolean(evaluate(choice.when, values)); }

  /* Positions of the choices the scene offers with these values, in the author's order. */
  function offered(node, values) {
    var out = [];
    (node.choices || []).forEach(function (choice, index) {
      if (isOffered(choice, values)) { out.push(index); }
    });
    return out;
  }

  /* The values after the choice: each effect added, then clamped to its variable's min..max
     (an undeclared name, which the checker refuses, is ignored). */
  function take(data, choice, values) {
    var defs = data.variables || {}, next = Object.assign({}, values), effects = choice.effects || {};
    Object.keys(effects).forEach(function (name) {
      var def = defs[name];
      if (!def) { return; }
      next[name] = Math.min(def.max, Math.max(def.min, next[name] + effects[name]));
    });
    return next;
  }

  /* Replay a path of choice keys (or, with `positions`, of choice positions, as the earliest saved
     progress stored them) from the start. It stops at the first step that is no longer valid: its
     scene is missing or over, no choice there has that key (removed, retargeted or reworded), the
     choice is not offered with the values reached, or its target scene is missing.
     Returns {node, values, steps: [{node, index, key, choice, values (before the choice)}]}. */
  function replay(data, path, positions) {
    var nodes = data.nodes || {}, values = start(data), id = data.start, steps = [];
    for (var i = 0; i < path.length; i++) {
      var node = Object.prototype.hasOwnProperty.call(nodes, id) ? nodes[id] : null;
      if (!node || isOver(node)) { break; }
      var choices = node.choices || [];
      var index = positions ? (isIndex(path[i]) && path[i] < choices.length ? path[i] : -1)
                            : choices.map(function (c) { return c.key; }).indexOf(path[i]);
      var choice = choices[index];
      if (!choice || typeof choice.key !== "string" || !isOffered(choice, values) ||
          !Object.prototype.hasOwnProperty.call(nodes, choice.goto)) { break; }
      steps.push({node: id, index: index, key: choice.key, choice: choice, values: values});
      values = take(data, choice, values);
      id = choice.goto;
    }
    return {node: id, values: values, steps: steps};
  }

  api.story = {evaluate: evaluate, start: start, isOver: isOver, isOffered: isOffered, offered: offered,
               take: take, replay: replay};
})();
