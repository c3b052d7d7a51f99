/* Tympanum: the questionnaire builder's small enhancements. Every builder page works
   without them (plain forms and buttons).

   With it: a condition's value list shows only the answers of the question chosen in
   its row; removing a section or a question asks for confirmation first. */
(function () {
  "use strict";

  function filterValues(row) {
    var question = row.querySelector("select[name$='.question']");
    var values = row.querySelector("select[name$='.value']");
    if (!question || !values) {
      return;
    }
    values.querySelectorAll("optgroup").forEach(function (group) {
      var shown = group.label === question.value;
      group.hidden = !shown;
      group.disabled = !shown; /* answers of another question are not sent */
    });
  }

  function init() {
    document.querySelectorAll(".condition-row").forEach(function (row) {
      filterValues(row);
      row.addEventListener("change", function (event) {
        if (/\.question$/.test(event.target.name || "")) {
          filterValues(row);
        }
      });
    });
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) {
          event.preventDefault();
        }
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
