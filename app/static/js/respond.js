/* Tympanum: the questionnaire pages. Progressive enhancement only: without this script
   every page still works (the server re-evaluates conditions on each save; ranking
   uses the rank selects; drafts save on Previous / Next / Save draft).

   With it: conditional questions show and hide as answers change; answers autosave a
   few seconds after typing stops; ranking gets up/down buttons; long texts count
   characters; the receipt gets a print button; submit buttons send once. */
(function () {
  "use strict";

  var AUTOSAVE_DELAY_MS = 3000;
  var RETRY_AFTER_MS = 10000; /* after a failed autosave (offline, or the proxy shed it) */

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) {
      return values[key] === undefined ? "" : String(values[key]);
    });
  }

  function readJSON(text, fallback) {
    try {
      return JSON.parse(text);
    } catch (e) {
      return fallback;
    }
  }

  /* --- conditions (mirrors app/definitions/answers.py condition_holds) ---------------- */

  function isAnswered(value) {
    if (value === null || value === undefined || value === "") {
      return false;
    }
    if (Array.isArray(value)) {
      return value.length > 0;
    }
    if (typeof value === "object") {
      return Object.keys(value).length > 0;
    }
    return true;
  }

  function matches(value, expected) {
    if (Array.isArray(value)) {
      return value.indexOf(expected) !== -1;
    }
    if (value !== null && typeof value === "object") {
      return false;
    }
    return String(value) === expected;
  }

  function holds(cond, values) {
    if (!cond) {
      return true;
    }
    if (cond.all) {
      return cond.all.every(function (c) { return holds(c, values); });
    }
    if (cond.any) {
      return cond.any.some(function (c) { return holds(c, values); });
    }
    var value = values[cond.question];
    var answered = isAnswered(value);
    if (cond.answered !== undefined) {
      return answered === cond.answered;
    }
    if (!answered) {
      return false;
    }
    if (cond.equals !== undefined) {
      return matches(value, cond.equals);
    }
    if (cond.not_equals !== undefined) {
      return !matches(value, cond.not_equals);
    }
    return (cond.any_of || []).some(function (expected) { return matches(value, expected); });
  }

  function valueOf(form, question) {
    var code = question.getAttribute("data-question");
    var type = question.getAttribute("data-type");
    var checked;
    if (type === "single_choice" || type === "likert" || type === "yes_no") {
      checked = question.querySelector("input[name='" + code + "']:checked");
      return checked ? checked.value : null;
    }
    if (type === "multiple_choice") {
      return Array.prototype.map.call(
        question.querySelectorAll("input[name='" + code + "']:checked"),
        function (input) { return input.value; }
      );
    }
    if (type === "matrix") {
      var rows = {};
      question.querySelectorAll("input[type=radio]:checked").forEach(function (input) {
        rows[input.name] = input.value;
      });
      return rows;
    }
    if (type === "ranking") {
      var selects = question.querySelectorAll("select");
      var ranked = Array.prototype.filter.call(selects, function (s) { return s.value; });
      return ranked.length === selects.length ? ranked.map(function (s) { return s.name; }) : null;
    }
    var field = question.querySelector("[name='" + code + "']");
    return field && field.value.trim() ? field.value.trim() : null;
  }

  function setShown(question, shown) {
    question.hidden = !shown;
    /* Hidden questions send nothing (the server drops their answers anyway). */
    question.querySelectorAll("input, select, textarea").forEach(function (field) {
      field.disabled = !shown;
    });
  }

  function updateConditions(form, known) {
    var effective = Object.assign({}, known);
    form.querySelectorAll("[data-question]").forEach(function (question) {
      var cond = readJSON(question.getAttribute("data-show-if") || "null", null);
      var shown = holds(cond, effective);
      setShown(question, shown);
      if (shown) {
        var value = valueOf(form, question);
        if (isAnswered(value)) {
          effective[question.getAttribute("data-question")] = value;
        }
      }
    });
  }

  /* --- "other, please specify" boxes show when "Other" is chosen ---------------------- */

  function updateOtherBoxes(form) {
    form.querySelectorAll("[data-other-for]").forEach(function (box) {
      var code = box.getAttribute("data-other-for");
      var other = form.querySelector("input[name='" + code + "'][value='other']");
      var text = box.querySelector("input");
      box.hidden = !(other && other.checked) && !(text && text.value.trim());
    });
  }

  /* --- character counters -------------------------------------------------------------- */

  function addCounters(form, i18n) {
    form.querySelectorAll("[data-maxlength]").forEach(function (field) {
      var limit = parseInt(field.getAttribute("data-maxlength"), 10);
      // The counter replaces the browser's hard limit, which cuts pasted text silently.
      field.removeAttribute("maxlength");
      var counter = document.createElement("p");
      counter.className = "hint char-count";
      counter.id = field.id + "-count";
      field.insertAdjacentElement("afterend", counter);
      var described = field.getAttribute("aria-describedby");
      field.setAttribute("aria-describedby", (described ? described + " " : "") + counter.id);
      function update() {
        var left = limit - field.value.length;
        counter.textContent = left >= 0
          ? fmt(i18n.charsLeft, { count: left })
          : fmt(i18n.charsOver, { count: -left });
        counter.classList.toggle("char-count-over", left < 0);
      }
      field.addEventListener("input", update);
      update();
    });
  }

  /* --- ranking: up/down buttons that keep the rank selects in step -------------------- */

  function enhanceRanking(fieldset, i18n, onChange) {
    var list = fieldset.querySelector(".rank-list");
    var announcer = document.createElement("p");
    announcer.className = "visually-hidden";
    announcer.setAttribute("role", "status");
    fieldset.appendChild(announcer);

    function items() {
      return Array.prototype.slice.call(list.children);
    }

    function renumber() {
      var all = items();
      all.forEach(function (item, index) {
        item.querySelector("select").value = String(index + 1);
      });
    }

    function move(item, step, button) {
      var all = items();
      var index = all.indexOf(item);
      var target = index + step;
      if (target < 0 || target >= all.length) {
        renumber();
      } else if (step < 0) {
        list.insertBefore(item, all[target]);
      } else {
        list.insertBefore(all[target], item);
      }
      renumber();
      button.focus();
      var label = item.querySelector(".rank-label").textContent.trim();
      announcer.textContent = fmt(i18n.moved, {
        label: label,
        rank: items().indexOf(item) + 1,
        count: all.length,
      });
      onChange();
    }

    items().forEach(function (item) {
      var label = item.querySelector(".rank-label").textContent.trim();
      var controls = item.querySelector(".rank-controls");
      [["up", -1, "\u2191", i18n.moveUp], ["down", 1, "\u2193", i18n.moveDown]].forEach(function (spec) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "rank-move rank-move-" + spec[0];
        button.setAttribute("aria-label", spec[3] + ": " + label);
        button.textContent = spec[2];
        button.addEventListener("click", function () { move(item, spec[1], button); });
        controls.appendChild(button);
      });
    });
  }

  /* --- autosave -------------------------------------------------------------------------- */

  function setupAutosave(form, i18n) {
    var status = document.getElementById("save-status");
    var timer = null;
    var dirty = false;
    var saving = false;
    var submitting = false;
    var stopped = form.hasAttribute("data-conflict");
    var pendingSubmitter = null;

    function show(text, problem, link, linkText) {
      status.textContent = text;
      status.classList.toggle("save-status-problem", !!problem);
      if (link) {
        status.appendChild(document.createTextNode(" "));
        var a = document.createElement("a");
        a.href = link;
        a.textContent = linkText;
        status.appendChild(a);
      }
    }

    function localTime(iso) {
      var moment = iso ? new Date(iso) : new Date();
      return moment.toLocaleTimeString(document.documentElement.lang || undefined, {
        hour: "2-digit",
        minute: "2-digit",
      });
    }

    function handle(body) {
      if (body.ok) {
        if (body.csrf_token && form.elements.csrf_token) {
          form.elements.csrf_token.value = body.csrf_token;
        }
        form.elements.lock_version.value = body.lock_version;
        form.elements.base.value = body.base;
        var template = body.merged ? i18n.merged : body.errors ? i18n.savedWithErrors : i18n.savedAt;
        show(fmt(template, { time: body.saved_at_text || localTime(body.saved_at) }), false);
        return;
      }
      dirty = true;
      stopped = true; /* a conflict, an expired session or a closed questionnaire */
      var text = body.reason ? fmt(i18n.notSaved, { reason: body.message }) : body.message;
      var linkText = body.link === "reload" ? i18n.reload : i18n.logIn;
      show(text, true, body.reason && body.url ? body.url : null, linkText);
    }

    function save() {
      timer = null;
      if (stopped || submitting || !dirty) {
        return;
      }
      if (saving) {
        schedule();
        return;
      }
      saving = true;
      dirty = false;
      show(i18n.saving, false);
      fetch(form.getAttribute("data-autosave-url"), {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          var type = response.headers.get("Content-Type") || "";
          if (response.status >= 502 && response.status <= 504 && type.indexOf("json") < 0) {
            /* the proxy's "very busy" page: the app never saw it; keep the answers, retry */
            throw new Error("busy");
          }
          return response.json().catch(function () {
            return { ok: false, message: fmt(i18n.notSaved, { reason: response.status + " " + response.statusText }) };
          });
        })
        .then(handle)
        .catch(function () {
          dirty = true;
          show(i18n.offline, true);
          window.clearTimeout(timer);
          timer = window.setTimeout(save, RETRY_AFTER_MS);
        })
        .then(function () {
          saving = false;
          if (pendingSubmitter) {
            var submitter = pendingSubmitter;
            pendingSubmitter = null;
            form.requestSubmit(submitter);
          }
        });
    }

    function schedule() {
      if (stopped) {
        return;
      }
      window.clearTimeout(timer);
      timer = window.setTimeout(save, AUTOSAVE_DELAY_MS);
    }

    function changed() {
      dirty = true;
      schedule();
    }

    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    form.addEventListener("submit", function (event) {
      window.clearTimeout(timer);
      if (saving) {
        /* Wait for the autosave in flight, so this save is based on it. */
        event.preventDefault();
        pendingSubmitter = event.submitter || null;
        return;
      }
      submitting = true;
    });
    window.addEventListener("beforeunload", function (event) {
      if (dirty && !submitting) {
        event.preventDefault();
        event.returnValue = i18n.leave;
      }
    });
    return changed;
  }

  /* --- pages without the answer form ------------------------------------------------------ */

  function setupPrint() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }

  function setupSubmitOnce() {
    document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
      form.addEventListener("submit", function () {
        window.setTimeout(function () {
          form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
        }, 0);
      });
    });
  }

  function init() {
    setupPrint();
    setupSubmitOnce();
    var form = document.getElementById("answer-form");
    if (!form) {
      return;
    }
    var i18n = readJSON(form.getAttribute("data-i18n") || "{}", {});
    var known = readJSON(form.getAttribute("data-known") || "{}", {});
    var changed = setupAutosave(form, i18n);
    function refresh() {
      updateConditions(form, known);
      updateOtherBoxes(form);
    }
    form.addEventListener("input", refresh);
    form.addEventListener("change", refresh);
    form.querySelectorAll("[data-ranking]").forEach(function (fieldset) {
      enhanceRanking(fieldset, i18n, function () { refresh(); changed(); });
    });
    addCounters(form, i18n);
    refresh();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
