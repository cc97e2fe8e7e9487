/* A "Show password" box under every password field, so people can check what they typed
   (hard to get right on a phone or with unsteady hands). No inline code (CSP). */
(function () {
  "use strict";
  document.querySelectorAll("input[type=password]").forEach(function (input, index) {
    var box = document.createElement("div");
    box.className = "form-check mt-2";
    var toggle = document.createElement("input");
    toggle.type = "checkbox";
    toggle.className = "form-check-input";
    toggle.id = "show-password-" + index;
    var label = document.createElement("label");
    label.className = "form-check-label";
    label.htmlFor = toggle.id;
    label.textContent = (window.limberText || String)("Show what I typed");
    toggle.addEventListener("change", function () { input.type = toggle.checked ? "text" : "password"; });
    box.append(toggle, label);
    input.insertAdjacentElement("afterend", box);
  });
}());
