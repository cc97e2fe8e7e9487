from __future__ import annotations

import contextlib

import pytest
from playwright.sync_api import Error as PlaywrightError

from programs.models import Program
from tests.browser.conftest import screenshot
from tests.browser.test_onboarding import sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def builder_from_template(page, live_server, clinician, patient):
    """The builder of a program just started for Amara Okafor from a built-in template."""
    sign_in(page, live_server.url, clinician.email, PASSWORD)
    page.goto(f"{live_server.url}/portal/patients/{patient.uuid}/")
    page.get_by_label("Template to start from").select_option(label="Low back — early movement")
    page.get_by_role("button", name="Start from template").click()
    page.get_by_role("heading", name="Low back — early movement · Amara Okafor").wait_for()
    return page


def test_a_clinician_personalises_a_template_and_sees_revision_two(
    live_server, new_page, shared_library, clinician_a, patient_a1
):
    page = builder_from_template(new_page(), live_server, clinician_a, patient_a1)

    first_reps = page.locator("input[name='items-0-reps']")
    first_reps.fill("12")
    names = page.locator(".builder-item .fw-semibold")
    before = names.all_inner_texts()
    page.get_by_role("button", name=f"Move {before[1]} up").click()
    first_name_is = "n => document.querySelector('.builder-item .fw-semibold').innerText === n"
    page.wait_for_function(first_name_is, arg=before[1])
    after = names.all_inner_texts()
    assert after[:2] == [before[1], before[0]]
    # The dosage typed before the reorder travelled with its exercise.
    assert page.locator("input[name='items-1-reps']").input_value() == "12"
    screenshot(page, "builder-reordered")

    page.get_by_role("button", name="Save program").first.click()
    page.get_by_text("Saved as revision 2.").wait_for()
    page.get_by_role("link", name="History").click()
    page.get_by_role("heading", name="Revision 2").wait_for()
    screenshot(page, "builder-history")
    body = page.content()
    assert "Changed dosage of " + before[0] in body and "changed the order" in body

    program = Program.objects.get(assignment__patient=patient_a1)
    items = list(program.items.select_related("exercise"))
    assert [i.exercise.name for i in items[:2]] == [before[1], before[0]]
    assert items[1].reps == 12 and program.revision == 2


def test_an_exercise_moves_straight_to_a_position_by_keyboard(
    live_server, new_page, shared_library, clinician_a, patient_a1
):
    page = builder_from_template(new_page(), live_server, clinician_a, patient_a1)
    names = page.locator(".builder-item .fw-semibold")
    before = names.all_inner_texts()
    assert len(before) >= 3
    last = len(before) - 1
    page.locator(f"#move-to-{last}").focus()
    page.keyboard.press("Home")  # position 1, chosen with the keyboard
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    first_name_is = "n => document.querySelector('.builder-item .fw-semibold').innerText === n"
    page.wait_for_function(first_name_is, arg=before[last])
    assert names.all_inner_texts() == [before[last], *before[:last]]
    screenshot(page, "builder-moved-to-position")
    page.set_viewport_size({"width": 360, "height": 740})
    screenshot(page, "builder-moved-to-position-360")


def test_on_a_phone_the_library_is_one_tap_from_the_top_of_the_program(
    live_server, new_page, shared_library, clinician_a, patient_a1
):
    """Below 1200 px the library is under the whole program (5,000 px at 360): a link
    beside the exercises' heading goes there; at desktop widths the library is beside it."""
    page = builder_from_template(new_page(), live_server, clinician_a, patient_a1)
    jump = page.get_by_role("link", name="Add from the library")
    assert not jump.is_visible()
    page.set_viewport_size({"width": 360, "height": 740})
    search = page.get_by_placeholder("Search, e.g. bridge")
    assert not search.is_visible() or not search.evaluate(
        "e => e.getBoundingClientRect().top < innerHeight"
    )
    jump.click()
    page.wait_for_function(
        "() => { const r = document.querySelector('#builder-q').getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= innerHeight; }"
    )
    screenshot(page, "builder-library-360")
    count = page.locator(".builder-item").count()
    page.get_by_role("button", name="Add Dead bug").click()
    added = "n => document.querySelectorAll('.builder-item').length === n"
    page.wait_for_function(added, arg=count + 1)


def test_the_dose_line_follows_the_numbers_as_they_are_changed(
    live_server, new_page, shared_library, clinician_a, patient_a1
):
    """The bold dose line above a row said "10 reps" while its field read 15, until the
    next Add, Move or Save: a clinician checking the line before saving read the old dose."""
    page = builder_from_template(new_page(), live_server, clinician_a, patient_a1)
    line = page.locator("#dose-line-0")
    assert "15 reps" not in line.inner_text()
    minutes = page.locator("#program-minutes").inner_text()
    page.locator("input[name='items-0-reps']").fill("15")
    sets = page.locator("input[name='items-0-sets']")
    sets.focus()  # leaving the field: "change"
    page.wait_for_function(
        "() => document.querySelector('#dose-line-0').innerText.includes('15 reps')"
    )
    # The redraw is of the line only: the field being typed in keeps its focus and text.
    sets.press("Control+a")
    page.keyboard.type("3")
    page.locator("input[name='items-0-reps']").focus()
    page.wait_for_function(
        "() => document.querySelector('#dose-line-0').innerText.includes('3 sets')"
    )
    assert sets.input_value() == "3"
    assert page.locator("input[name='items-0-reps']").input_value() == "15"
    assert "3 sets of 15 reps" in line.inner_text()
    # The program's time follows too: three sets of 15 take longer than one of 10.
    assert page.locator("#program-minutes").inner_text() != minutes
    screenshot(page, "builder-dose-line-live")


def test_a_late_dose_line_redraw_does_not_undo_a_removal(
    live_server, new_page, shared_library, clinician_a, patient_a1
):
    """Leaving a reps field for "Remove" sends the dose line's redraw and the removal at
    once. If the redraw answers last (held back here), what it drew from the program as
    it was before (the minutes of every exercise, the removed one too) must not land on
    the page: the redraw gives way to the form's own request."""
    page = builder_from_template(new_page(), live_server, clinician_a, patient_a1)
    held = []

    def hold_redraws(route):
        if "action=refresh" in (route.request.post_data or ""):
            held.append(route)
        else:
            route.continue_()

    page.route("**/edit/", hold_redraws)
    names = page.locator(".builder-item .fw-semibold")
    before = names.all_inner_texts()
    page.locator("input[name='items-0-reps']").fill("15")
    page.get_by_role("button", name=f"Remove {before[0]}").click()
    page.wait_for_function(
        "n => document.querySelectorAll('.builder-item').length === n", arg=len(before) - 1
    )
    minutes = page.locator("#program-minutes").inner_text()
    # With hx-sync the redraw is dropped before it is sent, or aborted once the removal
    # goes: either way nothing of it may land. (Without, it is sent and held here.)
    for route in held:
        with contextlib.suppress(PlaywrightError):  # aborted by the page: as it should be
            route.continue_()
    page.wait_for_timeout(1000)
    assert page.locator("#program-minutes").inner_text() == minutes
    assert names.all_inner_texts() == before[1:]
