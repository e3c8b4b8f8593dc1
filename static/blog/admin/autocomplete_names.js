// The admin's autocomplete (Select2) names its combobox after the chosen value alone, so an
// empty field has no accessible name: add the field's own label to the name. Runs on "load",
// after Django's autocomplete.js has built the widgets on DOM ready.
"use strict";
window.addEventListener("load", () => {
  for (const select of document.querySelectorAll("select.admin-autocomplete")) {
    const label = document.querySelector(`label[for="${select.id}"]`);
    const widget = select.nextElementSibling;
    if (!label || !widget) continue;
    if (!label.id) label.id = `${select.id}-label`;
    for (const part of widget.querySelectorAll('[role="combobox"], [role="textbox"]')) {
      const named = (part.getAttribute("aria-labelledby") || "").split(" ").filter(Boolean);
      if (!named.includes(label.id)) {
        part.setAttribute("aria-labelledby", [label.id, ...named].join(" "));
      }
    }
  }
});
