/* The patient area as an app on the patient's own phone: installable (manifest, service
   worker from our own static files) and able to keep a session log made without a
   connection until it can be sent.

   A log kept offline is stored on this device (IndexedDB) with a key made here, and
   sent to /me/log/sync when the connection returns. The server saves a key once, so a
   send that is repeated (the answer was lost, two tabs) cannot make a second session.
   Signing out clears everything this app stored (and the server's Clear-Site-Data
   answer clears it again). A kept log carries the stamp of the page it was made on (whose
   it is): on a phone shared by two patients, it waits for the one who made it.
   No inline code: this runs under a strict CSP. */
(function () {
  "use strict";
  var body = document.body;
  var syncUrl = body.dataset.offlineSyncUrl;
  if (!syncUrl || !window.indexedDB) { return; }
  var DB = "limber-offline", STORE = "logs";
  var owner = body.dataset.sessionStamp || "";
  var notice = document.querySelector("[data-offline-notice]");
  var sending = false;
  var RETRY_MS = 60000;

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
  // The advice for the signs ticked on a session kept offline (rendered, hidden, in the
  // page): what to do about an urgent sign must not wait for the connection.
  function adviseOffline(form) {
    var ticked = Array.prototype.slice.call(form.querySelectorAll("input[name=signs]:checked"));
    var urgent = ticked.some(function (box) { return box.hasAttribute("data-urgent"); });
    var stop = ticked.some(function (box) { return !box.hasAttribute("data-urgent"); });
    [["urgent", urgent], ["stop", stop]].forEach(function (pair) {
      var block = document.querySelector('[data-offline-advice="' + pair[0] + '"]');
      if (block) { block.hidden = !pair[1]; }
    });
  }

  function keep(form, submitter) {
    adviseOffline(form);
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

  function sendAll() {
    if (sending || !navigator.onLine) { return Promise.resolve(); }
    sending = true;
    return run("readonly", function (store) { return store.getAll(); }).then(function (records) {
      // Another patient's (signed in here before): not a word about it, it waits for them.
      var mine = (records || []).filter(function (record) { return !record.owner || record.owner === owner; });
      return mine.reduce(function (chain, record) {
        return chain.then(function (go) { return go === false ? false : sendOne(record); });
      }, Promise.resolve(true));
    }).catch(function () {}).finally(function () { sending = false; });
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
          say(answer.message, answer.state === "saved" || answer.state === "duplicate" ? "success" : "danger");
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
  var problem = document.querySelector(".session-form .alert-danger, .session-form .invalid-feedback");
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

  // Signing out: nothing of this app stays on the device.
  document.querySelectorAll("form[data-sign-out]").forEach(function (form) {
    form.addEventListener("submit", function () {
      try { indexedDB.deleteDatabase(DB); } catch (error) { /* nothing stored */ }
      if (window.caches) { caches.keys().then(function (keys) { keys.forEach(function (k) { caches.delete(k); }); }); }
    });
  });
}());
