// New ticket intake: subtype options follow the chosen type, and the "default priority"
// option names the type's default. The server validates both anyway.
(function () {
  "use strict";
  var form = document.getElementById("intake-form");
  if (!form) return;
  var type = form.querySelector("select[name=type]");
  var subtype = form.querySelector("select[name=subtype]");
  var subtypeRow = form.querySelectorAll("[data-subtype-row]");
  var priority = form.querySelector("select[name=priority]");
  var defaultOption = priority && priority.querySelector("option[value='']");
  var defaultText = defaultOption ? defaultOption.textContent : "";

  function filterSubtypes() {
    var any = false;
    Array.prototype.forEach.call(subtype.querySelectorAll("optgroup"), function (group) {
      var on = group.getAttribute("data-type") === type.value;
      group.hidden = !on;
      group.disabled = !on;
      any = any || on;
    });
    var chosen = subtype.options[subtype.selectedIndex];
    if (chosen && chosen.parentNode.disabled) subtype.value = "";
    Array.prototype.forEach.call(subtypeRow, function (el) { el.hidden = !any; });
    subtype.required = any;
  }

  function showDefaultPriority() {
    if (!defaultOption) return;
    var option = type.options[type.selectedIndex];
    var key = option && option.getAttribute("data-priority");
    var match = key && priority.querySelector("option[value='" + key + "']");
    defaultOption.textContent = match ? defaultText + " (" + match.textContent + ")" : defaultText;
  }

  type.addEventListener("change", function () {
    filterSubtypes();
    showDefaultPriority();
  });
  filterSubtypes();
  showDefaultPriority();
})();
