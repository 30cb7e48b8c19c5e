// Ticket page: composer tabs, the live thread (polled JSON) and canned replies ("/" menu,
// Alt+1..9). No inline scripts (CSP): data comes from data-* attributes and JSON endpoints.
(function () {
  "use strict";
  var POLL_MS = 3000;
  var JSON_HEADERS = { headers: { Accept: "application/json" }, credentials: "same-origin" };
  var i18n = (document.getElementById("js-i18n") || { dataset: {} }).dataset;

  function toElement(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  function getJSON(url) {
    return fetch(url, JSON_HEADERS).then(function (response) {
      if (response.status === 401 && window.cskhNotice) window.cskhNotice(i18n.sessionEnded);
      if (!response.ok) throw new Error(String(response.status));
      return response.json();
    });
  }

  // --- composer tabs ------------------------------------------------------------------
  function setupTabs() {
    var composer = document.getElementById("composer");
    if (!composer) return;
    var tabs = Array.prototype.slice.call(composer.querySelectorAll('[role="tab"]'));
    function show(tab, focus) {
      tabs.forEach(function (t) {
        var on = t === tab;
        t.setAttribute("aria-selected", on ? "true" : "false");
        t.tabIndex = on ? 0 : -1;
        document.getElementById(t.getAttribute("aria-controls")).hidden = !on;
      });
      if (focus) tab.focus();
    }
    tabs.forEach(function (tab, i) {
      tab.addEventListener("click", function () { show(tab, false); });
      tab.addEventListener("keydown", function (event) {
        if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
        var step = event.key === "ArrowRight" ? 1 : tabs.length - 1;
        show(tabs[(i + step) % tabs.length], true);
      });
    });
    show(document.getElementById("tab-" + (composer.dataset.activeTab || "reply")) || tabs[0]);
  }

  // --- live thread --------------------------------------------------------------------
  function setupThread() {
    var thread = document.getElementById("thread");
    if (!thread) return;
    var last = { message: +thread.dataset.afterMessage || 0, note: +thread.dataset.afterNote || 0 };
    var busy = false;

    function pending() {
      return Array.prototype.map.call(
        thread.querySelectorAll('[data-message-id][data-status="queued"]'),
        function (el) { return el.dataset.messageId; }).join(",");
    }

    function showState(data) {
      var status = document.getElementById("ticket-status");
      if (status) {
        status.textContent = data.status_label;
        status.className = "badge status-" + data.status;
      }
      var assignee = document.getElementById("ticket-assignee");
      if (assignee) assignee.textContent = data.assignee || assignee.dataset.none || "";
    }

    function apply(data) {
      var nearBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 80;
      var added = null;
      data.items.forEach(function (item) {
        last[item.kind] = Math.max(last[item.kind], item.id);
        if (document.getElementById(item.kind + "-" + item.id)) return;   // no duplicates
        added = toElement(item.html);
        thread.appendChild(added);
      });
      data.updated.forEach(function (item) {
        var old = document.getElementById("message-" + item.id);
        if (old) old.replaceWith(toElement(item.html));
      });
      if (added) {
        var empty = document.getElementById("thread-empty");
        if (empty) empty.hidden = true;
        if (nearBottom) added.scrollIntoView({ block: "nearest" });
      }
      showState(data);
    }

    function poll() {
      if (busy) return;
      busy = true;
      var params = new URLSearchParams({ after_message: last.message, after_note: last.note });
      var waiting = pending();
      if (waiting) params.set("pending", waiting);
      getJSON(thread.dataset.threadUrl + "?" + params.toString())
        .then(apply)
        .catch(function () { /* retried at the next tick */ })
        .then(function () { busy = false; });
    }
    setInterval(poll, POLL_MS);
  }

  // --- canned replies -----------------------------------------------------------------
  // Accent-insensitive matching, as the server search does: "chao" finds "Chào", d finds đ.
  function fold(text) {
    return String(text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
  }

  function setupCanned() {
    var area = document.getElementById("reply-body");
    var menu = document.getElementById("canned-menu");
    if (!area || !menu) return;
    var replies = null, loading = null, matches = [], selected = 0, slashAt = -1, dismissed = -1;

    function load() {
      if (!loading) {
        loading = getJSON(area.dataset.cannedUrl)
          .then(function (list) { replies = list; return list; })
          .catch(function () { loading = null; return []; });
      }
      return loading;
    }

    // "/query" right before the caret, at the start of a word.
    function currentQuery() {
      if (area.selectionStart !== area.selectionEnd) return null;
      var before = area.value.slice(0, area.selectionStart);
      var match = /(^|\s)\/([^\s/]*)$/.exec(before);
      return match ? { start: before.length - match[2].length - 1, text: match[2] } : null;
    }

    function close() {
      menu.hidden = true;
      menu.textContent = "";
      matches = [];
      selected = 0;
      area.setAttribute("aria-expanded", "false");
      area.removeAttribute("aria-activedescendant");
    }

    function render() {
      menu.textContent = "";
      matches.forEach(function (reply, i) {
        var option = document.createElement("li");
        option.id = "canned-option-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", i === selected ? "true" : "false");
        var shortcut = document.createElement("span");
        shortcut.className = "shortcut";
        shortcut.textContent = "/" + reply.shortcut;
        var preview = document.createElement("small");
        preview.className = "canned-preview";
        preview.textContent = reply.text;
        option.append(shortcut, reply.title, preview);
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();                 // keep the focus in the textarea
          choose(i);
        });
        menu.appendChild(option);
      });
      menu.hidden = false;
      area.setAttribute("aria-expanded", "true");
      area.setAttribute("aria-activedescendant", "canned-option-" + selected);
      menu.children[selected].scrollIntoView({ block: "nearest" });
    }

    function update() {
      var query = currentQuery();
      if (!query) { dismissed = -1; close(); return; }
      if (query.start === dismissed) return;
      if (!replies) { load().then(function () { if (replies) update(); }); return; }
      var needle = fold(query.text);
      slashAt = query.start;
      matches = replies.filter(function (reply) {
        return fold(reply.shortcut).indexOf(needle) >= 0 || fold(reply.title).indexOf(needle) >= 0;
      });
      if (!matches.length) { close(); return; }
      selected = Math.min(selected, matches.length - 1);
      render();
    }

    function insert(text, start, end) {
      area.focus();
      area.setRangeText(text, start, end, "end");
      area.dispatchEvent(new Event("input", { bubbles: true }));
    }

    function choose(i) {
      var reply = matches[i], end = area.selectionStart, start = slashAt;
      close();
      if (reply) insert(reply.text, start, end);
    }

    area.addEventListener("focus", load);
    area.addEventListener("input", update);
    area.addEventListener("click", update);
    area.addEventListener("blur", close);
    area.addEventListener("keydown", function (event) {
      if (event.altKey && !event.ctrlKey && !event.metaKey && /^Digit[1-9]$/.test(event.code)) {
        event.preventDefault();                  // Alt+n: the n-th reply, wherever the caret is
        var n = +event.code.slice(5);
        load().then(function () {
          var reply = replies && replies[n - 1];
          if (reply) { close(); insert(reply.text, area.selectionStart, area.selectionEnd); }
        });
        return;
      }
      if (menu.hidden || !matches.length) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        var step = event.key === "ArrowDown" ? 1 : matches.length - 1;
        selected = (selected + step) % matches.length;
        render();
      } else if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        choose(selected);
      } else if (event.key === "Escape") {
        event.preventDefault();
        dismissed = slashAt;                     // stay closed until a new "/" is typed
        close();
      }
    });
  }

  setupTabs();
  setupThread();
  setupCanned();
})();
