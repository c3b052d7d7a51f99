/* Tympanum: small enhancements on every page. Every page works without them. */
(function () {
  "use strict";

  var lang = document.documentElement.lang || undefined;

  /* An error summary link focuses its field and shows the field's question. */
  function linkErrorSummary(summary) {
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) {
        return;
      }
      var target = document.getElementById(link.getAttribute("href").slice(1));
      if (!target) {
        return;
      }
      event.preventDefault();
      var context = target.closest(".question, fieldset, .field") || target;
      context.scrollIntoView();
      target.focus({ preventScroll: true });
    });
  }

  /* The navigation's menus (<details>) work without this; with it, one is open at a time
     and a click elsewhere or Escape closes it (focus back on its summary). */
  function navMenus() {
    var menus = document.querySelectorAll(".main-nav details.nav-menu");
    function closeAll(except) {
      menus.forEach(function (menu) {
        if (menu !== except) {
          menu.open = false;
        }
      });
    }
    menus.forEach(function (menu) {
      menu.addEventListener("toggle", function () {
        if (menu.open) {
          closeAll(menu);
        }
      });
    });
    document.addEventListener("click", function (event) {
      if (!event.target.closest(".main-nav details.nav-menu")) {
        closeAll(null);
      }
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") {
        return;
      }
      var open = document.querySelector(".main-nav details.nav-menu[open]");
      if (open) {
        open.open = false;
        open.querySelector("summary").focus();
      }
    });
  }

  /* A table wider than the screen scrolls in its .table-wrap: make that region reachable
     by keyboard (and named by the table's caption) while it scrolls, and only then. */
  function scrollableTables() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      if (wrap.scrollWidth > wrap.clientWidth + 1) {
        var caption = wrap.querySelector("caption");
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", caption ? caption.textContent.trim() : document.title);
      } else if (wrap.getAttribute("role") === "region") {
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
        wrap.removeAttribute("aria-label");
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    navMenus();
    scrollableTables();
    window.addEventListener("resize", scrollableTables);
    document.querySelectorAll(".error-summary").forEach(linkErrorSummary);
    /* Move focus to the error summary (or conflict notice) so it is announced first. */
    var first = document.querySelector("[data-autofocus]");
    if (first) {
      first.focus();
    }
  });

  window.Tympanum = { lang: lang };
})();
