/* The "being prepared" page checks for its document by itself. With scripting it asks in
   the background and moves on only when the answer is no longer "still being prepared"
   (202). A check that fails (a server error, a dropped connection, too many requests) is
   tried again a little later, so a passing fault cannot leave the page on an error page
   that checks nothing. Without scripting, a meta refresh in <noscript> does the checking.
   No inline code (CSP). */
(function () {
  "use strict";
  var card = document.querySelector("[data-check-url]");
  if (!card) return;
  var url = card.getAttribute("data-check-url");
  var seconds = Number(card.getAttribute("data-check-seconds")) || 3;
  var notice = card.querySelector("[data-check-notice]");
  var failures = 0;
  // Longer waits after each failure in a row, up to half a minute.
  function later() {
    window.setTimeout(check, Math.min(seconds * Math.pow(2, failures), 30) * 1000);
  }
  function failed() {
    failures += 1;
    notice.textContent = (window.limberText || String)("Could not check just now. Trying again…");
    notice.hidden = false;
    later();
  }
  function check() {
    fetch(url, {credentials: "same-origin", cache: "no-store"}).then(function (response) {
      if (response.status === 202) {
        failures = 0;
        notice.hidden = true;
        later();
      } else if (response.status >= 500 || response.status === 429) {
        failed();
      } else {
        // Ready, failed for good, or signed out: the page itself says which.
        window.location.replace(url);
      }
    }, failed);
  }
  later();
}());
