// Presence menu in the top bar: choosing a value saves it at once (the button stays for
// browsers without scripts). The server answers with a redirect back to this page.
(function () {
  "use strict";
  var form = document.querySelector("[data-presence-form]");
  if (!form) return;
  var select = form.querySelector("select[name=presence]");
  var save = form.querySelector("[data-presence-save]");
  if (save) save.hidden = true;
  select.addEventListener("change", function () { form.submit(); });
})();
