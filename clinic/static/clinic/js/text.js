/* Our scripts' words in the page's language: window.limberText("Set {set} of {sets}",
   {set: 1, sets: 3}). The translations come with the page as JSON (clinic/js_text.py);
   without them (English pages) the English given is used. Loaded before the other scripts. */
(function () {
  "use strict";
  var words = null;
  function load() {
    var island = document.getElementById("limber-text");
    try {
      return island ? JSON.parse(island.textContent) : {};
    } catch (error) {
      return {};
    }
  }
  window.limberText = function (english, values) {
    if (words === null) words = load();
    var text = Object.prototype.hasOwnProperty.call(words, english) ? words[english] : english;
    return text.replace(/\{(\w+)\}/g, function (match, name) {
      return values && Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : match;
    });
  };
}());
