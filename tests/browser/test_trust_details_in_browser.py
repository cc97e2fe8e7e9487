"""Small things from the end-to-end trial (issue 16), in a real browser."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from clinic.models import User
from patients.adherence import patient_today
from patients.models import OutcomeResponse
from tests.browser.conftest import screenshot
from tests.browser.test_expired_session import patient_signs_in, start_program
from tests.browser.test_onboarding import sign_in
from tests.factories import PASSWORD, FlagFactory, OutcomeAssignmentFactory
from tests.patients.test_logging import log_pain

pytestmark = pytest.mark.browser

# The elements that reach beyond the window's right edge (their innermost ones).
WIDER = """w => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > w + 1 && e.children.length === 0)
  .map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').slice(0, 30))"""
LONG = "Wolfeschlegelsteinhausenbergerdorffvoralternwarengewissenhaftschaferswessen"


@pytest.mark.parametrize("width", [1280, 360])
def test_long_unbroken_names_stay_on_the_screen(live_server, new_page, admin_a, patient_a1, width):
    patient_a1.last_name = LONG
    patient_a1.save()
    FlagFactory(patient=patient_a1, reason="Pain 8/10", raised_on=date.today())
    User.objects.filter(pk=admin_a.pk).update(full_name="Ada " + LONG)
    page = new_page(width, 800)
    sign_in(page, live_server.url, admin_a.email, PASSWORD)
    page.goto(f"{live_server.url}/portal/patients/{patient_a1.uuid}/")
    screenshot(page, f"long-name-chart-{width}")
    heading = page.get_by_role("heading", level=1)
    assert heading.evaluate("h => h.getBoundingClientRect().right") <= width
    assert page.evaluate(WIDER, width) == []
    page.goto(f"{live_server.url}/portal/staff/")
    screenshot(page, f"long-name-staff-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    name = page.locator(".staff-name").first
    assert name.evaluate("e => e.getBoundingClientRect().right") <= width
    if width >= 1280:  # a column of the table; on a phone each colleague is a block
        # Broken across lines rather than widening its column to the name's length. Not
        # "at most 20rem": a table cell takes its share of the spare room, and with no
        # "Reset two-factor" button (a colleague without a second factor) there is more.
        assert name.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
        table_width = page.locator(".staff-table").evaluate("t => t.offsetWidth")
        assert name.evaluate("e => e.getBoundingClientRect().width") < table_width / 2
    table = page.locator(".table-responsive").first
    assert table.evaluate("t => t.scrollWidth <= t.clientWidth + 1")
    # The audit log names the patient whose chart was just opened.
    page.goto(f"{live_server.url}/portal/audit/")
    screenshot(page, f"long-name-audit-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.get_by_role("link", name=patient_a1.full_name).first.is_visible()
    if width < 576:  # each event a block: nothing to scroll sideways, every cell named
        events = page.locator(".table-responsive").first
        assert events.evaluate("t => t.scrollWidth <= t.clientWidth + 1")
        assert page.evaluate(WIDER, width) == []


def test_show_what_i_typed_reveals_the_password(live_server, new_page):
    page = new_page(360, 740)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Password").fill("blue kettle morning walk")
    page.get_by_label("Show what I typed").check()
    assert page.locator("#id_password").get_attribute("type") == "text"
    screenshot(page, "login-show-password-360")
    page.get_by_label("Show what I typed").uncheck()
    assert page.locator("#id_password").get_attribute("type") == "password"


def test_on_a_phone_a_refused_session_shows_and_announces_its_message(
    live_server, new_page, shared_library, clinician_a, patient_a1
):
    start_program(patient_a1, clinician_a)
    phone = new_page(360, 740)
    patient_signs_in(phone, live_server.url, patient_a1)
    # "How to do it" is open and at body size.
    how = phone.locator("details.how-to").first
    assert how.get_attribute("open") is not None
    assert how.locator("ol").evaluate("o => getComputedStyle(o).fontSize") == "16px"
    phone.locator("label[for='id_pain_3']").click()
    phone.get_by_role("button", name="Save only the ones marked done").click()
    message = phone.get_by_text("Tick at least one exercise you did.")
    message.wait_for()
    box = message.evaluate(
        "e => { const r = e.getBoundingClientRect(); return [r.top, r.bottom]; }"
    )
    assert box[0] >= 0 and box[1] <= 740 - 100  # well clear of the bottom edge
    assert phone.evaluate("document.activeElement.textContent").strip().startswith("Tick at least")
    screenshot(phone, "session-error-360")


def test_questionnaire_ratings_are_big_enough_to_tap(live_server, new_page, patient_a1):
    OutcomeAssignmentFactory(patient=patient_a1, code="psfs")
    phone = new_page(360, 740)
    patient_signs_in(phone, live_server.url, patient_a1)
    phone.goto(live_server.url + "/me/questionnaire/")
    sizes = phone.locator(".outcome-form label.btn").evaluate_all(
        "ls => ls.map(l => { const r = l.getBoundingClientRect();"
        " return [r.width, r.height, parseFloat(getComputedStyle(l).fontSize)]; })"
    )
    assert sizes
    assert min(w for w, _h, _f in sizes) >= 44 and min(h for _w, h, _f in sizes) >= 44
    assert min(f for _w, _h, f in sizes) >= 16
    screenshot(phone, "psfs-360")


def test_a_questionnaire_sent_back_says_what_to_check_where_it_can_be_seen(
    live_server, new_page, patient_a1
):
    """The LEFS with 19 of 20 answered came back at its top with no message: the only
    word was "This field is required." some 1,900 px down (found by the phone review)."""
    OutcomeAssignmentFactory(patient=patient_a1, code="lefs")
    phone = new_page(360, 740)
    patient_signs_in(phone, live_server.url, patient_a1)
    phone.goto(live_server.url + "/me/questionnaire/")
    items = phone.locator(".outcome-form select")
    assert items.count() == 20
    for n in range(19):  # all but the last item
        items.nth(n).select_option(index=1)
    phone.get_by_role("button", name="Save").click()
    summary = phone.get_by_role("alert").filter(has_text="Please check 1 question")
    summary.wait_for()
    top, bottom = summary.evaluate(
        "e => [e.getBoundingClientRect().top, e.getBoundingClientRect().bottom]"
    )
    assert top >= 0 and bottom <= 740
    assert phone.evaluate("document.activeElement.hasAttribute('data-questions-to-check')")
    screenshot(phone, "questionnaire-sent-back-360")
    summary.get_by_role("link", name="Go to the first one").click()
    last = phone.locator("#q-item_20")  # where the link went
    assert last.get_by_text("This question needs an answer.").is_visible()
    phone.wait_for_function(  # a smooth scroll
        "() => { const t = document.getElementById('q-item_20').getBoundingClientRect().top;"
        " return t >= 0 && t < 740; }"
    )
    # Answered, it saves.
    items.nth(19).select_option(index=1)
    with phone.expect_navigation():
        phone.get_by_role("button", name="Save").click()
    assert "Please check" not in phone.content()
    assert OutcomeResponse.objects.filter(patient=patient_a1, code="lefs").count() == 1


def test_a_phone_number_is_never_broken_over_two_lines_on_a_phone(
    live_server, new_page, shared_library, clinician_a, patient_a1
):
    """At 360 px "+1 555" ended one line and "0100" began the next, inside the link to call
    the clinic (found by the phone review): on the symptoms page, of all places. The
    longest number the clinic settings take still fits the screen."""
    clinic = patient_a1.clinic
    start_program(patient_a1, clinician_a)
    phone = new_page(360, 740)
    patient_signs_in(phone, live_server.url, patient_a1)
    for number in ("+1 555 0100", "+44 (0)1604 555 0100 ext. 12345"):
        clinic.phone = number
        clinic.save(update_fields=["phone"])
        phone.goto(live_server.url + "/me/symptoms/")
        links = phone.locator("a[href^='tel:']:visible").filter(has_text=number)
        assert links.count() >= 1
        for link in links.all():
            assert link.evaluate("a => a.getClientRects().length") == 1, number
        assert phone.evaluate(WIDER, 360) == [], number
    screenshot(phone, "symptoms-long-phone-360")


def test_what_a_patient_taps_to_open_or_choose_is_big_enough(
    live_server, new_page, shared_library, clinician_a, patient_a1
):
    """The "I did a different amount" summary was 21 px tall, and the reminder time's menu
    26 px and drawn as the browser's own (found by the phone review)."""
    program = start_program(patient_a1, clinician_a)
    phone = new_page(360, 740)
    patient_signs_in(phone, live_server.url, patient_a1)
    different = phone.get_by_text("I did a different amount").first
    assert different.evaluate("e => e.getBoundingClientRect().height") >= 44
    # Small text links, found by the same review.
    reminders = phone.get_by_role("link", name="E-mail reminders")
    assert reminders.evaluate("e => e.getBoundingClientRect().height") >= 44
    phone.goto(live_server.url + "/me/program/")
    password = phone.get_by_role("link", name="Change your password")
    assert password.evaluate("e => e.getBoundingClientRect().height") >= 44
    phone.goto(live_server.url + "/me/reminders/")
    menu = phone.get_by_label("At about")
    assert menu.evaluate("e => e.getBoundingClientRect().height") >= 44
    assert "form-select" in menu.get_attribute("class")
    screenshot(phone, "reminders-360")
    # The Spanish review measured more: a session's "change" link (22 px), a chart's "Show
    # as a table" (24 px), the number boxes (38 px) and a phone number to call (22 px).
    log_pain(patient_a1, program, 2, patient_today(patient_a1), "tap-1")
    phone.goto(live_server.url + "/me/")
    targets = [
        phone.get_by_role("link", name="Change my last session"),
        phone.locator(".exercise-card input[type=number]").first,
    ]
    heights = [t.evaluate("e => e.getBoundingClientRect().height") for t in targets]
    phone.goto(live_server.url + "/me/progress/")
    table = phone.get_by_text("Show as a table").first
    heights.append(table.evaluate("e => e.getBoundingClientRect().height"))
    assert min(heights) >= 44, heights
    phone.goto(live_server.url + "/me/symptoms/")
    call = phone.locator("a[href^='tel:']:visible").first
    assert call.evaluate("e => e.getBoundingClientRect().height") >= 44


# How far a button's words sit from the middle of the button, up or down, in pixels.
OFF_CENTRE = """b => { const r = document.createRange(); r.selectNodeContents(b);
  const t = r.getBoundingClientRect(), o = b.getBoundingClientRect();
  return Math.abs((t.top + t.bottom) / 2 - (o.top + o.bottom) / 2); }"""


def test_the_words_on_a_one_tap_button_sit_in_its_middle(
    live_server, new_page, shared_library, clinician_a, patient_a1
):
    """ "Better", "The same", "Worse" and the pain numbers sat at the top of their buttons
    (found by the phone review)."""
    program = start_program(patient_a1, clinician_a)
    yesterday = patient_today(patient_a1) - timedelta(days=1)
    log_pain(patient_a1, program, 2, yesterday, "yesterday")  # so the morning check is asked
    phone = new_page(360, 740)
    patient_signs_in(phone, live_server.url, patient_a1)
    morning = phone.locator("section[aria-labelledby='morning-heading']")
    buttons = morning.locator(".compared-buttons label.btn, .scale-buttons label.btn")
    assert buttons.count() == 3 + 11
    for i in range(buttons.count()):
        assert buttons.nth(i).evaluate(OFF_CENTRE) <= 2, buttons.nth(i).inner_text()
    screenshot(phone, "morning-check-360")


def test_a_comment_cut_to_fit_its_box_says_so(
    live_server, new_page, shared_library, clinician_a, patient_a1
):
    """The comment box holds 500 characters, and the browser cut a longer paste there
    without a word (found by the phone review). Near the limit the box counts what is
    left; a paste that was cut says so, in words a patient reads."""
    start_program(patient_a1, clinician_a)
    phone = new_page(360, 740)
    phone.context.grant_permissions(["clipboard-read", "clipboard-write"])
    patient_signs_in(phone, live_server.url, patient_a1)
    box = phone.get_by_label("Anything to tell your clinician?")
    note = phone.locator(".text-limit")
    box.fill("Sore knee. " * 10)
    assert not note.is_visible()  # far from the limit: no count
    box.fill("x" * 450)
    assert note.inner_text() == "Characters left: 50"
    box.fill("Sore knee.")
    phone.evaluate("t => navigator.clipboard.writeText(t)", "a" * 600 + " the end")
    box.focus()
    phone.keyboard.press("Control+V")
    assert len(box.input_value()) == 500
    assert note.inner_text() == (
        "Only the first 500 characters fit in this box. Check the end of your message."
    )
    assert note.get_attribute("id") in box.get_attribute("aria-describedby")
    screenshot(phone, "comment-cut-360")
    phone.keyboard.press("Backspace")
    assert note.inner_text() == "Characters left: 1"
