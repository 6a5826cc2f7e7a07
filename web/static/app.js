// Portico's progressive enhancement. Every page works without this file; it adds:
// - plugin views loaded into their placeholders, each on its own, with a deadline;
// - in-place navigation for links inside a plugin view that point at the same view;
// - the theme toggle, `/` to search, local times, copy buttons, confirmations.
(function () {
  "use strict";
  var FRAGMENT_TIMEOUT_MS = 15000;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text) node.textContent = text;
    return node;
  }

  // An error card built with textContent only: nothing from the server is parsed here.
  function errorCard(slot, title, message, url) {
    var card = el("div", "notice notice-danger plugin-error");
    card.setAttribute("role", "alert");
    card.appendChild(el("strong", "", title));
    card.appendChild(el("p", "small", message));
    var retry = el("button", "button button-small", "Try again");
    retry.type = "button";
    retry.addEventListener("click", function () { load(slot, url); });
    card.appendChild(retry);
    slot.replaceChildren(card);
  }

  // Fragments are host-rendered HTML (plugins only ever supply data the host escapes).
  function load(slot, url) {
    slot.setAttribute("aria-busy", "true");
    var loading = el("div", "plugin-loading");
    loading.appendChild(el("span", "spinner"));
    loading.appendChild(document.createTextNode(" Loading…"));
    slot.replaceChildren(loading);
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, FRAGMENT_TIMEOUT_MS);
    fetch(url, { headers: { "X-Portico-Fragment": "1" }, signal: controller.signal, credentials: "same-origin" })
      .then(function (response) {
        return response.text().then(function (html) {
          if (!html || response.headers.get("content-type").indexOf("text/html") !== 0) {
            throw new Error("The server answered " + response.status + ".");
          }
          var template = document.createElement("template");
          template.innerHTML = html;
          slot.replaceChildren(template.content);
          slot.dataset.loaded = url;
          enhance(slot);
        });
      })
      .catch(function (err) {
        var timedOut = err && err.name === "AbortError";
        errorCard(slot, timedOut ? "The view took too long" : "The view could not be loaded",
          timedOut ? "No answer within " + FRAGMENT_TIMEOUT_MS / 1000 + " s." : String(err && err.message || err), url);
      })
      .finally(function () {
        clearTimeout(timer);
        slot.removeAttribute("aria-busy");
      });
  }

  function fragmentUrl(pageHref) {
    var url = new URL(pageHref, location.href);
    return "/fragments" + url.pathname + url.search;
  }

  function enhance(root) {
    root.querySelectorAll("time[datetime]").forEach(localTime);
    root.querySelectorAll("[data-view-link]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var slot = link.closest("[data-fragment]");
        if (!slot || event.metaKey || event.ctrlKey || event.shiftKey) return;
        event.preventDefault();
        load(slot, fragmentUrl(link.href));
        if (slot.closest(".plugin-tab")) history.pushState({}, "", link.href);
      });
    });
    root.querySelectorAll("[data-retry]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var slot = link.closest("[data-fragment]");
        if (!slot) return;
        event.preventDefault();
        load(slot, slot.dataset.loaded || slot.dataset.fragment);
      });
    });
  }

  var relative = typeof Intl !== "undefined" && Intl.RelativeTimeFormat ? new Intl.RelativeTimeFormat(undefined, { numeric: "auto" }) : null;
  function localTime(node) {
    var date = new Date(node.getAttribute("datetime"));
    if (isNaN(date.getTime())) return;
    node.title = date.toLocaleString();
    if (!relative) { node.textContent = date.toLocaleString(); return; }
    var seconds = (date.getTime() - Date.now()) / 1000;
    var units = [["year", 31536000], ["month", 2592000], ["day", 86400], ["hour", 3600], ["minute", 60], ["second", 1]];
    for (var i = 0; i < units.length; i++) {
      if (Math.abs(seconds) >= units[i][1] || units[i][0] === "second") {
        node.textContent = relative.format(Math.round(seconds / units[i][1]), units[i][0]);
        return;
      }
    }
  }

  function setupTheme() {
    var button = document.querySelector("[data-theme-toggle]");
    if (!button) return;
    button.addEventListener("click", function () {
      var root = document.documentElement;
      var current = root.getAttribute("data-theme") ||
        (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
      var next = current === "dark" ? "light" : "dark";
      root.setAttribute("data-theme", next);
      try { localStorage.setItem("portico-theme", next); } catch (e) { /* not kept */ }
    });
  }

  function setupKeys() {
    document.addEventListener("keydown", function (event) {
      if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
      var target = event.target;
      if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
      var search = document.querySelector("main input[type=search]") || document.querySelector("[data-search]");
      if (!search) return;
      event.preventDefault();
      search.focus();
      search.select();
    });
  }

  function setupCopy() {
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      if (!navigator.clipboard) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        var source = document.querySelector(button.getAttribute("data-copy"));
        if (!source) return;
        navigator.clipboard.writeText(source.textContent).then(function () {
          button.textContent = "Copied";
          setTimeout(function () { button.textContent = "Copy"; }, 1500);
        });
      });
    });
  }

  function setupConfirm() {
    document.querySelectorAll("[data-confirm]").forEach(function (button) {
      button.addEventListener("click", function (event) {
        if (!window.confirm(button.getAttribute("data-confirm"))) event.preventDefault();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupTheme();
    setupKeys();
    setupCopy();
    setupConfirm();
    enhance(document);
    document.querySelectorAll("[data-fragment]").forEach(function (slot) { load(slot, slot.dataset.fragment); });
    window.addEventListener("popstate", function () {
      var slot = document.querySelector(".plugin-tab [data-fragment]");
      if (slot) load(slot, fragmentUrl(location.href));
    });
  });
})();
