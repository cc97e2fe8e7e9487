/* Never lose what a person typed because their session ended.

   Before any form of a signed-in page is sent (a plain POST form or an htmx request),
   the page asks the server whether its session is still open, for the same account in
   the same clinic (or patient record) the page was made for (clinic/resume.py). If it
   is, the form goes as usual. If the session has ended, nothing is sent: the page hides
   its content, keeps what was typed in its own memory (never in browser storage) and
   offers to sign in again in a separate window. Once signed in as the same person, the
   waiting submission is sent, once. Signed in as someone else, it is cleared.

   A form marked data-offline-queue (the patient's session log) is kept on the device
   when there is no connection at all; patient-app.js sends it later.

   A form with warning signs to tick (input[name=signs], the patient's) shows what to do
   about the ones ticked at once, from the page itself, before anything is sent or checked:
   with no connection, signed out or the server failing, the advice for an urgent sign
   must not wait. While the sign-in dialog hides the page, that advice moves into it.
   No inline code: this runs under a strict Content-Security-Policy. */
(function () {
  "use strict";
  var body = document.body;
  var checkUrl = body.dataset.sessionCheckUrl;
  var dialogEl = document.getElementById("signed-out");
  if (!checkUrl || !dialogEl || !window.fetch) { return; }
  var stamp = body.dataset.sessionStamp || "";
  var noticeEl = document.querySelector("[data-keeper-notice]");
  var statusEl = dialogEl.querySelector("[data-keeper-status]");
  var modal = null;
  var pending = null; // the one submission waiting for a new sign-in: a function
  // A page the server shows again in answer to a POST (a validation error, the builder's
  // conflict, a picture refused) holds what the person sent, though nothing was typed on
  // it yet: it has entries from the start (the layout marks it, clinic/context_processors.py).
  // Unless all its forms are ones never kept (data-keeper-skip, below): the two-factor
  // set-up page shown again after a wrong code holds a code, not work, and its key.
  var dirty = body.hasAttribute("data-keeper-entries") && Array.prototype.some.call(
    document.forms, function (form) { return !form.closest("[data-keeper-skip]"); }
  );

  function cookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]+)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  function useToken(token) {
    // A new sign-in replaces the CSRF token: the forms on the page carry the old one.
    if (!token) { return; }
    document.querySelectorAll("input[name=csrfmiddlewaretoken]").forEach(function (input) {
      input.value = token;
    });
    // The page's stamp stays beside it (clinic/page_stamps.py).
    var headers = JSON.parse(body.getAttribute("hx-headers") || "{}");
    headers["X-CSRFToken"] = token;
    body.setAttribute("hx-headers", JSON.stringify(headers));
  }

  // "ok", "signed-out", "other" or "failed"; rejects when the server cannot be reached at
  // all. The check answers in JSON, and the idle limit answers a page's own request with a
  // bare 401 (clinic/middleware.py): only those mean signed out. Anything else, such as a
  // 502 from nginx while the server restarts or our own 500 page, is the server failing:
  // the person may well still be signed in, so no sign-in is asked for. patient-app.js
  // reads the answers to the logs it sends the same way.
  function check() {
    var data = new FormData();
    data.append("stamp", stamp);
    return fetch(checkUrl, {
      method: "POST",
      credentials: "same-origin",
      cache: "no-store",
      headers: { "X-CSRFToken": cookie("csrftoken"), "X-Limber-Resume": "1" },
      body: data
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      if (!json) { return response.status === 401 ? "signed-out" : "failed"; }
      return response.json().then(function (answer) {
        useToken(answer.csrf);
        return answer.state;
      }, function () { return "failed"; });
    });
  }

  // The advice blocks the page holds, hidden (templates/patient/_advice.html, marked
  // data-offline-advice="urgent" or "stop"), for the signs a form may carry; a box marked
  // data-urgent is an urgent sign, any other a reason to stop and call.
  function advise(form) {
    if (!form.querySelector("input[name=signs]")) { return; } // another form: advice stays as it is
    var ticked = Array.prototype.slice.call(form.querySelectorAll("input[name=signs]:checked"));
    var shown = null;
    [["urgent", ticked.some(function (box) { return box.hasAttribute("data-urgent"); })],
     ["stop", ticked.some(function (box) { return !box.hasAttribute("data-urgent"); })]].forEach(function (pair) {
      var block = document.querySelector('[data-offline-advice="' + pair[0] + '"]');
      if (!block) { return; }
      var was = !block.hidden;
      block.hidden = !pair[1];
      if (pair[1]) { adviceSent(block, "sending"); }
      if (pair[1] && !was && !shown) { shown = block; }
    });
    if (shown && !body.classList.contains("keeper-signed-out")) {
      // Seen and read out first (an urgent block is also an alert).
      shown.setAttribute("tabindex", "-1");
      shown.scrollIntoView({ block: "start" });
      shown.focus({ preventScroll: true });
    }
  }

  // The advice's last words (templates/patient/_advice_sending.html): "sending" while the
  // form is on its way, "unsent" once it is known not to have gone (no connection, signed
  // out, the server failing). A send that succeeds leaves the page for the server's answer.
  // "told": a session kept on the phone reached the clinic with its signs (patient-app.js).
  function adviceSent(block, state) {
    block.querySelectorAll("[data-advice-sending]").forEach(function (el) { el.hidden = state !== "sending"; });
    block.querySelectorAll("[data-advice-unsent]").forEach(function (el) { el.hidden = state !== "unsent"; });
    block.querySelectorAll("[data-advice-told]").forEach(function (el) { el.hidden = state !== "told"; });
  }
  window.limberAdviceTold = function () {
    document.querySelectorAll("[data-offline-advice]").forEach(function (block) { adviceSent(block, "told"); });
  };
  function adviceNotSent() {
    document.querySelectorAll("[data-offline-advice]").forEach(function (block) { adviceSent(block, "unsent"); });
  }

  // The sign-in dialog hides the page, and the advice must stay in view: it is moved into
  // the dialog (not copied: its ids stay unique), and back once the page shows again.
  var adviceSlot = document.createElement("div");
  dialogEl.querySelector(".modal-body").prepend(adviceSlot);
  var adviceHomes = [];
  function adviceIntoDialog() {
    document.querySelectorAll("#main [data-offline-advice]").forEach(function (block) {
      var home = document.createComment("advice");
      block.replaceWith(home);
      adviceHomes.push([home, block]);
      adviceSlot.append(block);
    });
  }
  function adviceBack() {
    adviceHomes.forEach(function (pair) { pair[0].replaceWith(pair[1]); });
    adviceHomes = [];
  }

  function notice(text) {
    if (!noticeEl) { return; }
    noticeEl.querySelector("[data-keeper-notice-text]").textContent = text;
    noticeEl.hidden = !text;
    // The notice sits over the bottom of the page: room is made below the page, and
    // focus scrolls clear of it, so it never covers the button or field to use next
    // (on a short page at 360 px it hid the send button).
    var room = text ? (noticeEl.offsetHeight + 16) + "px" : "";
    body.style.paddingBottom = room;
    document.documentElement.style.scrollPaddingBottom = room;
  }
  if (noticeEl) {
    noticeEl.querySelector("[data-keeper-notice-close]").addEventListener("click", function () { notice(""); });
  }

  function hideContent(hidden) {
    // While signed out the page's content is hidden from view and from screen readers;
    // its form values stay where they are.
    body.classList.toggle("keeper-signed-out", hidden);
  }

  function showDialog() {
    adviceNotSent();
    hideContent(true);
    adviceIntoDialog();
    dialogEl.querySelector("[data-keeper-kept]").hidden = false;
    dialogEl.querySelector("[data-keeper-other]").hidden = true;
    dialogEl.querySelector("[data-keeper-signin]").hidden = false;
    dialogEl.querySelector("[data-keeper-retry]").hidden = false;
    statusEl.textContent = "";
    if (window.bootstrap) {
      modal = modal || new window.bootstrap.Modal(dialogEl);
      modal.show();
    } else {
      dialogEl.classList.add("show");
      dialogEl.style.display = "block";
    }
  }

  function hideDialog() {
    if (modal) { modal.hide(); }
    adviceBack();
    hideContent(false);
  }

  function clearAndLeave() {
    // Another account or clinic: what was typed here is not theirs to send.
    pending = null;
    dirty = false;
    document.querySelectorAll("form").forEach(function (form) { form.reset(); });
    document.getElementById("main").replaceChildren();
    // Advice for signs someone else ticked is theirs too.
    adviceSlot.replaceChildren();
    adviceHomes = [];
    showDialog();
    dialogEl.querySelector("[data-keeper-kept]").hidden = true;
    dialogEl.querySelector("[data-keeper-other]").hidden = false;
    dialogEl.querySelector("[data-keeper-signin]").hidden = true;
    dialogEl.querySelector("[data-keeper-retry]").hidden = true;
    dialogEl.querySelector("[data-keeper-discard]").textContent = (window.limberText || String)("Continue");
  }

  function serverFailed(send) {
    adviceNotSent();
    var text = (window.limberText || String)("The server had a problem, so nothing was sent. What you entered is still here. Try again in a moment.");
    if (body.classList.contains("keeper-signed-out")) {
      // Waiting for a new sign-in: the submission keeps waiting, and the dialog says why.
      pending = send;
      statusEl.textContent = text;
    } else {
      notice(text);
    }
  }

  // Send `send` once the session is known to be open; `offline` when there is no network.
  // Resolves with the check's answer ("offline" without one).
  function guard(send, offline) {
    return check().then(function (state) {
      if (state === "ok") {
        pending = null;
        hideDialog();
        notice("");
        send();
      } else if (state === "signed-out") {
        pending = send;
        showDialog();
      } else if (state === "failed") {
        serverFailed(send);
      } else {
        clearAndLeave();
      }
      return state;
    }, function () {
      adviceNotSent();
      if (offline) { offline(); return "offline"; }
      notice((window.limberText || String)("No connection: nothing was sent. What you entered is still here; try again when you are back online."));
      return "offline";
    });
  }

  var resuming = false;
  function resume() {
    // After signing in again (the sign-in window says so, the other tabs hear it, or the
    // person presses "I have signed in"): one at a time, so the waiting submission is
    // taken once however many of these arrive.
    if (resuming) { return; }
    resuming = true;
    var send = pending;
    pending = null;
    var done = function () { resuming = false; };
    if (send) {
      statusEl.textContent = (window.limberText || String)("Sending…");
      document.querySelectorAll("[data-offline-advice]").forEach(function (block) { adviceSent(block, "sending"); });
      guard(send).then(function (state) {
        if (state === "signed-out") { statusEl.textContent = (window.limberText || String)("You are not signed in yet."); }
      }).finally(done);
      return;
    }
    check().then(function (state) {
      if (state === "ok") { hideDialog(); }
      else if (state === "other") { clearAndLeave(); }
      else if (state === "failed") { serverFailed(null); }
      else { statusEl.textContent = (window.limberText || String)("You are not signed in yet."); }
    }, function () { statusEl.textContent = (window.limberText || String)("No connection yet."); }).finally(done);
  }

  dialogEl.querySelector("[data-keeper-signin]").addEventListener("click", function () {
    var url = body.dataset.loginUrl + "?next=" + encodeURIComponent(body.dataset.signedInUrl);
    var opened = window.open(url, "limber-signin", "popup,width=520,height=760");
    statusEl.textContent = opened
      ? (window.limberText || String)("Sign in in the window that opened, then come back here.")
      : (window.limberText || String)("Sign in in another tab of this browser, then press “I have signed in”.");
  });
  dialogEl.querySelector("[data-keeper-retry]").addEventListener("click", resume);

  window.addEventListener("message", function (event) {
    if (event.origin === window.location.origin && event.data && event.data.limber === "signed-in") {
      resume();
    }
  });
  if ("BroadcastChannel" in window) {
    new BroadcastChannel("limber-session").addEventListener("message", function (event) {
      if (event.data && event.data.limber === "signed-in" && body.classList.contains("keeper-signed-out")) {
        resume();
      }
    });
  }

  // Plain forms. Captured before anything else sees the submit.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) { return; }
    if ((form.getAttribute("method") || "get").toLowerCase() !== "post") { return; }
    advise(form);
    if (form.hasAttribute("data-keeper-skip") || form.hasAttribute("hx-post")) { return; }
    if (new URL(form.action, window.location.href).pathname === body.dataset.logoutUrl) { return; }
    if (form.dataset.keeperChecked === "1") {
      delete form.dataset.keeperChecked; // checked a moment ago: let it go
      dirty = false;
      return;
    }
    event.preventDefault();
    if (form.dataset.keeperBusy === "1") { return; } // a double tap while checking
    form.dataset.keeperBusy = "1";
    var submitter = event.submitter && event.submitter.form === form ? event.submitter : null;
    var offline = form.hasAttribute("data-offline-queue") && window.limberOffline
      ? function () { window.limberOffline.keep(form, submitter); }
      : null;
    guard(function () {
      form.dataset.keeperChecked = "1";
      if (submitter) { form.requestSubmit(submitter); } else { form.requestSubmit(); }
    }, offline).finally(function () { delete form.dataset.keeperBusy; });
  }, true);

  // htmx requests (the program builder): held at htmx's confirm step the same way.
  body.addEventListener("htmx:confirm", function (event) {
    var detail = event.detail;
    if (detail.verb === "get" || detail.elt.closest("[data-keeper-skip]")) { return; }
    event.preventDefault();
    if (detail.elt.closest("[data-keeper-preview]")) {
      // A redraw that saves nothing (the builder's dose line, redrawn as a field is left):
      // sent only while signed in, and never the one submission kept for a new sign-in.
      // Leaving a field to press Save sends both; kept, the redraw could take Save's place.
      check().then(function (state) {
        if (state === "ok") { detail.issueRequest(true); }
      }, function () { /* no connection: the line stays as it was */ });
      return;
    }
    var submitter = detail.triggeringEvent && detail.triggeringEvent.submitter;
    guard(function () {
      // htmx sends the value of the last button focused in the form (Save, Add…).
      if (submitter && submitter.isConnected) { submitter.focus(); }
      detail.issueRequest(true);
    });
  });

  // Typing in a form that is never kept (a sign-in step's password or code: the forms of
  // templates/allauth/elements/form.html, and the sign-out buttons) is not an entry: at the
  // idle limit that page leaves, rather than hold a password, or a two-factor key beside
  // it, hidden on the screen.
  function typed(event) {
    if (!(event.target instanceof Element) || !event.target.closest("[data-keeper-skip]")) {
      dirty = true;
    }
  }
  document.addEventListener("input", typed);
  document.addEventListener("change", typed);
  // Work done in place with clicks only (the builder's Add, Remove, Move) fires no input
  // event: what comes back is the server's rendering of the unsaved work, so any htmx
  // request other than GET that answered marks the page. A save that succeeds leaves the
  // page (HX-Redirect), so nothing needs unmarking. Chosen over comparing the forms' values
  // with those first rendered: every swap, and the CSRF token a new sign-in puts in, would
  // move that baseline, and a re-shown page starts out equal to it anyway.
  body.addEventListener("htmx:afterRequest", function (event) {
    var detail = event.detail;
    if (detail.successful && detail.requestConfig && detail.requestConfig.verb !== "get") {
      dirty = true;
    }
  });

  // For session-timeout.js: at the idle limit, a page with unsent entries waits for a new
  // sign-in instead of leaving for the sign-in page.
  window.limberKeeper = {
    hasEntries: function () { return dirty; },
    signedOut: function () { showDialog(); }
  };
}());
