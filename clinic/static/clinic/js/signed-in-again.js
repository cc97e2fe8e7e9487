/* The sign-in window opened by a signed-out page ends here: tell that page (same origin
   only, nothing but "signed in") and close. If the page cannot be reached (it was opened
   in another tab), the tabs of this browser hear it on a broadcast channel instead. */
(function () {
  "use strict";
  var message = { limber: "signed-in" };
  if ("BroadcastChannel" in window) {
    var channel = new BroadcastChannel("limber-session");
    channel.postMessage(message);
    channel.close();
  }
  if (window.opener && !window.opener.closed) {
    try {
      window.opener.postMessage(message, window.location.origin);
      window.close();
    } catch (error) { /* a page of another origin: nothing to tell */ }
  }
}());
