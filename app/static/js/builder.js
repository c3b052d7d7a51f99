/* Tympanum: the questionnaire builder's enhancements. Every builder page works without
   them (plain forms, Up/Down buttons, position fields), and those stay the keyboard way.

   With it:
   - a condition's value list shows only the answers of the question chosen in its row;
     removing a section or a question asks for confirmation first;
   - on the overview, sections and questions are dragged by their handle to a new place:
     the same "move" POST as the plain forms (with the page's CSRF token and revision),
     answered with the draft part of the overview (?fragment=1), put in place of the
     page's own; a question is added the same way, without a full reload. Any write the
     server refuses (a 409 conflict: someone else saved first) is sent again as a plain
     form, so the browser shows the conflict page;
   - on a question's page, options and matrix items are dragged into a new order, which
     renumbers their position fields (saved with the question's form). */
(function () {
  "use strict";

  var busy = false;
  var drag = null; /* {item, kind, parent, next} while dragging */

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

  function texts() {
    var hint = document.querySelector(".builder-drag-hint");
    return {
      handle: hint ? hint.getAttribute("data-handle") || "" : "",
      reordered: hint ? hint.getAttribute("data-reordered") || "" : ""
    };
  }

  function announce(message) {
    var region = document.getElementById("builder-announce");
    if (region && message) {
      region.textContent = "";
      window.setTimeout(function () { region.textContent = message; }, 50);
    }
  }

  /* --- drag handles ----------------------------------------------------------------- */

  function addHandle(item, where) {
    if (!where || where.querySelector(":scope > .drag-handle")) {
      return;
    }
    var handle = document.createElement("span");
    handle.className = "drag-handle";
    handle.setAttribute("aria-hidden", "true");
    handle.title = texts().handle;
    handle.textContent = "\u2807\u2807";
    where.insertBefore(handle, where.firstChild);
    item.classList.add("sortable");
  }

  function enhance(root) {
    root.querySelectorAll(".builder-section[data-move-url]").forEach(function (section) {
      addHandle(section, section.querySelector(".builder-section-head h3"));
    });
    root.querySelectorAll(".builder-question[data-move-url]").forEach(function (question) {
      addHandle(question, question.firstElementChild);
    });
    root.querySelectorAll(".builder-rows > .builder-row").forEach(function (row) {
      addHandle(row, row.querySelector("legend"));
    });
    document.querySelectorAll(".builder-drag-hint").forEach(function (hint) {
      hint.hidden = false;
    });
  }

  function kindOf(item) {
    if (item.classList.contains("builder-section")) { return "section"; }
    if (item.classList.contains("builder-question")) { return "question"; }
    return "row";
  }

  function siblingsOf(item) {
    return Array.prototype.filter.call(item.parentNode.children, function (el) {
      return el.classList.contains("sortable") && kindOf(el) === kindOf(item);
    });
  }

  /* Where the dragged item goes for the pointer over event.target: {parent, before}. */
  function dropPlace(event) {
    if (!event.target.closest) { return null; }
    var selector = {section: ".builder-section", question: ".builder-question",
                    row: ".builder-row"}[drag.kind];
    var over = event.target.closest(selector + ".sortable");
    if (over && over !== drag.item && over.parentNode) {
      if (drag.kind === "row" && over.parentNode !== drag.parent) { return null; }
      var box = over.getBoundingClientRect();
      var after = event.clientY > box.top + box.height / 2;
      return {parent: over.parentNode, before: after ? over.nextSibling : over};
    }
    if (drag.kind === "question") { /* an empty section, or below its last question */
      var section = event.target.closest(".builder-section");
      var list = section && section.querySelector(".builder-questions");
      if (list && !over) { return {parent: list, before: null}; }
    }
    return null;
  }

  function startDrag(event) {
    var handle = event.target.closest && event.target.closest(".drag-handle");
    if (!handle || busy) { return; }
    var item = handle.closest(".sortable");
    item.draggable = true;
  }

  function stopDrag() {
    if (!drag) { /* pressed on a handle, not dragged */
      document.querySelectorAll(".sortable[draggable='true']").forEach(function (item) {
        item.draggable = false;
      });
    }
  }

  function onDragStart(event) {
    var item = event.target;
    if (!item.classList || !item.classList.contains("sortable") || !item.draggable || busy) {
      return;
    }
    drag = {item: item, kind: kindOf(item), parent: item.parentNode, next: item.nextSibling,
            index: siblingsOf(item).indexOf(item)};
    item.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.getAttribute("data-code") || item.id || "");
  }

  function onDragOver(event) {
    if (!drag) { return; }
    var place = dropPlace(event);
    if (!place) { return; }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (place.before !== drag.item && place.before !== drag.item.nextSibling ||
        place.parent !== drag.item.parentNode) {
      place.parent.insertBefore(drag.item, place.before);
    }
  }

  function endDrag(restore) {
    var state = drag;
    drag = null;
    state.item.classList.remove("dragging");
    state.item.draggable = false;
    if (restore) {
      state.parent.insertBefore(state.item, state.next);
    }
    return state;
  }

  function onDrop(event) {
    if (!drag) { return; }
    event.preventDefault();
    var state = endDrag(false);
    var item = state.item;
    var position = siblingsOf(item).indexOf(item);
    if (item.parentNode === state.parent && position === state.index) {
      return; /* dropped where it was */
    }
    if (state.kind === "row") {
      siblingsOf(item).forEach(function (row, index) {
        var field = row.querySelector("input[name$='].position']");
        if (field) { field.value = String(index + 1); }
        renumber(row.querySelector("legend"), index + 1);
      });
      announce(texts().reordered);
      return;
    }
    var fields = {position: String(position)};
    if (state.kind === "question") {
      fields.to = item.closest(".builder-section").getAttribute("data-code");
    }
    var id = item.id;
    send(item.getAttribute("data-move-url"), fields, null, function (part) {
      return part.querySelector("#" + id);
    });
  }

  /* "Option 2" -> "Option 1": the first number in a row's legend (any language). */
  function renumber(legend, number) {
    if (!legend) { return; }
    var done = false;
    Array.prototype.forEach.call(legend.childNodes, function (node) {
      if (!done && node.nodeType === 3 && /\d+/.test(node.nodeValue)) {
        node.nodeValue = node.nodeValue.replace(/\d+/, String(number));
        done = true;
      }
    });
  }

  function onDragEnd() {
    if (drag) { endDrag(true); } /* not dropped on a place: back where it was */
  }

  /* --- writes sent by the script ----------------------------------------------------- */

  function draftPart() {
    return document.getElementById("builder-draft");
  }

  function withFragment(url) {
    return url + (url.indexOf("?") < 0 ? "?" : "&") + "fragment=1";
  }

  /* The plain way: the browser posts the form and shows the answer (the conflict page). */
  function submitPlainly(url, fields) {
    var form = document.createElement("form");
    form.method = "post";
    form.action = url;
    form.hidden = true;
    Object.keys(fields).forEach(function (name) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = fields[name];
      form.appendChild(input);
    });
    document.body.appendChild(form);
    form.submit();
  }

  /* POST ``fields`` (plus the page's CSRF token and revision unless ``form`` gives them)
     to ``url``; on success put the returned draft part in place of the page's. */
  function send(url, fields, form, focusOn) {
    var part = draftPart();
    var body = form ? new FormData(form) : new FormData();
    if (!form) {
      fields.csrf_token = part.querySelector("input[name='csrf_token']").value;
      fields.revision = part.getAttribute("data-revision");
      Object.keys(fields).forEach(function (name) { body.append(name, fields[name]); });
    }
    var fallback = form ? function () { form.submit(); }
                        : function () { submitPlainly(url, fields); };
    busy = true;
    part.setAttribute("aria-busy", "true");
    window.fetch(withFragment(url), {method: "POST", body: body, credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html")
          .getElementById("builder-draft");
        if (!fresh) { throw new Error("no draft part"); }
        var flashes = fresh.querySelector(".flashes");
        fresh = document.importNode(fresh, true);
        part.parentNode.replaceChild(fresh, part);
        busy = false;
        enhance(fresh);
        announce(flashes ? flashes.textContent.trim() : "");
        var target = focusOn && focusOn(fresh);
        if (target) {
          target.setAttribute("tabindex", "-1");
          target.focus();
        }
      })
      .catch(function () { fallback(); });
  }

  function onSubmit(event) {
    var form = event.target;
    if (form.hasAttribute("data-confirm") && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
      return;
    }
    if (!form.classList.contains("add-question") || !draftPart() || !window.fetch || busy) {
      return;
    }
    event.preventDefault();
    var section = form.closest(".builder-section");
    var code = section.getAttribute("data-code");
    var before = Array.prototype.map.call(
      section.querySelectorAll(".builder-question"), function (q) { return q.id; });
    send(form.action, null, form, function (part) {
      var added = Array.prototype.filter.call(
        part.querySelectorAll("#section-" + code + " .builder-question"),
        function (q) { return before.indexOf(q.id) < 0; });
      return added[0] || part.querySelector("#add-" + code + "-label");
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
    document.addEventListener("submit", onSubmit);
    if (!("draggable" in document.createElement("span"))) {
      return;
    }
    enhance(document);
    document.addEventListener("mousedown", startDrag);
    document.addEventListener("mouseup", stopDrag);
    document.addEventListener("dragstart", onDragStart);
    document.addEventListener("dragover", onDragOver);
    document.addEventListener("drop", onDrop);
    document.addEventListener("dragend", onDragEnd);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
