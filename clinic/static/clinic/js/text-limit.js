/* A box of text with a limit (maxlength) says how much room is left as the limit comes
   near, and says so when a paste was cut to fit: the browser cuts it without a word, and
   a patient's or clinician's last sentences were lost unseen. No inline code (CSP). */
(function () {
  "use strict";
  var t = window.limberText || String;
  // Counted from here on: far from the limit, a count is only noise.
  var NEAR = 0.8;
  document.querySelectorAll("textarea[maxlength]").forEach(function (box, index) {
    var max = parseInt(box.getAttribute("maxlength"), 10);
    if (!(max > 0)) { return; }
    var note = document.createElement("div");
    note.className = "form-text text-limit";
    note.id = "text-limit-" + index;
    note.setAttribute("aria-live", "polite");
    note.hidden = true;
    box.insertAdjacentElement("afterend", note);
    box.setAttribute("aria-describedby", ((box.getAttribute("aria-describedby") || "") + " " + note.id).trim());
    var cut = false;
    function show() {
      var left = max - box.value.length;
      if (cut && left <= 0) {
        note.textContent = t("Only the first {max} characters fit in this box. Check the end of your message.", { max: max });
      } else if (left <= 0) {
        note.textContent = t("This box is full: it holds {max} characters.", { max: max });
      } else {
        note.textContent = t("Characters left: {left}", { left: left });
      }
      note.classList.toggle("text-danger", left <= 0);
      note.hidden = box.value.length < max * NEAR;
    }
    box.addEventListener("paste", function (event) {
      var pasted = event.clipboardData ? event.clipboardData.getData("text") : "";
      var kept = box.value.length - (box.selectionEnd - box.selectionStart);
      cut = kept + pasted.length > max;
    });
    box.addEventListener("input", function (event) {
      if (event.inputType !== "insertFromPaste") { cut = false; }
      show();
    });
    show();
  });
}());
