/* Knowledge checks: choose an option, check it, and see the explanation for that option.
   Without JavaScript each option's explanation is a <details> the reader can open. */
(function () {
  "use strict";
  function setUp(fieldset) {
    var button = fieldset.querySelector(".bb-check-answer");
    var result = fieldset.querySelector(".bb-check-result");
    var explanations = fieldset.querySelectorAll(".bb-explanation");
    explanations.forEach(function (d) { d.hidden = true; });
    button.hidden = false;
    button.addEventListener("click", function () {
      var chosen = fieldset.querySelector("input[type=radio]:checked");
      if (!chosen) { return; }
      explanations.forEach(function (d) { d.hidden = true; d.open = false; });
      var box = chosen.parentElement.querySelector(".bb-explanation");
      box.hidden = false;
      box.open = true;
      result.textContent = box.querySelector("summary").textContent;
      fieldset.classList.toggle("bb-answered-correct", box.dataset.bbCorrect === "true");
      fieldset.classList.toggle("bb-answered-incorrect", box.dataset.bbCorrect !== "true");
      // For a host such as an LMS package (bb-scorm.js): which question, and whether the answer was right.
      fieldset.dispatchEvent(new CustomEvent("branchbook:check", {bubbles: true, detail: {
        module: fieldset.form.dataset.bbModule, question: fieldset.id.replace(/^check-/, ""),
        correct: box.dataset.bbCorrect === "true"}}));
    });
  }
  function init() {
    document.querySelectorAll(".bb-check").forEach(function (form) {
      form.addEventListener("submit", function (e) { e.preventDefault(); });
      form.querySelectorAll(".bb-question").forEach(setUp);
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
