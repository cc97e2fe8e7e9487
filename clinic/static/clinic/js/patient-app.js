/* The patient area as an app on the patient's own phone: installable (manifest, service
   worker from our own static files) and able to keep a session log made without a
   connection until it can be sent.

   A log kept offline is stored on this device (IndexedDB) with a key made here, and
   sent to /me/log/sync when the connection returns. The server saves a key once, so a
   send that is repeated (the answer was lost, two tabs) cannot make a second session.
   Signing out clears everything this app stored: the server's answer to the sign-out
   does (Clear-Site-Data), so only a sign-out that happened clears it. A kept log carries
   the stamp of the page it was made on (whose it is): on a phone shared by two patients,
   it waits for the one who made it.
   The advice for warning signs ticked on a kept log is shown by form-keeper.js, before
   anything is sent.
   No inline code: this runs under a strict CSP. */
(function () {
  "use strict";
  var body = document.body;
  var syncUrl = body.dataset.offlineSyncUrl;
  if (!syncUrl || !window.indexedDB) { return; }
  var DB = "limber-offline", STORE = "logs";
  var owner = body.dataset.sessionStamp || "";
  var notice = document.querySelector("[data-offline-notice]");
  var sending = null; // the send under way, if any
  var RETRY_MS = 60000;
  // How long signing out waits for the waiting sessions to go: on a poor connection a send
  // may never be answered, and the patient, tapping "Sign out", saw nothing happen.
  var SIGN_OUT_WAIT_MS = 5000;

  if ("serviceWorker" in navigator && body.dataset.serviceWorkerUrl) {
    navigator.serviceWorker.register(body.dataset.serviceWorkerUrl, { scope: body.dataset.serviceWorkerScope })
      .catch(function () { /* the app still works as a web page */ });
  }

  function say(text, kind) {
    if (!notice) { return; }
    notice.textContent = text;
    notice.className = "alert mt-3 mb-0 alert-" + (kind || "info");
    notice.hidden = !text;
  }

  // A session sent from the phone is saved, but a page drawn before it (Today's "Logged
  // today", what is still due) does not show it yet (found by the Spanish review). Offered,
  // not done: the patient may be filling in the form on it.
  function offerUpdate() {
    if (!notice || !document.querySelector("form.session-form")) { return; }
    var link = document.createElement("a");
    link.href = window.location.pathname;
    link.className = "btn btn-outline-success w-100 mt-2";
    link.textContent = (window.limberText || String)("Update this page");
    notice.appendChild(link);
  }

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "key" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function run(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(result && result.result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function cookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]+)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  // Called by form-keeper.js when the session form cannot reach the server at all.
  function keep(form, submitter) {
    var data = new FormData(form, submitter || undefined);
    data.delete("csrfmiddlewaretoken");
    var key = newKey();
    data.set("client_token", key);
    data.set("kept_by", owner);
    var record = { key: key, owner: owner, made_at: Date.now(), body: new URLSearchParams(data).toString() };
    return run("readwrite", function (store) { return store.put(record); }).then(function () {
      form.reset();
      var token = form.querySelector("input[name=client_token]");
      if (token) { token.value = newKey(); }
      say((window.limberText || String)("No connection right now. Your session is saved on this phone and will be sent when you are back online."), "warning");
      window.scrollTo({ top: 0 });
    }, function () {
      say((window.limberText || String)("No connection, and this phone could not keep your session. Please try again when you are back online."), "danger");
    });
  }

  // Another patient's log (signed in here before): not a word about it, it waits for them.
  function mine(records) {
    return (records || []).filter(function (record) { return !record.owner || record.owner === owner; });
  }

  // Resolves once what can be sent is sent (a send already under way included).
  function sendAll() {
    if (!navigator.onLine) { return Promise.resolve(); }
    if (sending) { return sending; }
    sending = run("readonly", function (store) { return store.getAll(); }).then(function (records) {
      return mine(records).reduce(function (chain, record) {
        return chain.then(function (go) { return go === false ? false : sendOne(record); });
      }, Promise.resolve(true));
    }).catch(function () {}).finally(function () { sending = null; });
    return sending;
  }

  // How many of this patient's logs are still waiting on this phone.
  function waiting() {
    return run("readonly", function (store) { return store.getAll(); }).then(function (records) {
      return mine(records).length;
    }, function () { return 0; });
  }

  function sendOne(record) {
    var data = new URLSearchParams(record.body);
    data.set("made_at", String(record.made_at));
    return fetch(syncUrl, {
      method: "POST",
      credentials: "same-origin",
      cache: "no-store",
      headers: { "X-CSRFToken": cookie("csrftoken"), "X-Limber-Resume": "1" },
      body: data
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      if (!json && response.status >= 500) {
        // The server (or a proxy in front of it) failing: nothing was saved; it stays.
        say((window.limberText || String)("A session saved on this phone could not be sent just now. It stays on this phone and we will try again in a minute."), "warning");
        window.setTimeout(sendAll, RETRY_MS);
        return false;
      }
      if (!json) {
        // Signed out: keep it until the patient signs in again.
        say((window.limberText || String)("A session saved on this phone is waiting to be sent. Sign in to send it."), "warning");
        return false;
      }
      return response.json().then(function (answer) {
        if (answer.state === "elsewhere") { return true; /* another patient's: it stays */ }
        if (answer.state === "retry") {
          // The server could not save it just now (nothing was saved): it stays here and
          // is sent again in a minute, or at the next page or reconnection.
          say(answer.message, "warning");
          window.setTimeout(sendAll, RETRY_MS);
          return false;
        }
        // Saved, sent before, or refused for good (too old): either way it leaves the phone.
        return run("readwrite", function (store) { return store.delete(record.key); }).then(function () {
          var arrived = answer.state === "saved" || answer.state === "duplicate";
          say(answer.message, arrived ? "success" : "danger");
          // Its signs reached the clinic: the advice shown offline says so now.
          if (answer.told && window.limberAdviceTold) { window.limberAdviceTold(); }
          if (arrived) { offerUpdate(); }
          return true;
        });
      });
    }, function () { return false; /* still offline: try again later */ });
  }

  // What to do about warning signs told to the clinic with a session sent back for a fix
  // comes first: the form's own message is below it.
  var told = document.querySelector("[data-told-advice]");
  // A refused form: bring its first message into view (not at the bottom edge of a phone)
  // and move focus there, so screen readers read it out.
  var problem = document.querySelector(".session-form .alert-danger, .session-form .invalid-feedback, .outcome-form .alert-danger");
  if (told) {
    told.setAttribute("tabindex", "-1");
    told.scrollIntoView({ block: "start" });
    told.focus({ preventScroll: true });
  } else if (problem) {
    // Inside a closed "I did a different amount" it could be neither seen nor focused.
    for (var fold = problem.closest("details"); fold; fold = fold.parentElement.closest("details")) {
      fold.open = true;
    }
    problem.setAttribute("tabindex", "-1");
    problem.scrollIntoView({ block: "center" });
    problem.focus({ preventScroll: true });
  }

  window.limberOffline = { keep: keep, sendAll: sendAll };
  window.addEventListener("online", sendAll);
  sendAll();

  // Signing out: nothing of this app stays on the device, but only once the sign-out has
  // happened. The server's answer clears this store (Clear-Site-Data, clinic/middleware.py);
  // clearing it here as the button is pressed lost the sessions waiting to be sent whenever
  // the sign-out itself never reached the server, leaving the patient signed in.
  document.querySelectorAll("form[data-sign-out]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.signOutChecked === "1") { delete form.dataset.signOutChecked; return; }
      event.preventDefault();
      if (!navigator.onLine) {
        say((window.limberText || String)("No connection, so you are still signed in. Sign out again when you are back online."), "warning");
        window.scrollTo({ top: 0 });
        return;
      }
      if (form.dataset.signOutBusy === "1") { return; } // a double tap while sending
      form.dataset.signOutBusy = "1";
      // What is waiting goes first; what still cannot be sent is named before it is lost.
      var givenUp = new Promise(function (resolve) { window.setTimeout(resolve, SIGN_OUT_WAIT_MS); });
      Promise.race([sendAll(), givenUp]).then(waiting).then(function (count) {
        var t = window.limberText || String;
        var question = count === 1
          ? t("{count} session saved on this phone has not been sent yet. If you sign out now, it will be deleted. Sign out anyway?", { count: count })
          : t("{count} sessions saved on this phone have not been sent yet. If you sign out now, they will be deleted. Sign out anyway?", { count: count });
        if (count && !window.confirm(question)) { return; }
        form.dataset.signOutChecked = "1";
        form.requestSubmit();
      }).finally(function () { delete form.dataset.signOutBusy; });
    });
  });
}());
