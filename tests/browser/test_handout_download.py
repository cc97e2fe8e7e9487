from __future__ import annotations

import pytest
from pypdf import PdfReader

from clinic.models import Membership
from patients.services import patient_program_start
from programs.models import Program
from tests.browser.conftest import screenshot
from tests.browser.test_onboarding import sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_the_clinician_and_the_patient_download_the_handout(
    live_server, new_page, shared_library, clinician_a, patient_a1
):
    template = Program.objects.get(template_key="neck-shoulder-desk")
    membership = Membership.objects.get(user=clinician_a)
    patient_program_start(membership=membership, patient=patient_a1, source=template)

    page = new_page()
    sign_in(page, live_server.url, clinician_a.email, PASSWORD)
    page.goto(f"{live_server.url}/portal/patients/{patient_a1.uuid}/")
    with page.expect_download() as clinician_download:
        page.get_by_role("link", name="Handout PDF").click()
    download = clinician_download.value
    assert download.suggested_filename.startswith("home-exercises-r1-")
    text = " ".join(p.extract_text() for p in PdfReader(download.path()).pages)
    assert "Amara Okafor" in text and "Chin tuck" in text

    phone = new_page(360, 740)
    sign_in(phone, live_server.url, patient_a1.email, PASSWORD)
    phone.get_by_role("heading", name="Hello Amara").wait_for()
    phone.get_by_role("link", name="My program").click()
    screenshot(phone, "patient-program-with-handout")
    with phone.expect_download() as patient_download:
        phone.get_by_role("link", name="Download my exercise sheet (PDF)").click()
    pdf = patient_download.value
    assert "Okafor" not in pdf.suggested_filename
    reader = PdfReader(pdf.path())
    assert "Neck and shoulder" in " ".join(p.extract_text() for p in reader.pages)
