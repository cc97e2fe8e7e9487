"""The guided exercise timer (clinic/static/clinic/js/exercise-timer.js) on a static page.

The fixture loads over file:// under a strict Content-Security-Policy. Playwright's clock
fakes setTimeout *and* performance.now, so minutes of exercise take milliseconds here.

Bird dog in the fixture: hold 2 s, 2 reps, 2 sets, rest 2 s. Its timeline from Start (s):
get ready 0-3, hold 3-5, relax 5-8, hold 8-10, rest 10-12, hold 12-14, relax 14-17,
hold 17-19, done at 19. Walk: get ready 0-3, keep going 3-6 (00:03 → 00:01), done at 6.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from programs import dosage
from tests.browser.conftest import screenshot
from tests.browser.test_expired_session import patient_signs_in, start_program

pytestmark = pytest.mark.browser


def limits_script() -> str:
    """Puts the model's dosage limits on the static page the way the patient layout does
    (a "dosage-limits" JSON element), before the timer's deferred script reads them."""
    payload = json.dumps(json.dumps(dosage.limits()))
    return f"""
document.addEventListener("readystatechange", () => {{
  if (document.readyState !== "interactive" || document.getElementById("dosage-limits")) return;
  const element = document.createElement("script");
  element.type = "application/json";
  element.id = "dosage-limits";
  element.textContent = {payload};
  document.body.appendChild(element);
}});
"""


FIXTURE_URL = (Path(__file__).resolve().parent / "fixtures" / "timer.html").as_uri()
DONE = "Done! Tick it off below."
# A timer with the exercise's tick box ticks it: it says so (found by the phone review).
TICKED = "Done! It is ticked below."
PHASES = {"Get ready…", "Hold…", "Relax", "Rest", "Rep", "Keep going…", "Paused", DONE, TICKED}

# Runs before the page's own script: records the timer's events, form submissions and
# CSP violations, and stands in for the Wake Lock and Vibration APIs (absent on file://).
RECORDER = """
window.__events = [];
for (const name of ["timer:started", "timer:stopped", "timer:finished"]) {
  document.addEventListener(name, (event) => {
    window.__events.push({name, id: event.target.id, detail: event.detail});
  });
}
window.__submits = 0;
document.addEventListener("submit", (event) => { window.__submits += 1; event.preventDefault(); });
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(event.violatedDirective);
});
window.__wake = {requests: 0, held: 0};
const wakeLock = {
  request(type) {
    window.__wake.requests += 1;
    window.__wake.held += 1;
    const lock = new EventTarget();
    lock.type = type;
    lock.released = false;
    lock.release = () => {
      if (!lock.released) {
        lock.released = true;
        window.__wake.held -= 1;
        lock.dispatchEvent(new Event("release"));
      }
      return Promise.resolve();
    };
    return Promise.resolve(lock);
  },
};
Object.defineProperty(Navigator.prototype, "wakeLock", {configurable: true, get: () => wakeLock});
window.__vibrations = [];
Navigator.prototype.vibrate = function (pattern) {
  window.__vibrations.push(pattern);
  return true;
};
"""

# Every text the status (the aria-live region) ever shows, in order.
WATCH_STATUS = """(id) => {
  window.__spoken = [];
  const status = document.querySelector(`#${id} .exercise-timer__status`);
  new MutationObserver((records) => {
    for (const record of records) {
      for (const node of record.addedNodes) window.__spoken.push(node.textContent);
    }
  }).observe(status, {childList: true, subtree: true});
}"""


CLOCK_START = datetime(2026, 3, 2, 9, 0)


def open_fixture(new_page, *, fake_clock: bool = True):
    page = new_page(360, 740)
    if fake_clock:
        # Paused: the page's time moves only by run_for/fast_forward. An installed clock
        # that is not paused also flows in real time, so a slow screenshot on a loaded
        # machine once moved a hold on by seconds between two steps.
        page.clock.install(time=CLOCK_START)
        page.clock.pause_at(CLOCK_START + timedelta(seconds=1))
    page.add_init_script(RECORDER)
    page.add_init_script(limits_script())
    page.goto(FIXTURE_URL)
    return page


def timer(page, name: str):
    return page.locator(f"#timer-{name}")


def phase(page, name: str) -> str:
    return timer(page, name).locator(".exercise-timer__phase").inner_text()


def progress(page, name: str) -> str:
    return timer(page, name).locator(".exercise-timer__progress").inner_text()


def count(page, name: str) -> str:
    return timer(page, name).locator(".exercise-timer__count").inner_text()


def events(page) -> list[tuple[str, str]]:
    return [(e["name"], e["id"]) for e in page.evaluate("window.__events")]


def add_timer(page, element_id: str, attributes: str) -> None:
    """Adds a timer after page load, as htmx would, and enhances it."""
    page.evaluate(
        """([id, attributes]) => {
          const card = document.createElement("div");
          card.innerHTML = `<div class="exercise-timer" id="${id}" ${attributes}></div>`;
          document.querySelector("main").append(card);
          window.LimberTimer.init(card);
          window.LimberTimer.init(card);  // idempotent
        }""",
        [element_id, attributes],
    )


def test_without_javascript_the_page_has_no_timer_buttons(browser):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    try:
        page = context.new_page()
        page.goto(FIXTURE_URL)
        assert page.get_by_role("button", name="Save today").is_visible()
        assert page.get_by_role("checkbox", name="Done").count() == 3
        assert page.get_by_role("button", name="Start timer").count() == 0
        assert page.locator(".exercise-timer__ui").count() == 0
    finally:
        context.close()


def test_javascript_adds_a_start_button_only_where_there_is_something_to_time(new_page):
    page = open_fixture(new_page)
    starts = page.get_by_role("button", name="Start timer")
    assert starts.count() == 2
    assert page.get_by_role("button", name="Start timer for Bird dog", exact=True).is_visible()
    assert page.get_by_role("button", name="Start timer for Walk", exact=True).is_visible()
    # No attributes at all, or nothing but rubbish: left exactly as the server rendered it.
    for name in ("empty", "bad"):
        assert timer(page, name).inner_html() == ""
        assert timer(page, name).get_attribute("data-timer-ready") is None
    # Nothing running yet: no countdown panel, no Pause/Stop, no wake lock.
    assert not timer(page, "bird-dog").locator(".exercise-timer__panel").is_visible()
    assert page.get_by_role("button", name="Pause").count() == 0
    assert page.evaluate("window.__wake.requests") == 0
    # Live region for the status, and the per-second digits kept out of it.
    status = timer(page, "bird-dog").locator(".exercise-timer__status")
    assert status.get_attribute("aria-live") == "polite"
    assert timer(page, "bird-dog").locator(".exercise-timer__count").get_attribute("aria-hidden")
    assert page.evaluate("window.__violations") == []


def test_a_hold_timer_goes_hold_relax_rest_done_and_ticks_the_box(new_page):
    page = open_fixture(new_page)
    page.evaluate(WATCH_STATUS, "timer-bird-dog")
    page.get_by_role("button", name="Start timer for Bird dog").click()
    assert phase(page, "bird-dog") == "Get ready…"
    assert count(page, "bird-dog") == "3"
    expect(page.get_by_role("button", name="Pause")).to_be_focused()

    page.clock.run_for(3_100)
    assert phase(page, "bird-dog") == "Hold…"
    assert progress(page, "bird-dog") == "Set 1 of 2 · Rep 1 of 2"
    assert count(page, "bird-dog") == "2"
    page.wait_for_timeout(400)  # real time: let the progress bar's 0.3 s transition settle
    screenshot(page, "timer")

    page.clock.run_for(1_000)
    assert count(page, "bird-dog") == "1"
    page.clock.run_for(1_000)
    assert phase(page, "bird-dog") == "Relax"
    page.clock.run_for(3_000)
    assert (phase(page, "bird-dog"), progress(page, "bird-dog")) == (
        "Hold…",
        "Set 1 of 2 · Rep 2 of 2",
    )
    page.clock.run_for(2_000)
    assert (phase(page, "bird-dog"), progress(page, "bird-dog")) == ("Rest", "Next: set 2 of 2")
    page.clock.run_for(2_000)
    assert (phase(page, "bird-dog"), progress(page, "bird-dog")) == (
        "Hold…",
        "Set 2 of 2 · Rep 1 of 2",
    )
    assert not page.locator("#done-bird-dog").is_checked()
    assert ("timer:finished", "timer-bird-dog") not in events(page)

    page.clock.run_for(8_000)
    assert phase(page, "bird-dog") == TICKED
    assert page.locator("#done-bird-dog").is_checked()
    assert not page.locator("#done-walk").is_checked()
    finished = [e for e in page.evaluate("window.__events") if e["name"] == "timer:finished"]
    assert finished == [
        {
            "name": "timer:finished",
            "id": "timer-bird-dog",
            "detail": {"label": "Bird dog", "checkbox": "done-bird-dog", "ticked": True},
        }
    ]
    # Ticked, never submitted (and the timer's own buttons never submit the form either).
    assert page.evaluate("window.__submits") == 0
    assert page.url == FIXTURE_URL
    expect(page.get_by_role("button", name="Start again for Bird dog")).to_be_focused()
    assert page.get_by_role("button", name="Pause").count() == 0

    phases = [text for text in page.evaluate("window.__spoken") if text in PHASES]
    assert phases == [
        "Get ready…",
        "Hold…",
        "Relax",
        "Hold…",
        "Rest",
        "Hold…",
        "Relax",
        "Hold…",
        TICKED,
    ]
    assert page.evaluate("window.__vibrations")
    assert page.evaluate("window.__wake") == {"requests": 1, "held": 0}
    assert page.evaluate("window.__violations") == []


def test_the_timer_looks_right_on_a_phone(new_page):
    page = open_fixture(new_page)
    page.get_by_role("button", name="Start timer for Bird dog").click()
    page.clock.run_for(3_100)
    for button in ("Pause", "Stop"):
        box = page.get_by_role("button", name=button).bounding_box()
        assert box["height"] >= 48 and box["width"] >= 48
    start = page.get_by_role("button", name="Start timer for Walk").bounding_box()
    assert start["height"] >= 48
    digits = timer(page, "bird-dog").locator(".exercise-timer__count")
    assert float(digits.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 64
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_pause_freezes_the_countdown_and_resume_carries_on(new_page):
    page = open_fixture(new_page)
    page.get_by_role("button", name="Start timer for Walk").click()
    page.clock.run_for(4_200)
    assert (phase(page, "walk"), count(page, "walk")) == ("Keep going…", "00:02")
    assert page.evaluate("window.__wake.held") == 1

    page.get_by_role("button", name="Pause").click()
    assert phase(page, "walk") == "Paused"
    page.clock.run_for(1_500)
    assert count(page, "walk") == "00:02"
    page.clock.run_for(60_000)
    assert (phase(page, "walk"), count(page, "walk")) == ("Paused", "00:02")
    assert page.evaluate("window.__wake.held") == 0
    assert not page.locator("#done-walk").is_checked()

    page.get_by_role("button", name="Resume").click()
    assert phase(page, "walk") == "Keep going…"
    assert page.evaluate("window.__wake.held") == 1
    page.clock.run_for(900)  # 1.8 s were left when paused
    assert count(page, "walk") == "00:01"
    page.clock.run_for(1_000)
    assert phase(page, "walk") == TICKED
    assert page.locator("#done-walk").is_checked()
    assert events(page) == [("timer:started", "timer-walk"), ("timer:finished", "timer-walk")]
    assert page.evaluate("window.__wake.held") == 0


def test_pause_and_resume_in_real_time(new_page):
    """No fake clock: the real performance.now() path, a few seconds long."""
    page = open_fixture(new_page, fake_clock=False)
    page.get_by_role("button", name="Start timer for Walk").click()
    keep_going = timer(page, "walk").locator(".exercise-timer__phase", has_text="Keep going…")
    keep_going.wait_for(timeout=5_000)
    page.get_by_role("button", name="Pause").click()
    frozen = count(page, "walk")
    # Paused part-way through the 3 s (a loaded machine may click a second late).
    assert frozen in {"00:03", "00:02", "00:01"}
    page.wait_for_timeout(1_500)
    assert count(page, "walk") == frozen
    page.get_by_role("button", name="Resume").click()
    timer(page, "walk").get_by_text(TICKED).wait_for(timeout=5_000)
    assert page.locator("#done-walk").is_checked()


def test_a_backgrounded_tab_skips_ahead_instead_of_stretching_time(new_page):
    page = open_fixture(new_page)
    page.get_by_role("button", name="Start timer for Walk").click()
    # Like a throttled background tab: 4.5 s pass, the pending timer fires only once.
    page.clock.fast_forward(4_500)
    assert (phase(page, "walk"), count(page, "walk")) == ("Keep going…", "00:02")
    page.clock.fast_forward(60_000)
    assert phase(page, "walk") == TICKED
    assert page.locator("#done-walk").is_checked()


def test_starting_a_second_timer_stops_the_first(new_page):
    page = open_fixture(new_page)
    page.get_by_role("button", name="Start timer for Bird dog").click()
    page.clock.run_for(3_500)
    assert phase(page, "bird-dog") == "Hold…"

    page.get_by_role("button", name="Start timer for Walk").click()
    assert not timer(page, "bird-dog").locator(".exercise-timer__panel").is_visible()
    assert page.get_by_role("button", name="Start timer for Bird dog").is_visible()
    assert page.get_by_role("button", name="Pause").count() == 1
    assert phase(page, "walk") == "Get ready…"

    page.clock.run_for(60_000)
    assert phase(page, "walk") == TICKED
    assert page.locator("#done-walk").is_checked()
    assert not page.locator("#done-bird-dog").is_checked()
    assert events(page) == [
        ("timer:started", "timer-bird-dog"),
        ("timer:stopped", "timer-bird-dog"),
        ("timer:started", "timer-walk"),
        ("timer:finished", "timer-walk"),
    ]
    stopped = page.evaluate("window.__events")[1]["detail"]
    assert stopped == {"label": "Bird dog", "reason": "other-timer"}
    assert page.evaluate("window.__wake") == {"requests": 2, "held": 0}


def test_stop_resets_the_timer_and_releases_the_screen(new_page):
    page = open_fixture(new_page)
    page.get_by_role("button", name="Start timer for Bird dog").click()
    page.clock.run_for(4_000)
    page.get_by_role("button", name="Stop").click()
    expect(page.get_by_role("button", name="Start timer for Bird dog")).to_be_focused()
    assert not timer(page, "bird-dog").locator(".exercise-timer__panel").is_visible()
    page.clock.run_for(60_000)
    assert not page.locator("#done-bird-dog").is_checked()
    assert events(page)[-1] == ("timer:stopped", "timer-bird-dog")
    assert page.evaluate("window.__wake.held") == 0


def test_the_screen_lock_is_released_while_the_tab_is_hidden(new_page):
    page = open_fixture(new_page)
    page.get_by_role("button", name="Start timer for Bird dog").click()
    assert page.evaluate("window.__wake") == {"requests": 1, "held": 1}
    set_visibility = """(state) => {
      Object.defineProperty(document, "visibilityState", {configurable: true, get: () => state});
      document.dispatchEvent(new Event("visibilitychange"));
    }"""
    page.evaluate(set_visibility, "hidden")
    assert page.evaluate("window.__wake.held") == 0
    page.clock.run_for(10_100)  # hidden for 10 s: rest of set 1
    page.evaluate(set_visibility, "visible")
    assert page.evaluate("window.__wake") == {"requests": 2, "held": 1}
    assert (phase(page, "bird-dog"), progress(page, "bird-dog")) == ("Rest", "Next: set 2 of 2")


def test_the_live_region_announces_phases_and_only_every_five_seconds(new_page):
    page = open_fixture(new_page)
    add_timer(page, "timer-long-walk", 'data-duration="20" data-label="Long walk"')
    page.evaluate(WATCH_STATUS, "timer-long-walk")
    page.get_by_role("button", name="Start timer for Long walk").click()
    page.clock.run_for(30_000)
    assert phase(page, "long-walk") == DONE
    spoken = [text for text in page.evaluate("window.__spoken") if text]
    assert spoken == [
        "Get ready…",
        "Keep going…",
        "20 seconds",
        "15 seconds left",
        "10 seconds left",
        "5 seconds left",
        DONE,
    ]


def test_paced_reps_and_hold_only_work(new_page):
    page = open_fixture(new_page)
    add_timer(page, "timer-heel", 'data-reps="3" data-hold="0" data-label="Heel raises"')
    add_timer(page, "timer-plank", 'data-hold="10" data-sets="2" data-rest="5" data-label="Plank"')
    add_timer(page, "timer-both", 'data-reps="2" data-duration="600" data-label="Both"')
    assert page.locator("#timer-heel .exercise-timer__ui").count() == 1

    page.get_by_role("button", name="Start timer for Heel raises").click()
    page.clock.run_for(3_100)
    assert (phase(page, "heel"), progress(page, "heel"), count(page, "heel")) == (
        "Rep",
        "Rep 1 of 3",
        "1",
    )
    page.clock.run_for(4_000)
    assert (progress(page, "heel"), count(page, "heel")) == ("Rep 2 of 3", "2")
    page.clock.run_for(8_000)
    assert phase(page, "heel") == DONE

    page.get_by_role("button", name="Start timer for Plank").click()
    page.clock.run_for(3_100)
    assert (phase(page, "plank"), progress(page, "plank"), count(page, "plank")) == (
        "Hold…",
        "Set 1 of 2",
        "10",
    )
    page.clock.run_for(10_000)
    assert (phase(page, "plank"), count(page, "plank")) == ("Rest", "5")
    page.clock.run_for(15_000)
    assert phase(page, "plank") == DONE
    # No checkbox named: it still finishes and says so in the event.
    assert page.evaluate("window.__events.at(-1).detail") == {
        "label": "Plank",
        "checkbox": None,
        "ticked": False,
    }

    # Reps win over a duration, as in the dosage line.
    page.get_by_role("button", name="Start timer for Both").click()
    page.clock.run_for(3_100)
    assert (phase(page, "both"), progress(page, "both")) == ("Rep", "Rep 1 of 2")


@pytest.mark.parametrize("motion, transition", [("reduce", "0s"), ("no-preference", "0.3s")])
def test_reduced_motion_turns_off_transitions(new_page, motion, transition):
    page = open_fixture(new_page)
    page.emulate_media(reduced_motion=motion)
    fill = timer(page, "walk").locator(".exercise-timer__fill")
    assert fill.evaluate("e => getComputedStyle(e).transitionDuration") == transition


def test_two_sides_are_timed_one_after_the_other_before_done(new_page):
    """A dose "on each side" is all its sets for one side, then all for the other: the
    timer said Done and ticked the box after one side (review, phone finding 2)."""
    page = open_fixture(new_page)
    # Timeline: get ready 0-3; side 1: hold 3-5, relax 5-8, hold 8-10; switch sides 10-15
    # (no rest prescribed: 5 s to change position); side 2: hold 15-17, relax 17-20,
    # hold 20-22; done at 22.
    add_timer(
        page,
        "timer-sides",
        'data-hold="2" data-reps="2" data-sides="2" data-label="Knee hug" '
        'data-done-checkbox="done-posture"',
    )
    page.evaluate(WATCH_STATUS, "timer-sides")
    page.get_by_role("button", name="Start timer for Knee hug").click()
    assert progress(page, "sides") == "Side 1 of 2 · Rep 1 of 2"
    page.clock.run_for(8_100)
    assert (phase(page, "sides"), progress(page, "sides")) == ("Hold…", "Side 1 of 2 · Rep 2 of 2")
    page.clock.run_for(2_000)
    assert (phase(page, "sides"), progress(page, "sides"), count(page, "sides")) == (
        "Switch sides",
        "Next: side 2 of 2",
        "5",
    )
    page.clock.run_for(5_000)
    assert (phase(page, "sides"), progress(page, "sides")) == ("Hold…", "Side 2 of 2 · Rep 1 of 2")
    page.clock.run_for(6_000)
    assert phase(page, "sides") == "Hold…"
    assert not page.locator("#done-posture").is_checked()
    page.clock.run_for(1_000)
    assert phase(page, "sides") == TICKED
    assert page.locator("#done-posture").is_checked()
    # The live region says which side, before the counts.
    spoken = [
        text
        for text in page.evaluate("window.__spoken")
        if text.startswith(("Side", "Next: side", "Switch"))
    ]
    assert spoken == [
        "Side 1 of 2 · Rep 1 of 2",
        "Side 1 of 2 · Rep 2 of 2",
        "Next: side 2 of 2",
        "Switch sides",
        "Side 2 of 2 · Rep 1 of 2",
        "Side 2 of 2 · Rep 2 of 2",
    ]


def test_sets_and_a_longer_rest_repeat_for_each_side(new_page):
    page = open_fixture(new_page)
    # Get ready 0-3; side 1: 00:02 3-5, rest 5-12, 00:02 12-14; switch (the 7 s rest is
    # longer than 5 s) 14-21; side 2: 21-23, rest 23-30, 30-32; done at 32.
    add_timer(
        page,
        "timer-walk-sides",
        'data-duration="2" data-sets="2" data-rest="7" data-sides="2" data-label="Side walk"',
    )
    page.get_by_role("button", name="Start timer for Side walk").click()
    page.clock.run_for(5_100)
    assert (phase(page, "walk-sides"), progress(page, "walk-sides")) == (
        "Rest",
        "Side 1 of 2 · Next: set 2 of 2",
    )
    page.clock.run_for(9_000)
    assert (phase(page, "walk-sides"), count(page, "walk-sides")) == ("Switch sides", "7")
    page.clock.run_for(7_000)
    assert (phase(page, "walk-sides"), progress(page, "walk-sides")) == (
        "Keep going…",
        "Side 2 of 2 · Set 1 of 2",
    )
    page.clock.run_for(10_800)
    assert phase(page, "walk-sides") != DONE
    page.clock.run_for(300)
    assert phase(page, "walk-sides") == DONE


@pytest.mark.parametrize("sides", ["", "1", "0", "x", "-2", "1.5"])
def test_one_side_unless_the_page_says_two(new_page, sides):
    page = open_fixture(new_page)
    add_timer(page, "timer-one", f'data-reps="1" data-sides="{sides}" data-label="One"')
    page.get_by_role("button", name="Start timer for One").click()
    assert progress(page, "one") == ""
    page.clock.run_for(7_100)
    assert phase(page, "one") == DONE


def test_more_sides_than_two_count_as_two(new_page):
    page = open_fixture(new_page)
    add_timer(page, "timer-many", 'data-reps="1" data-sides="9" data-label="Many"')
    page.get_by_role("button", name="Start timer for Many").click()
    assert progress(page, "many") == "Side 1 of 2"
    page.clock.run_for(3_000 + 4_000 + 5_000 + 4_000 - 100)
    assert phase(page, "many") == "Rep"
    page.clock.run_for(200)
    assert phase(page, "many") == DONE


def test_the_timer_on_today_times_both_sides_of_an_each_side_dose(
    live_server, new_page, shared_library, clinician_a, patient_a1
):
    """Amara's "Hug one knee to your chest: 10 reps on each side · hold 5 s". The timer
    counted Rep 1 to 10 once, about 80 s, then said Done and ticked the card: one leg
    stretched, a whole session logged (review, phone finding 2). How many sides the timer
    times comes from programs/dosage.py, as the time estimates do."""
    program = start_program(patient_a1, clinician_a)
    item = program.items.get(exercise__slug="knee-to-chest-single")
    assert (item.sets, item.reps, item.hold_seconds, item.side) == (1, 10, 5, "each_side")
    assert dosage.sides_in_turn(item) == 2
    phone = new_page(360, 740)
    patient_signs_in(phone, live_server.url, patient_a1)
    start = datetime.now() + timedelta(seconds=5)
    phone.clock.install(time=start)
    phone.clock.pause_at(start + timedelta(seconds=1))
    phone.goto(live_server.url + "/me/")

    card = phone.locator("article.exercise-card", has_text="Hug one knee to your chest")
    assert "10 reps on each side" in card.locator(".dose").inner_text()
    done = card.locator("input.btn-check[name^='done_']")
    card.get_by_role("button", name="Start timer for Hug one knee to your chest").click()
    # Get ready 3 s, then each side: 10 holds of 5 s and 9 relaxes of 3 s (77 s), with
    # 5 s to switch sides between them: side 1 ends at 80 s, all is done at 162 s.
    phone.clock.run_for(81_000)
    panel = card.locator(".exercise-timer__status")
    assert (panel.locator(".exercise-timer__phase").inner_text(), done.is_checked()) == (
        "Switch sides",
        False,
    )
    assert panel.locator(".exercise-timer__progress").inner_text() == "Next: side 2 of 2"
    phone.clock.run_for(5_000)
    assert panel.locator(".exercise-timer__progress").inner_text() == "Side 2 of 2 · Rep 1 of 10"
    screenshot(phone, "timer-each-side")
    phone.clock.run_for(75_000)
    assert not done.is_checked()
    phone.clock.run_for(2_000)
    assert panel.locator(".exercise-timer__phase").inner_text() == TICKED
    assert done.is_checked()
