/* Warn a minute before the idle sign-out, with a way to stay signed in.
   The server enforces the limit whatever this script does; this only spares people
   from losing what they were typing. No inline code: it runs under a strict CSP. */
(function () {
  "use strict";
  var body = document.body;
  var idle = parseInt(body.dataset.idleSeconds || "0", 10);
  if (!idle || !window.bootstrap) { return; }
  var WARN = 60;
  var modalEl = document.getElementById("session-timeout");
  var modal = new window.bootstrap.Modal(modalEl);
  var countdownEl = modalEl.querySelector("[data-countdown]");
  var deadline, warnTimer, tick;

  function csrfToken() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function schedule() {
    clearTimeout(warnTimer);
    clearInterval(tick);
    deadline = Date.now() + idle * 1000;
    warnTimer = setTimeout(warn, Math.max(0, (idle - WARN) * 1000));
  }

  // Entries not sent yet wait, hidden, for a new sign-in (form-keeper.js); a page with
  // nothing typed goes to the sign-in page.
  function signedOut() {
    modal.hide();
    var keeper = window.limberKeeper;
    if (keeper && keeper.hasEntries()) { keeper.signedOut(); return; }
    window.location.href = body.dataset.loginUrl + "?next=" + encodeURIComponent(window.location.pathname);
  }

  function warn() {
    modal.show();
    tick = setInterval(function () {
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      countdownEl.textContent = String(left);
      if (left <= 0) {
        clearInterval(tick);
        signedOut();
      }
    }, 1000);
  }

  modalEl.querySelector("[data-keepalive]").addEventListener("click", function () {
    fetch(body.dataset.keepaliveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      if (response.status === 204) { modal.hide(); schedule(); }
      else { signedOut(); }
    });
  });

  // Work done in place (htmx) reaches the server too, so it resets the clock.
  document.body.addEventListener("htmx:afterRequest", schedule);
  schedule();
}());
