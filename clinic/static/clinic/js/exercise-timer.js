/*
 * Limber exercise timer: turns each `.exercise-timer` element into a small guided timer.
 *
 * Progressive enhancement: without JavaScript the page works as before (the patient does
 * the exercise and ticks "done"). No libraries, no inline code (strict CSP friendly).
 *
 * Data attributes read from the `.exercise-timer` element (whole seconds; anything
 * missing, empty, negative or not a number counts as absent):
 *   data-hold="5"        seconds to hold each rep (0 or absent: no hold)
 *   data-reps="10"       reps per set (may be empty: timed or hold-only work)
 *   data-sets="2"        sets (absent or invalid: 1)
 *   data-rest="30"       rest seconds between sets (0: a short "Relax" instead)
 *   data-duration="600"  timed work such as walking, counted down as mm:ss
 *   data-sides="2"       sides done one after the other, each with all the sets (absent or
 *                        invalid: 1). The server takes it from programs/dosage.py
 *                        sides_in_turn, the rule its time estimates use: 2 for "on each side"
 *   data-label="Bird dog"          used in button names and event details
 *   data-done-checkbox="<id>"      checkbox ticked (never submitted) when finished
 * What is timed (same precedence as programs/dosage.py):
 *   reps + hold      → Hold / Relax (~3 s) per rep, Rest between sets
 *   reps, no hold    → reps paced at ~4 s each, Rest between sets
 *   duration         → mm:ss countdown per set, Rest between sets
 *   hold only        → one hold per set, Rest between sets
 *   nothing of these → no timer button at all (the element is left untouched)
 * Every run starts with a 3-second "Get ready…". With two sides, all the sets are timed for
 * side 1, then "Switch sides" (the rest, at least 5 s), then all of them for side 2; "Done"
 * and the tick come only after the last side.
 *
 * Events (bubbling CustomEvents dispatched on the `.exercise-timer` element):
 *   timer:started   detail {label}
 *   timer:stopped   detail {label, reason: "user" | "other-timer" | "removed"}
 *   timer:finished  detail {label, checkbox: id or null, ticked: boolean}
 *   timer:phase     detail {label, kind: "ready" | "hold" | "relax" | "rest" | "rep" | "work",
 *                   seconds, side}: each step as it begins (the moving picture follows it;
 *                   switching sides is a "rest")
 *   timer:paused, timer:resumed   detail {label}
 * The checkbox only gets `checked = true`: no "change" event is dispatched, so a form
 * that saves itself on change is never submitted behind the patient's back.
 *
 * `window.LimberTimer.init(root)` enhances elements added later (also run on htmx:load).
 */
(function () {
  "use strict";

  var READY_SECONDS = 3;
  var RELAX_SECONDS = 3;
  var PACE_SECONDS = 4;
  // Time to change position between sides when no longer rest is prescribed.
  var SWITCH_SECONDS = 5;
  // No dose is done for more than two sides in turn (programs/dosage.py sides_in_turn).
  var MOST_SIDES = 2;
  // The highest amounts come from the model through the page (the "dosage-limits" JSON
  // element), so the timer clamps to exactly what a clinician can prescribe. The lowest
  // are what the numbers mean, not a rule: a hold or a rest may be 0, a count may not.
  var FIELD_OF = {
    sets: "sets",
    reps: "reps",
    hold: "hold_seconds",
    rest: "rest_seconds",
    duration: "duration_seconds",
  };
  var LIMITS = null;

  function limitsFor(name) {
    if (LIMITS === null) {
      var element = document.getElementById("dosage-limits");
      try {
        LIMITS = element ? JSON.parse(element.textContent) : {};
      } catch (error) {
        LIMITS = {};
      }
    }
    var highest = (LIMITS[FIELD_OF[name]] || [0, 0])[1];
    return [name === "hold" || name === "rest" ? 0 : 1, highest];
  }

  // Words in the page's language (clinic/js/text.js, clinic/js_text.py); English, with the
  // placeholders filled, on a page without them.
  function t(english, values) {
    if (window.limberText) return window.limberText(english, values);
    return english.replace(/\{(\w+)\}/g, function (match, name) {
      return values && Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : match;
    });
  }
  var PHASE_TEXT = {
    ready: t("Get ready…"),
    hold: t("Hold…"),
    relax: t("Relax"),
    rest: t("Rest"),
    rep: t("Rep"),
    work: t("Keep going…"),
    paused: t("Paused"),
    done: t("Done! Tick it off below."),
    // The timer ticked the exercise's box itself: "tick it off" read as a step left to do.
    ticked: t("Done! It is ticked below."),
    "switch": t("Switch sides"),
  };

  var active = null; // the one timer that is running or paused

  function noop() {}

  function readInt(el, name) {
    var raw = el.getAttribute("data-" + name);
    if (raw === null) return null;
    raw = raw.trim();
    if (!/^\d+(\.\d+)?$/.test(raw)) return null;
    var value = Math.round(Number(raw));
    var limits = limitsFor(name);
    if (!isFinite(value) || value < limits[0]) return null;
    return Math.min(value, limits[1]);
  }

  function readSides(el) {
    var raw = (el.getAttribute("data-sides") || "").trim();
    if (!/^\d+$/.test(raw)) return 1;
    return Math.max(1, Math.min(Number(raw), MOST_SIDES));
  }

  function readConfig(el) {
    var config = {
      sides: readSides(el),
      sets: readInt(el, "sets") || 1,
      reps: readInt(el, "reps"),
      hold: readInt(el, "hold") || 0,
      rest: readInt(el, "rest") || 0,
      duration: readInt(el, "duration"),
      label: (el.getAttribute("data-label") || "").trim().slice(0, 120),
      checkbox: (el.getAttribute("data-done-checkbox") || "").trim(),
      mode: null,
    };
    if (config.reps) {
      config.mode = config.hold ? "hold" : "paced";
    } else if (config.duration) {
      config.mode = "duration";
    } else if (config.hold) {
      config.mode = "hold";
      config.reps = 1;
    }
    return config.mode ? config : null;
  }

  function buildPlan(config) {
    var steps = [];
    var end = 0;
    var side = 1;
    // between: "set" for the pause before a set, "side" for the one before the next side.
    function add(kind, seconds, set, rep, between) {
      end += seconds * 1000;
      steps.push({ kind: kind, seconds: seconds, side: side, set: set, rep: rep, between: between || "", end: end });
    }
    add("ready", READY_SECONDS, 1, 1);
    for (side = 1; side <= config.sides; side++) {
      if (side > 1) add("rest", Math.max(config.rest, SWITCH_SECONDS), 1, 1, "side");
      for (var set = 1; set <= config.sets; set++) {
        if (set > 1) {
          if (config.rest > 0) add("rest", config.rest, set, 1, "set");
          else add("relax", RELAX_SECONDS, set, 1, "set");
        }
        if (config.mode === "duration") {
          add("work", config.duration, set, 0);
          continue;
        }
        for (var rep = 1; rep <= config.reps; rep++) {
          if (config.mode === "hold") {
            if (rep > 1) add("relax", RELAX_SECONDS, set, rep - 1);
            add("hold", config.hold, set, rep);
          } else {
            add("rep", PACE_SECONDS, set, rep);
          }
        }
      }
    }
    return steps;
  }

  function sideText(config, side) {
    return config.sides > 1 ? t("Side {side} of {sides}", {side: side, sides: config.sides}) : "";
  }

  function setRepText(config, set, rep) {
    var parts = [];
    if (config.sets > 1) parts.push(t("Set {set} of {sets}", {set: set, sets: config.sets}));
    if (config.mode !== "duration" && config.reps > 1) parts.push(t("Rep {rep} of {reps}", {rep: rep, reps: config.reps}));
    return parts.join(" · ");
  }

  // Which side comes first in the text, so a screen reader hears it before the counts.
  function progressText(config, step) {
    if (step.between === "side") return t("Next: side {side} of {sides}", {side: step.side, sides: config.sides});
    var counts =
      step.between === "set"
        ? t("Next: set {set} of {sets}", {set: step.set, sets: config.sets})
        : setRepText(config, step.set, step.rep);
    return [sideText(config, step.side), counts].filter(Boolean).join(" · ");
  }

  function phaseText(step) {
    return step.between === "side" ? PHASE_TEXT["switch"] : PHASE_TEXT[step.kind];
  }

  function pad(number) {
    return number < 10 ? "0" + number : String(number);
  }

  function clock(seconds) {
    return pad(Math.floor(seconds / 60)) + ":" + pad(seconds % 60);
  }

  function spoken(seconds) {
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    var parts = [];
    if (minutes) parts.push(t(minutes === 1 ? "{count} minute" : "{count} minutes", {count: minutes}));
    if (rest || !minutes) parts.push(t(rest === 1 ? "{count} second" : "{count} seconds", {count: rest}));
    return parts.join(" ");
  }

  function countText(step, seconds) {
    if (step.kind === "rep") return String(step.rep);
    if (step.kind === "work" || step.seconds >= 60) return clock(seconds);
    return String(seconds);
  }

  function setText(node, text) {
    if (node.textContent !== text) node.textContent = text;
  }

  function vibrate(pattern) {
    if (typeof navigator.vibrate !== "function" || document.visibilityState === "hidden") return;
    try {
      navigator.vibrate(pattern);
    } catch (error) {
      /* optional nicety */
    }
  }

  function emit(timer, name, detail) {
    detail.label = timer.config.label;
    var event;
    if (typeof window.CustomEvent === "function") {
      event = new CustomEvent(name, { bubbles: true, detail: detail });
    } else {
      event = document.createEvent("CustomEvent");
      event.initCustomEvent(name, true, false, detail);
    }
    timer.el.dispatchEvent(event);
  }

  /* ---- Wake Lock: keep the screen on while a timer runs (when the browser allows) ---- */

  function acquireWakeLock(timer) {
    if (!navigator.wakeLock || typeof navigator.wakeLock.request !== "function") return;
    if (timer.wakeLock || timer.wakeLockPending || document.visibilityState !== "visible") return;
    timer.wakeLockPending = true;
    var request;
    try {
      request = Promise.resolve(navigator.wakeLock.request("screen"));
    } catch (error) {
      request = Promise.reject(error);
    }
    request.then(
      function (lock) {
        timer.wakeLockPending = false;
        if (!lock) return;
        if (timer.state !== "running" || document.visibilityState !== "visible") {
          Promise.resolve(lock.release()).catch(noop);
          return;
        }
        timer.wakeLock = lock;
        if (typeof lock.addEventListener === "function") {
          lock.addEventListener("release", function () {
            if (timer.wakeLock === lock) timer.wakeLock = null;
          });
        }
      },
      function () {
        timer.wakeLockPending = false; // denied (battery saver, no permission): fine
      }
    );
  }

  function releaseWakeLock(timer) {
    var lock = timer.wakeLock;
    timer.wakeLock = null;
    if (lock) {
      try {
        Promise.resolve(lock.release()).catch(noop);
      } catch (error) {
        /* already released */
      }
    }
  }

  /* ---- The timer ---- */

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function makeButton(text, className, label) {
    var button = element("button", "btn " + className);
    button.type = "button"; // never submits the surrounding form
    button.appendChild(document.createTextNode(text));
    if (label) button.appendChild(element("span", "exercise-timer__sr", " " + t("for {label}", {label: label})));
    return button;
  }

  function build(el, config) {
    var timer = {
      el: el,
      config: config,
      plan: buildPlan(config),
      state: "idle",
      index: -1,
      banked: 0,
      since: 0,
      timeout: 0,
      lastCount: null,
      wakeLock: null,
      wakeLockPending: false,
    };
    timer.total = timer.plan[timer.plan.length - 1].end;

    var ui = element("div", "exercise-timer__ui");
    ui.setAttribute("role", "group");
    ui.setAttribute("aria-label", config.label ? t("Timer: {label}", {label: config.label}) : t("Exercise timer"));

    var panel = element("div", "exercise-timer__panel");
    panel.hidden = true;
    var status = element("div", "exercise-timer__status");
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    var progress = element("p", "exercise-timer__progress");
    var phase = element("p", "exercise-timer__phase");
    var speech = element("p", "exercise-timer__sr exercise-timer__spoken");
    status.appendChild(progress);
    status.appendChild(phase);
    status.appendChild(speech);
    var count = element("p", "exercise-timer__count");
    count.setAttribute("aria-hidden", "true"); // read out every 5 s via the status instead
    var bar = element("div", "exercise-timer__bar");
    bar.setAttribute("aria-hidden", "true");
    var fill = element("span", "exercise-timer__fill");
    bar.appendChild(fill);
    panel.appendChild(status);
    panel.appendChild(count);
    panel.appendChild(bar);

    var controls = element("div", "exercise-timer__controls");
    var start = makeButton(t("Start timer"), "btn-primary exercise-timer__start", config.label);
    var pause = makeButton(t("Pause"), "btn-outline-primary exercise-timer__pause");
    var stop = makeButton(t("Stop"), "btn-outline-secondary exercise-timer__stop");
    pause.hidden = true;
    stop.hidden = true;
    controls.appendChild(start);
    controls.appendChild(pause);
    controls.appendChild(stop);

    ui.appendChild(panel);
    ui.appendChild(controls);

    timer.ui = ui;
    timer.nodes = {
      panel: panel,
      progress: progress,
      phase: phase,
      speech: speech,
      count: count,
      fill: fill,
      start: start,
      pause: pause,
      stop: stop,
    };
    timer.tick = function () {
      tick(timer);
    };

    start.addEventListener("click", function () {
      startTimer(timer);
    });
    pause.addEventListener("click", function () {
      if (timer.state === "running") pauseTimer(timer);
      else if (timer.state === "paused") resumeTimer(timer);
    });
    stop.addEventListener("click", function () {
      stopTimer(timer, "user");
    });
    return timer;
  }

  function elapsed(timer) {
    var running = timer.state === "running" ? performance.now() - timer.since : 0;
    return timer.banked + running;
  }

  function showControls(timer, running) {
    var nodes = timer.nodes;
    var focusInside = timer.ui.contains(document.activeElement);
    nodes.start.hidden = running;
    nodes.pause.hidden = !running;
    nodes.stop.hidden = !running;
    if (focusInside) (running ? nodes.pause : nodes.start).focus();
  }

  function startTimer(timer) {
    if (active && active !== timer) stopTimer(active, "other-timer");
    clearTimeout(timer.timeout);
    timer.state = "running";
    timer.index = -1;
    timer.banked = 0;
    timer.since = performance.now();
    timer.lastCount = null;
    active = timer;
    var nodes = timer.nodes;
    nodes.panel.hidden = false;
    nodes.start.firstChild.nodeValue = t("Start timer");
    nodes.start.classList.remove("btn-outline-primary");
    nodes.start.classList.add("btn-primary");
    setText(nodes.pause, t("Pause"));
    showControls(timer, true);
    acquireWakeLock(timer);
    emit(timer, "timer:started", {});
    tick(timer);
  }

  function enter(timer, index) {
    var step = timer.plan[index];
    var nodes = timer.nodes;
    timer.index = index;
    timer.lastCount = null;
    nodes.panel.setAttribute("data-phase", step.kind);
    var progress = progressText(timer.config, step);
    setText(nodes.progress, progress);
    nodes.progress.hidden = !progress;
    setText(nodes.phase, phaseText(step));
    var announce = step.kind === "hold" || step.kind === "rest" || step.kind === "work";
    setText(nodes.speech, announce ? spoken(step.seconds) : "");
    vibrate(step.kind === "rep" || step.kind === "ready" ? 80 : 200);
    emit(timer, "timer:phase", { kind: step.kind, seconds: step.seconds, side: step.side });
  }

  function render(timer, step, remaining) {
    var nodes = timer.nodes;
    var seconds = Math.max(0, Math.ceil(remaining / 1000 - 1e-6));
    if (seconds !== timer.lastCount) {
      var first = timer.lastCount === null;
      timer.lastCount = seconds;
      setText(nodes.count, countText(step, seconds));
      // Screen readers hear the phase once, then the time left now and then, never every second.
      var every = seconds > 60 ? 30 : 5;
      var timed = step.kind === "hold" || step.kind === "rest" || step.kind === "work";
      if (!first && timed && seconds > 0 && seconds % every === 0) {
        setText(nodes.speech, spoken(seconds) + " left");
      }
    }
    var done = Math.min(1, (step.end - remaining) / timer.total);
    nodes.fill.style.width = (done * 100).toFixed(1) + "%";
  }

  function schedule(timer, remaining) {
    var untilNextSecond = remaining % 1000 || 1000;
    timer.timeout = setTimeout(timer.tick, Math.max(16, untilNextSecond + 10));
  }

  function tick(timer) {
    clearTimeout(timer.timeout);
    timer.timeout = 0;
    if (timer.state !== "running") return;
    if (!timer.el.isConnected) {
      stopTimer(timer, "removed");
      return;
    }
    // Wall-clock deltas: throttled intervals or a backgrounded tab skip ahead, never stretch.
    var now = elapsed(timer);
    var index = Math.max(0, timer.index);
    while (index < timer.plan.length && now >= timer.plan[index].end) index++;
    if (index >= timer.plan.length) {
      finishTimer(timer);
      return;
    }
    if (index !== timer.index) enter(timer, index);
    var step = timer.plan[index];
    render(timer, step, step.end - now);
    schedule(timer, step.end - now);
  }

  function pauseTimer(timer) {
    tick(timer); // bring the display up to date before freezing it
    if (timer.state !== "running") return;
    timer.banked = elapsed(timer);
    timer.state = "paused";
    clearTimeout(timer.timeout);
    setText(timer.nodes.pause, t("Resume"));
    setText(timer.nodes.phase, PHASE_TEXT.paused);
    setText(timer.nodes.speech, "");
    timer.nodes.panel.setAttribute("data-paused", "");
    releaseWakeLock(timer);
    emit(timer, "timer:paused", {});
  }

  function resumeTimer(timer) {
    if (timer.state !== "paused") return;
    timer.state = "running";
    timer.since = performance.now();
    setText(timer.nodes.pause, t("Pause"));
    timer.nodes.panel.removeAttribute("data-paused");
    if (timer.index >= 0) setText(timer.nodes.phase, phaseText(timer.plan[timer.index]));
    acquireWakeLock(timer);
    emit(timer, "timer:resumed", {});
    tick(timer);
  }

  function settle(timer, state) {
    clearTimeout(timer.timeout);
    timer.timeout = 0;
    timer.state = state;
    timer.nodes.panel.removeAttribute("data-paused");
    releaseWakeLock(timer);
    if (active === timer) active = null;
  }

  function stopTimer(timer, reason) {
    if (timer.state !== "running" && timer.state !== "paused") return;
    settle(timer, "idle");
    timer.nodes.panel.hidden = true;
    timer.nodes.panel.removeAttribute("data-phase");
    showControls(timer, false);
    emit(timer, "timer:stopped", { reason: reason });
  }

  function finishTimer(timer) {
    settle(timer, "finished");
    var nodes = timer.nodes;
    nodes.panel.setAttribute("data-phase", "done");
    setText(nodes.progress, "");
    nodes.progress.hidden = true;
    var ticked = false;
    var checkbox = timer.config.checkbox ? document.getElementById(timer.config.checkbox) : null;
    if (checkbox && checkbox.type === "checkbox" && !checkbox.disabled) {
      checkbox.checked = true; // ticked, not submitted: the patient saves the form
      ticked = true;
    }
    setText(nodes.phase, ticked ? PHASE_TEXT.ticked : PHASE_TEXT.done);
    setText(nodes.speech, "");
    setText(nodes.count, "✓");
    nodes.fill.style.width = "100%";
    nodes.start.firstChild.nodeValue = t("Start again");
    nodes.start.classList.remove("btn-primary"); // saving (or ticking) is the next step now
    nodes.start.classList.add("btn-outline-primary");
    showControls(timer, false);
    vibrate([200, 100, 200]);
    emit(timer, "timer:finished", { checkbox: timer.config.checkbox || null, ticked: ticked });
  }

  /* ---- Set-up ---- */

  function enhance(el) {
    if (el.hasAttribute("data-timer-ready")) return;
    var config = readConfig(el);
    if (!config) return; // nothing to time: leave the element as the server rendered it
    el.setAttribute("data-timer-ready", "");
    var timer = build(el, config);
    el.appendChild(timer.ui);
    el.classList.add("exercise-timer--enhanced");
    el.hidden = false;
  }

  function init(root) {
    root = root && root.querySelectorAll ? root : document;
    if (root.matches && root.matches(".exercise-timer")) enhance(root);
    Array.prototype.forEach.call(root.querySelectorAll(".exercise-timer"), enhance);
  }

  document.addEventListener("visibilitychange", function () {
    if (!active) return;
    if (document.visibilityState === "visible") {
      if (active.state === "running") {
        acquireWakeLock(active);
        tick(active); // catch up at once after the tab was in the background
      }
    } else {
      releaseWakeLock(active);
    }
  });

  document.addEventListener("htmx:load", function (event) {
    init(event.detail && event.detail.elt);
  });

  window.LimberTimer = { init: init };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      init(document);
    });
  } else {
    init(document);
  }
})();
