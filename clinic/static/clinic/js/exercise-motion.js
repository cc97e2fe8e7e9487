/*
 * Limber moving pictures: plays an exercise's drawing from its start pose to its end pose
 * and back, in a loop, from the same pose data as the still pictures.
 *
 * The server draws `.exercise-motion` (hidden) holding one SVG whose moving paths carry
 * their shape at a few moments of the movement in `data-frames` (path data separated by
 * ";", programs/illustrations/motion.py); this script blends each path number by number
 * between neighbouring moments (or steps it, when its parts come and go). No video, no libraries, no inline code (strict CSP).
 *
 * Data attributes on `.exercise-motion` (whole seconds, from the prescription):
 *   data-hold="5"   seconds held at the end pose (0: no hold)
 *   data-reps="10"  reps (empty: timed or hold-only work)
 *   data-label="Bird dog"   used in the button's name
 *
 * Without a running timer, "Show the movement" loops: move out, hold for the prescribed
 * hold, move back, pause. When the exercise timer in the same card runs, the timer drives
 * it (clinic/js/exercise-timer.js emits timer:phase, timer:paused, timer:resumed,
 * timer:stopped, timer:finished): out and held during "Hold", back during "Relax", one
 * out-and-back per paced rep, a steady loop during timed work, still at the start
 * otherwise.
 *
 * People who ask their system for reduced motion keep the still pictures: no button, and
 * the moving picture stays hidden.
 */
(function () {
  "use strict";

  var MOVE_SECONDS = 1.5; // one way, start to end
  var PAUSE_SECONDS = 1; // at the start, between loops
  var PACE_SECONDS = 4; // a paced rep, as the timer counts it
  var NUMBER = /-?\d+(?:\.\d+)?/g;

  function reducedMotion() {
    return !!(window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches);
  }

  function readSeconds(el, name) {
    var value = Number((el.getAttribute("data-" + name) || "").trim());
    return isFinite(value) && value > 0 ? Math.min(value, 3600) : 0;
  }

  function parsePath(el) {
    var frames = el.getAttribute("data-frames").split(";");
    var parts = frames[0].split(NUMBER);
    var numbers = frames.map(function (d) {
      return (d.match(NUMBER) || []).map(Number);
    });
    var counts = numbers.map(function (list) {
      return list.length;
    });
    // Parts that come and go (an eye turning out of sight): step, don't blend.
    var step = counts.some(function (count) {
      return count !== counts[0];
    });
    return { el: el, frames: frames, parts: parts, numbers: numbers, step: step };
  }

  function ease(x) {
    return x * x * (3 - 2 * x); // smooth start and stop, like a person moving
  }

  function draw(player, progress) {
    player.progress = progress;
    var last = player.paths.length ? player.paths[0].numbers.length - 1 : 0;
    var at = Math.min(progress * last, last - 1e-9);
    var i = Math.max(0, Math.floor(at));
    var local = at - i;
    player.paths.forEach(function (path) {
      if (path.step) {
        path.el.setAttribute("d", path.frames[Math.round(progress * last)]);
        return;
      }
      var a = path.numbers[i];
      var b = path.numbers[Math.min(i + 1, last)];
      var out = path.parts[0];
      for (var n = 0; n < a.length; n++) {
        out += (a[n] + (b[n] - a[n]) * local).toFixed(1) + path.parts[n + 1];
      }
      path.el.setAttribute("d", out);
    });
  }

  /* ---- Moves: from the current progress to a target over some seconds, then a callback ---- */

  function moveTo(player, target, seconds, then) {
    cancelAnimationFrame(player.frame);
    clearTimeout(player.wait);
    player.move = {
      from: player.progress,
      to: target,
      ms: Math.max(1, seconds * 1000),
      done: 0,
      since: performance.now(),
      then: then || null,
    };
    step(player);
  }

  function step(player) {
    var move = player.move;
    if (!move || player.paused) return;
    var done = move.done + (performance.now() - move.since);
    var x = Math.min(1, done / move.ms);
    draw(player, move.from + (move.to - move.from) * ease(x));
    if (x < 1) {
      player.frame = requestAnimationFrame(function () {
        step(player);
      });
    } else {
      player.move = null;
      if (move.then) move.then();
    }
  }

  function waitThen(player, seconds, then) {
    clearTimeout(player.wait);
    player.waitLeft = seconds * 1000;
    player.waitSince = performance.now();
    player.waitThen = then;
    player.wait = setTimeout(function () {
      player.waitThen = null;
      then();
    }, player.waitLeft);
  }

  function stopAll(player) {
    cancelAnimationFrame(player.frame);
    clearTimeout(player.wait);
    player.move = null;
    player.waitThen = null;
  }

  /* ---- The loop played on its own ---- */

  function loop(player) {
    moveTo(player, 1, MOVE_SECONDS, function () {
      waitThen(player, player.hold, function () {
        moveTo(player, 0, MOVE_SECONDS, function () {
          waitThen(player, PAUSE_SECONDS, function () {
            loop(player);
          });
        });
      });
    });
  }

  function paceLoop(player, seconds) {
    moveTo(player, 1, seconds / 2, function () {
      moveTo(player, 0, seconds / 2, function () {
        paceLoop(player, seconds);
      });
    });
  }

  /* ---- Play / pause ---- */

  function setButton(player, playing) {
    var button = player.button;
    button.setAttribute("aria-pressed", playing ? "true" : "false");
    button.firstChild.nodeValue = playing ? (window.limberText || String)("Pause the movement") : (window.limberText || String)("Play the movement");
  }

  function show(player) {
    player.el.hidden = false;
    player.el.setAttribute("data-motion", "shown");
  }

  function play(player) {
    show(player);
    player.el.setAttribute("data-motion", "playing");
    if (player.paused && (player.move || player.waitThen)) {
      resume(player);
    } else {
      player.paused = false;
      if (!player.driven) loop(player);
    }
    setButton(player, true);
  }

  function pause(player) {
    if (player.paused) return;
    player.paused = true;
    player.el.setAttribute("data-motion", "paused");
    cancelAnimationFrame(player.frame);
    if (player.move) player.move.done += performance.now() - player.move.since;
    if (player.waitThen) {
      clearTimeout(player.wait);
      player.waitLeft -= performance.now() - player.waitSince;
    }
    setButton(player, false);
  }

  function resume(player) {
    player.paused = false;
    if (player.move) {
      player.move.since = performance.now();
      step(player);
    } else if (player.waitThen) {
      waitThen(player, Math.max(0, player.waitLeft) / 1000, player.waitThen);
    } else if (!player.driven) {
      loop(player);
    }
  }

  /* ---- Driven by the exercise timer ---- */

  function onPhase(player, kind, seconds) {
    player.driven = true;
    player.paused = false;
    show(player);
    player.el.setAttribute("data-motion", "playing");
    setButton(player, true);
    if (kind === "hold") {
      moveTo(player, 1, Math.min(MOVE_SECONDS, seconds / 3));
    } else if (kind === "rep") {
      paceLoop(player, seconds || PACE_SECONDS);
    } else if (kind === "work") {
      paceLoop(player, PACE_SECONDS);
    } else {
      moveTo(player, 0, MOVE_SECONDS); // ready, relax, rest: back to the start and wait
    }
  }

  function release(player) {
    player.driven = false;
    stopAll(player);
    moveTo(player, 0, MOVE_SECONDS, function () {
      player.el.setAttribute("data-motion", "shown");
      setButton(player, false);
    });
  }

  function enhance(el) {
    if (el.hasAttribute("data-motion-ready")) return;
    var moving = el.querySelectorAll("path[data-frames]");
    if (!moving.length || reducedMotion()) return; // stills only
    el.setAttribute("data-motion-ready", "");
    var player = {
      el: el,
      paths: Array.prototype.map.call(moving, parsePath),
      progress: 0,
      hold: readSeconds(el, "hold"),
      paused: true,
      driven: false,
      move: null,
      waitThen: null,
      frame: 0,
      wait: 0,
    };
    var label = (el.getAttribute("data-label") || "").trim().slice(0, 120);
    var button = document.createElement("button");
    button.type = "button"; // never submits the surrounding form
    button.className = "btn btn-outline-primary btn-sm exercise-motion__toggle";
    button.appendChild(document.createTextNode((window.limberText || String)("Play the movement")));
    if (label) {
      var hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = ": " + label;
      button.appendChild(hidden);
    }
    button.setAttribute("aria-pressed", "false");
    player.button = button;
    el.parentNode.insertBefore(button, el);
    button.addEventListener("click", function () {
      if (player.el.getAttribute("data-motion") === "playing") pause(player);
      else play(player);
    });

    var scope = el.closest("[data-motion-scope]");
    if (scope) {
      scope.addEventListener("timer:phase", function (event) {
        onPhase(player, event.detail.kind, event.detail.seconds);
      });
      scope.addEventListener("timer:paused", function () {
        pause(player);
      });
      scope.addEventListener("timer:resumed", function () {
        play(player);
      });
      scope.addEventListener("timer:stopped", function () {
        release(player);
      });
      scope.addEventListener("timer:finished", function () {
        release(player);
      });
    }
  }

  function init(root) {
    root = root && root.querySelectorAll ? root : document;
    if (root.matches && root.matches(".exercise-motion")) enhance(root);
    Array.prototype.forEach.call(root.querySelectorAll(".exercise-motion"), enhance);
  }

  document.addEventListener("htmx:load", function (event) {
    init(event.detail && event.detail.elt);
  });
  window.LimberMotion = { init: init };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      init(document);
    });
  } else {
    init(document);
  }
})();
