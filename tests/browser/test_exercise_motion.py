"""Moving pictures (clinic/js/exercise-motion.js): play, pause, the timer driving them, and
the still pictures kept for people who ask for reduced motion. On a 360 px phone in the
patient area, and in the clinician's library and builder."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from clinic.actors import Actor
from clinic.models import Membership
from patients.services import patient_program_start
from programs.models import Exercise, Program
from tests.browser.conftest import screenshot
from tests.browser.test_onboarding import sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser
PLAY = re.compile(r"^Play the movement")
PAUSE = re.compile(r"^Pause the movement")


@pytest.fixture
def program(shared_library, clinician_a, patient_a1):
    template = Program.objects.get(template_key="low-back-early-movement")
    membership = Membership.objects.get(user=clinician_a)
    return patient_program_start(
        actor=Actor.for_member(membership), patient=patient_a1, source=template
    )


def moving_path(card):
    return card.locator(".exercise-motion path[data-frames]").first


def shape_after(page, path, ms: int) -> str:
    page.wait_for_timeout(ms)
    return path.get_attribute("d")


def moves_on_from(path, shape: str) -> None:
    """The picture leaves `shape`: waited for, not timed, since a loaded machine may draw
    its first frames late (CI once saw no frame within 600 ms of pressing play)."""
    expect(path).not_to_have_attribute("d", shape, timeout=5_000)


def settled(page, path) -> str:
    """The shape once it stops changing (the same twice, half a second apart)."""
    shape = path.get_attribute("d")
    for _ in range(20):
        again = shape_after(page, path, 500)
        if again == shape:
            return shape
        shape = again
    raise AssertionError("the picture never came to rest")


def test_a_patient_plays_and_pauses_the_movement_on_a_phone(
    live_server, new_page, program, patient_a1
):
    phone = new_page(360, 740)
    sign_in(phone, live_server.url, patient_a1.email, PASSWORD)
    phone.get_by_role("heading", name="Hello Amara").wait_for()
    card = phone.locator(".exercise-card").first
    motion = card.locator(".exercise-motion")
    expect(motion).to_be_hidden()  # the stills stand alone until asked for
    path = moving_path(card)
    still = path.get_attribute("d")

    card.get_by_role("button", name=PLAY).click()
    expect(motion).to_be_visible()
    moves_on_from(path, still)
    box = motion.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360  # fits the phone
    screenshot(phone, "motion-360-playing")

    card.get_by_role("button", name=PAUSE).click()
    paused = path.get_attribute("d")
    assert shape_after(phone, path, 600) == paused  # frozen where it was paused
    expect(card.get_by_role("button", name=PLAY)).to_have_attribute("aria-pressed", "false")

    card.get_by_role("button", name=PLAY).click()
    moves_on_from(path, paused)  # and carries on from there

    # My program shows it too.
    phone.goto(f"{live_server.url}/me/program/")
    first = phone.locator("article").first
    first.get_by_role("button", name=PLAY).click()
    path = moving_path(first)
    start = path.get_attribute("d")
    moves_on_from(path, start)


def test_the_timer_drives_the_movement(live_server, new_page, program, patient_a1):
    """Pelvic tilt, the program's first exercise, holds 5 s: after "Get ready" (3 s, at the
    start pose) the timer's hold moves the picture to the end pose and keeps it there."""
    phone = new_page(360, 740)
    sign_in(phone, live_server.url, patient_a1.email, PASSWORD)
    card = phone.locator(".exercise-card").first
    path = moving_path(card)
    still = path.get_attribute("d")
    card.get_by_role("button", name=re.compile("^Start timer")).click()
    motion = card.locator(".exercise-motion")
    expect(motion).to_be_visible()
    expect(motion).to_have_attribute("data-motion", "playing")
    assert shape_after(phone, path, 1000) == still  # getting ready: still at the start
    moves_on_from(path, still)  # the hold begins: the picture moves to the end pose
    held = settled(phone, path)  # and keeps it
    assert held != still
    card.get_by_role("button", name="Pause", exact=True).click()  # the timer's own
    expect(motion).to_have_attribute("data-motion", "paused")


def test_reduced_motion_shows_the_still_pictures_only(live_server, browser, program, patient_a1):
    context = browser.new_context(viewport={"width": 360, "height": 740}, reduced_motion="reduce")
    try:
        phone = context.new_page()
        sign_in(phone, live_server.url, patient_a1.email, PASSWORD)
        phone.get_by_role("heading", name="Hello Amara").wait_for()
        card = phone.locator(".exercise-card").first
        expect(card.locator(".today-pictures svg")).to_have_count(2)
        expect(card.locator(".today-pictures svg").first).to_be_visible()
        assert phone.get_by_role("button", name=PLAY).count() == 0
        expect(card.locator(".exercise-motion")).to_be_hidden()
        # Even the timer leaves the pictures still.
        card.get_by_role("button", name=re.compile("^Start timer")).click()
        phone.wait_for_timeout(500)
        expect(card.locator(".exercise-motion")).to_be_hidden()
    finally:
        context.close()


def test_the_clinician_sees_the_movement_in_the_library_and_the_builder(
    live_server, new_page, program, clinician_a, patient_a1
):
    page = new_page()
    sign_in(page, live_server.url, clinician_a.email, PASSWORD)
    bridge = Exercise.objects.get(slug="glute-bridge", clinic=None)
    page.goto(f"{live_server.url}/portal/library/{bridge.uuid}/")
    page.get_by_role("button", name=PLAY).click()
    path = page.locator(".exercise-motion path[data-frames]").first
    first = path.get_attribute("d")
    moves_on_from(path, first)

    page.goto(f"{live_server.url}/portal/patients/{patient_a1.uuid}/programs/{program.uuid}/edit/")
    rows = page.locator(".builder-item")
    assert page.get_by_role("button", name=PLAY).count() == rows.count() >= 4
    row = rows.first
    row.get_by_role("button", name=PLAY).click()
    path = moving_path(row)
    first = path.get_attribute("d")
    moves_on_from(path, first)
    screenshot(page, "motion-builder")
