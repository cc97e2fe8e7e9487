/* The patient app's service worker. It keeps only our own static files (styles,
   scripts, icons, the "No connection" page): never a page with anyone's data. Pages
   always come from the network; without one, the patient sees the "No connection" page.
   Logs kept offline are sent by the page itself (patient-app.js). */
"use strict";
var CACHE = "limber-app-" + "__VERSION__";
// Filled in by the server with the current static file addresses.
var PRECACHE = __PRECACHE__;
var OFFLINE = PRECACHE[0];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(PRECACHE); }));
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(function () { return caches.match(OFFLINE); }));
    return;
  }
  if (PRECACHE.indexOf(new URL(request.url).pathname) !== -1) {
    event.respondWith(caches.match(request).then(function (hit) { return hit || fetch(request); }));
  }
});
