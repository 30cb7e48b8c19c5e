// Screen pops of incoming calls: polls /calls/pops (the inbox's 3 s rhythm) and shows one
// card per call ringing for this agent; a card leaves when the call is answered elsewhere
// or ends. The server renders the cards; this file only places them (CSP: no inline code).
(function () {
  "use strict";
  var box = document.getElementById("screen-pops");
  if (!box || !window.fetch) return;
  var POLL_MS = 3000;
  var url = box.dataset.url, busy = false, timer;
  var dismissed = {};          // "<call id>:<state>" the agent closed; shown again on change
  var shown = {};              // call id → the HTML last placed (the page's countdowns alter the DOM)

  function toElement(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  function cards() { return Array.prototype.slice.call(box.querySelectorAll(".screen-pop")); }

  function apply(pops) {
    var wanted = {};
    pops.forEach(function (pop) {
      if (dismissed[pop.id + ":" + pop.state]) return;
      wanted[pop.id] = true;
      var old = box.querySelector('.screen-pop[data-call-id="' + pop.id + '"]');
      if (old && shown[pop.id] === pop.html) return;
      var card = toElement(pop.html);
      shown[pop.id] = pop.html;
      if (old) {
        old.replaceWith(card);
      } else {
        card.classList.add("is-new");
        box.appendChild(card);
      }
    });
    cards().forEach(function (card) {
      if (wanted[card.dataset.callId]) return;
      delete shown[card.dataset.callId];
      card.remove();
    });
    box.hidden = !cards().length;
  }

  box.addEventListener("click", function (event) {
    var button = event.target.closest("[data-pop-dismiss]");
    if (!button) return;
    var card = button.closest(".screen-pop");
    dismissed[card.dataset.callId + ":" + card.dataset.state] = true;
    delete shown[card.dataset.callId];
    card.remove();
    box.hidden = !cards().length;
  });

  function poll() {
    if (busy) return;
    busy = true;
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 401 || response.status === 403) {
          clearInterval(timer);
          throw new Error(String(response.status));
        }
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) { apply(data.pops || []); })
      .catch(function () { /* the inbox banner reports a lost connection; retried next tick */ })
      .then(function () { busy = false; });
  }
  box.hidden = true;
  poll();
  timer = setInterval(poll, POLL_MS);
})();
