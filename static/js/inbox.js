// Inbox list: live rows (polled JSON), j/k/Enter keyboard navigation, and the SLA countdowns
// every page shows. No inline scripts (CSP): words come from #js-i18n data attributes.
(function () {
  "use strict";
  var i18n = (document.getElementById("js-i18n") || { dataset: {} }).dataset;
  var POLL_MS = 3000;

  function fmt(template, value) { return (template || "{}").replace("{}", value); }

  function isTyping(target) {
    return target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" ||
      target.tagName === "SELECT" || target.isContentEditable);
  }

  // A banner for the live parts (connection lost, session ended); shared with ticket.js.
  function notice(text) {
    var box = document.getElementById("live-notice");
    if (!box) return;
    box.textContent = text || "";
    box.hidden = !text;
  }
  window.cskhNotice = notice;

  function toElement(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  // --- SLA countdown ------------------------------------------------------------------
  function span(ms) {
    var minutes = Math.max(1, Math.round(Math.abs(ms) / 60000));
    var days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60);
    var parts = [];
    if (days) parts.push(fmt(i18n.day, days));
    if (hours) parts.push(fmt(i18n.hour, hours));
    if (!days && minutes % 60) parts.push(fmt(i18n.minute, minutes % 60));
    return parts.join(" ");
  }

  // The state as workflows.sla.clock.state() computes it for a running clock: breached once
  // the due time has passed, warning once the warn time (warn_percent of the budget) has.
  function slaState(due, warn, now) {
    if (due <= now) return "breached";
    return warn <= now ? "warning" : "ok";
  }

  function tick(root) {
    var now = Date.now();
    (root || document).querySelectorAll("[data-due]").forEach(function (el) {
      if (el.dataset.paused) return;            // the clock stands still: keep the due date
      var due = Date.parse(el.dataset.due);
      if (isNaN(due)) return;
      var warn = el.dataset.warn ? Date.parse(el.dataset.warn) : NaN;
      el.textContent = fmt(due > now ? i18n.left : i18n.overdue, span(due - now));
      var state = slaState(due, warn, now);
      if (el.classList.contains("sla-" + state)) return;
      el.classList.remove("sla-ok", "sla-warning", "sla-breached", "sla-paused");
      el.classList.add("sla-" + state);
    });
  }
  tick();
  setInterval(tick, 30000);

  // --- the list -----------------------------------------------------------------------
  var table = document.getElementById("inbox-list");
  if (!table) return;
  var tbody = document.getElementById("inbox-rows");
  var baseTitle = document.title, fresh = 0;

  function rows() { return Array.prototype.slice.call(tbody.querySelectorAll("tr.ticket-row")); }

  function highlight(row) {
    rows().forEach(function (r) { r.classList.remove("is-active"); });
    if (!row) return;
    row.classList.add("is-active");
    var link = row.querySelector("a");
    if (link) link.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("keydown", function (event) {
    if (isTyping(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
    var list = rows();
    if (!list.length) return;
    var index = list.indexOf(tbody.querySelector("tr.is-active"));
    if (event.key === "j") {
      event.preventDefault();
      highlight(list[Math.min(index + 1, list.length - 1)]);
    } else if (event.key === "k") {
      event.preventDefault();
      highlight(list[Math.max(index - 1, 0)]);
    } else if ((event.key === "o" || (event.key === "Enter" && event.target.tagName !== "A" &&
                event.target.tagName !== "BUTTON")) && index >= 0) {
      event.preventDefault();
      window.location.href = list[index].dataset.href;
    }
  });

  tbody.addEventListener("click", function (event) {
    var row = event.target.closest("tr.ticket-row");
    if (!row || event.target.closest("a, button") || String(window.getSelection())) return;
    window.location.href = row.dataset.href;
  });

  var filters = document.getElementById("inbox-filters");
  if (filters) {
    filters.addEventListener("change", function (event) {
      if (event.target.tagName === "SELECT") filters.submit();
    });
  }

  // --- live refresh (first page only: older pages stay as they were) -------------------
  // "(3) mới" in the tab title until the agent comes back to the page and acts on it.
  function resetTitle() {
    if (!fresh) return;
    fresh = 0;
    document.title = baseTitle;
  }
  ["keydown", "mousedown", "focus"].forEach(function (name) {
    window.addEventListener(name, resetTitle);
  });

  function apply(items) {
    var added = 0;
    for (var i = items.length - 1; i >= 0; i--) {     // oldest first, so the newest ends on top
      var row = toElement(items[i].html);
      var old = tbody.querySelector('tr[data-id="' + items[i].id + '"]');
      if (old) {
        if (old.classList.contains("is-active")) row.classList.add("is-active");
        old.replaceWith(row);
      } else {
        row.classList.add("is-new");
        tbody.insertBefore(row, tbody.firstElementChild);
        added++;
      }
      tick(row);
    }
    if (!added) return;
    var empty = document.getElementById("inbox-empty");
    if (empty) empty.hidden = true;
    fresh += added;
    document.title = fmt(i18n.newItems, fresh) + " " + baseTitle;
  }

  if (table.dataset.live !== "1") return;
  var since = table.dataset.now, busy = false, failures = 0, timer;
  var url = table.dataset.changesUrl;
  function poll() {
    if (busy) return;
    busy = true;
    var sep = url.indexOf("?") < 0 ? "?" : "&";
    fetch(url + sep + "since=" + encodeURIComponent(since),
          { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 401) {
          clearInterval(timer);
          timer = null;
          notice(i18n.sessionEnded);
        }
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) {
        since = data.now;
        failures = 0;
        notice("");
        apply(data.rows);
      })
      .catch(function () {                       // retried at the next tick
        if (++failures >= 3 && timer) notice(i18n.offline);
      })
      .then(function () { busy = false; });
  }
  timer = setInterval(poll, POLL_MS);
})();
