from __future__ import annotations

import pytest

from clinic.actors import Actor
from clinic.models import Membership
from patients.services import patient_program_start
from programs.models import Program
from tests.browser.conftest import screenshot
from tests.browser.test_onboarding import sign_in
from tests.factories import PASSWORD
from tests.pdf_text import pdf_text

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def quick_checks(monkeypatch):
    """The "being prepared" page checks every half second here, not every two: the
    journeys wait through several checks (and the doubled waits after a failed one), and
    the interval is not what they test."""
    monkeypatch.setattr("clinic.documents.REFRESH_SECONDS", 0.5)


def test_the_clinician_and_the_patient_download_the_handout(
    request, live_server, new_page, shared_library, clinician_a, patient_a1
):
    """No worker yet: the clinician sees "being prepared"; a worker starts, and the page
    turns into the download by itself."""
    template = Program.objects.get(template_key="neck-shoulder-desk")
    membership = Membership.objects.get(user=clinician_a)
    patient_program_start(actor=Actor.for_member(membership), patient=patient_a1, source=template)

    page = new_page()
    sign_in(page, live_server.url, clinician_a.email, PASSWORD)
    page.goto(f"{live_server.url}/portal/patients/{patient_a1.uuid}/")
    page.get_by_role("link", name="Handout PDF").click()
    page.get_by_role("heading", name="Your handout is being prepared").wait_for()
    screenshot(page, "handout-being-prepared")
    with page.expect_download(timeout=30_000) as clinician_download:
        request.getfixturevalue("task_worker")  # the worker starts; the page checks again
    download = clinician_download.value
    page.get_by_role("heading", name="Your handout is ready").wait_for()
    assert download.suggested_filename.startswith("home-exercises-AO-r1-")
    text = pdf_text(download.path().read_bytes())
    assert "Amara Okafor" in text and "Chin tuck" in text
    # The patient's sheet is the same file, ready now: no worker needed from here on.
    request.getfixturevalue("task_worker").stop()

    phone = new_page(360, 740)
    sign_in(phone, live_server.url, patient_a1.email, PASSWORD)
    phone.get_by_role("heading", name="Hello Amara").wait_for()
    phone.get_by_role("link", name="My program").click()
    screenshot(phone, "patient-program-with-handout")
    with phone.expect_download(timeout=30_000) as patient_download:
        phone.get_by_role("link", name="Download my exercise sheet (PDF)").click()
    pdf = patient_download.value
    assert "Okafor" not in pdf.suggested_filename
    assert "Neck and shoulder" in pdf_text(pdf.path().read_bytes())


def test_the_being_prepared_page_rides_out_a_failed_check(
    request, live_server, new_page, shared_library, clinician_a, patient_a1
):
    """A check that meets a server error (a database restarting) or a dropped connection
    says so and checks again later, instead of stopping on an error page; the download
    still comes once the worker has made it."""
    template = Program.objects.get(template_key="neck-shoulder-desk")
    membership = Membership.objects.get(user=clinician_a)
    patient_program_start(actor=Actor.for_member(membership), patient=patient_a1, source=template)
    phone = new_page(360, 740)
    sign_in(phone, live_server.url, patient_a1.email, PASSWORD)
    phone.get_by_role("heading", name="Hello Amara").wait_for()
    phone.get_by_role("link", name="My program").click()
    faults = ["503", "dropped"]
    checks = []

    def one_fault_each(route):
        checks.append(route.request.url)
        fault = faults.pop(0) if faults else None
        if fault == "503":
            route.fulfill(status=503, body="Service unavailable")
        elif fault == "dropped":
            route.abort("connectionreset")
        else:
            route.continue_()

    phone.route("**/*prepared=1*", one_fault_each)
    phone.get_by_role("link", name="Download my exercise sheet (PDF)").click()
    phone.get_by_role("heading", name="Your handout is being prepared").wait_for()
    notice = phone.get_by_text("Could not check just now. Trying again…")
    notice.wait_for(timeout=15_000)
    screenshot(phone, "handout-check-failed-once")
    assert phone.get_by_role("heading", name="Your handout is being prepared").is_visible()
    with phone.expect_download(timeout=60_000) as download:
        request.getfixturevalue("task_worker")
    assert not faults and len(checks) >= 3
    assert "Neck and shoulder" in pdf_text(download.value.path().read_bytes())
