from __future__ import annotations

import html
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from clinic.actors import Actor
from clinic.models import AuditEvent, Clinic
from programs.handout_render import footer_margin_mm
from programs.models import Program
from tests.conftest import get_document
from tests.pdf_text import page_texts, pdf_text


def settings_form(**overrides) -> dict:
    data = {
        "name": "Clinic A",
        "address": "1 A Street",
        "phone": "+1 555 0100",
        "email": "",
        "timezone": "Europe/London",
        "paper_size": "letter",
        "handout_shows_birth_date": "on",
        "handout_footer": "Open Monday to Friday",
        "emergency_region": "uk",
    }
    data.update(overrides)
    return data


def png(size=(2400, 800)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (15, 118, 110)).save(out, "PNG")
    return out.getvalue()


def test_an_admin_sets_branding_and_a_sanitised_logo(as_admin_a, clinic_a):
    logo = SimpleUploadedFile("our-logo.png", png())
    response = as_admin_a.post("/portal/clinic/", {**settings_form(), "logo": logo})
    assert response.status_code == 302
    clinic = Clinic.objects.get(pk=clinic_a.pk)
    assert (clinic.paper_size, clinic.timezone, clinic.handout_shows_birth_date) == (
        "letter",
        "Europe/London",
        True,
    )
    # Stored in the clinic's own folder, renamed, downscaled once at upload.
    assert clinic.logo.name.startswith(f"clinic-logos/{clinic.uuid}/")
    assert "our-logo" not in clinic.logo.name
    with Image.open(clinic.logo.path) as image:
        assert max(image.size) == 1600
    assert as_admin_a.get("/portal/clinic/logo/").status_code == 200
    assert AuditEvent.objects.filter(action="clinic.update").exists()


def test_bad_settings_are_explained_and_change_nothing(as_admin_a, clinic_a):
    response = as_admin_a.post(
        "/portal/clinic/",
        {
            **settings_form(timezone="Mars/Olympus", phone="call us"),
            "logo": SimpleUploadedFile("x.png", b"text"),
        },
    )
    body = response.content.decode()
    assert "Enter a time zone name" in body and "Enter a phone number" in body
    assert "not a picture we can use" in body
    clinic = Clinic.objects.get(pk=clinic_a.pk)
    assert clinic.timezone == clinic_a.timezone and not clinic.logo


def neck_handout(client, clinician, patient):
    """The handout the clinician prints for a neck program just started for the patient."""
    from clinic.models import Membership
    from patients.services import patient_program_start
    from programs.models import Program

    program = patient_program_start(
        actor=Actor.for_member(Membership.objects.get(user=clinician)),
        patient=patient,
        source=Program.objects.get(template_key="neck-shoulder-desk"),
    )
    return get_document(
        client, f"/portal/patients/{patient.uuid}/programs/{program.uuid}/handout.pdf"
    )


def test_the_logo_appears_on_handouts(as_admin_a, as_clinician_a, clinician_a, patient_a1):
    from pypdf import PdfReader

    as_admin_a.post(
        "/portal/clinic/", {**settings_form(), "logo": SimpleUploadedFile("l.png", png())}
    )
    pdf = neck_handout(as_clinician_a, clinician_a, patient_a1)
    reader = PdfReader(io.BytesIO(pdf.content))
    sizes = {image.image.size for page in reader.pages for image in page.images}
    assert (1600, 533) in sizes
    # US Letter is 612 points wide
    assert round(float(reader.pages[0].mediabox.width)) == 612


def test_a_clinic_outside_the_uk_tells_its_patients_its_own_emergency_number(
    as_admin_a, as_clinician_a, clinician_a, patient_a1
):
    """A US patient must never read "Call 999 or go to A&E": the stop box on Today, the
    advice page's line and the printed handout say the clinic's own emergency help."""
    from clinic.models import Membership
    from patients.services import patient_program_start
    from programs.models import Program
    from tests.conftest import client_for

    program = patient_program_start(
        actor=Actor.for_member(Membership.objects.get(user=clinician_a)),
        patient=patient_a1,
        source=Program.objects.get(template_key="low-back-core-stability"),
    )
    handout = f"/portal/patients/{patient_a1.uuid}/programs/{program.uuid}/handout.pdf"

    def printed() -> str:
        return pdf_text(get_document(as_clinician_a, handout).content)

    assert "Call 999 or go to A&E now if" in printed()
    form = as_admin_a.get("/portal/clinic/").content.decode()
    assert "United States and Canada: 911, the emergency room" in form
    response = as_admin_a.post("/portal/clinic/", settings_form(emergency_region="us"))
    assert response.status_code == 302
    today = client_for(patient_a1.user).get("/me/").content.decode()
    assert "Call 911 or go to the emergency room now if:" in today
    # (Not a bare "999": a random token or id on the page may hold those digits.)
    assert "Call 999" not in today and "A&amp;E" not in today
    # The clinic changed, so the handout is drawn again, with the new line.
    text = printed()
    assert "Call 911 or go to the emergency room now if" in text and "Call 999" not in text
    assert (
        as_admin_a.post("/portal/clinic/", settings_form(emergency_region="mars")).status_code
        == 200
    )
    assert Clinic.objects.get(pk=patient_a1.clinic_id).emergency_region == "us"


def test_a_logo_lost_from_the_disk_is_a_404_and_handouts_are_still_made(
    as_admin_a, as_clinician_a, clinician_a, patient_a1, clinic_a, caplog
):
    """A restore without its media, or a disk swapped, leaves the row and not the file: the
    logo's address answers 404 (it was a 500) and the handout is made without the logo."""
    from pypdf import PdfReader

    as_admin_a.post(
        "/portal/clinic/", {**settings_form(), "logo": SimpleUploadedFile("l.png", png())}
    )
    clinic = Clinic.objects.get(pk=clinic_a.pk)
    clinic.logo.storage.delete(clinic.logo.name)
    assert as_admin_a.get("/portal/clinic/logo/").status_code == 404
    assert clinic.logo.name in caplog.text
    pdf = neck_handout(as_clinician_a, clinician_a, patient_a1)
    assert pdf["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.content))
    assert (1600, 533) not in {image.image.size for page in reader.pages for image in page.images}


def test_two_admins_saving_the_settings_never_overwrite_each_other_unseen(
    as_admin_a, clinic_a, settings
):
    """Before: admin A opened the settings, admin B saved a new phone number, A saved a
    new footer: B's number was silently put back to the old one. Now A's save is refused,
    nothing of it is saved (nor the logo sent with it), and the form comes back with A's
    footer, B's number in the field A had not changed, and a message saying so; saving
    that again keeps both."""
    from clinic.models import Membership
    from tests.conftest import client_for, make_staff
    from tests.patients.test_intake import as_shown

    url = "/portal/clinic/"
    second = make_staff(clinic_a, "admin2.a@example.test", Membership.Role.ADMIN, "Bea Second")
    as_admin_b = client_for(second)
    tab_a = as_shown(as_admin_a.get(url))
    tab_b = as_shown(as_admin_b.get(url))
    assert as_admin_b.post(url, {**tab_b, "phone": "+1 555 0199"}).status_code == 302
    logo = SimpleUploadedFile("our-logo.png", png())
    refused = as_admin_a.post(url, {**tab_a, "handout_footer": "Closed on Sundays", "logo": logo})
    assert refused.status_code == 200
    text = " ".join(html.unescape(refused.content.decode()).split())
    assert "Bea Second saved the clinic settings at" in text
    assert "after you opened this page. Nothing of yours is saved yet." in text
    assert "Fields you had not changed now show what was saved: Phone." in text
    assert "Choose the logo again" in text
    clinic = Clinic.objects.get(pk=clinic_a.pk)
    assert (clinic.phone, clinic.handout_footer, clinic.logo.name) == ("+1 555 0199", "", "")
    assert not [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]
    assert clinic.updated_by == second
    assert AuditEvent.objects.filter(action="clinic.update").count() == 1
    shown = refused.context["form"]
    assert shown["phone"].value() == "+1 555 0199"  # B's change, in a field A left alone
    assert shown["handout_footer"].value() == "Closed on Sundays"  # A's own entry
    # Saving the page as it came back keeps both changes.
    again = as_shown(refused)
    assert again["phone"] == "+1 555 0199" and again["handout_footer"] == "Closed on Sundays"
    assert as_admin_a.post(url, again).status_code == 302
    clinic.refresh_from_db()
    assert (clinic.phone, clinic.handout_footer) == ("+1 555 0199", "Closed on Sundays")
    assert clinic.updated_by.email == "admin.a@example.test"


def test_both_admins_changing_the_same_setting_keeps_the_second_ones_entry_to_confirm(
    as_admin_a, clinic_a
):
    from clinic.models import Membership
    from tests.conftest import client_for, make_staff
    from tests.patients.test_intake import as_shown

    url = "/portal/clinic/"
    as_admin_b = client_for(make_staff(clinic_a, "admin2.a@example.test", Membership.Role.ADMIN))
    tab_a = as_shown(as_admin_a.get(url))
    as_admin_b.post(url, {**as_shown(as_admin_b.get(url)), "phone": "+1 555 0199"})
    refused = as_admin_a.post(url, {**tab_a, "phone": "+1 555 0111"})
    text = " ".join(html.unescape(refused.content.decode()).split())
    assert "The settings now say: Phone: +1 555 0199." in text
    assert refused.context["form"]["phone"].value() == "+1 555 0111"
    assert Clinic.objects.get(pk=clinic_a.pk).phone == "+1 555 0199"


def test_a_double_click_on_save_is_no_colleagues_change(as_admin_a, clinic_a):
    from tests.patients.test_intake import as_shown

    data = {**as_shown(as_admin_a.get("/portal/clinic/")), "handout_footer": "Open late"}
    assert as_admin_a.post("/portal/clinic/", data).status_code == 302
    assert as_admin_a.post("/portal/clinic/", data).status_code == 302
    assert Clinic.objects.get(pk=clinic_a.pk).handout_footer == "Open late"


def test_a_stale_settings_page_never_replaces_a_colleagues_new_logo_unseen(as_admin_a, clinic_a):
    """Review (h5): the settings' version (clinic.edits) covers the form's Meta.fields and
    not the logo. Admin A opens the settings, admin B uploads the clinic's new logo, A
    (whose page still shows the old one) uploads another: B's logo is replaced and deleted
    from the disk without a word to either, the overwrite this change was to end."""
    from clinic.models import Membership
    from tests.conftest import client_for, make_staff
    from tests.patients.test_intake import as_shown

    url = "/portal/clinic/"
    as_admin_b = client_for(
        make_staff(clinic_a, "admin2.a@example.test", Membership.Role.ADMIN, "Bea Second")
    )
    tab_a = as_shown(as_admin_a.get(url))
    tab_b = as_shown(as_admin_b.get(url))
    b_logo = SimpleUploadedFile("new-brand.png", png((1200, 400)))
    assert as_admin_b.post(url, {**tab_b, "logo": b_logo}).status_code == 302
    b_stored = Clinic.objects.get(pk=clinic_a.pk).logo.name
    a_logo = SimpleUploadedFile("old-brand.png", png((900, 300)))
    answer = as_admin_a.post(url, {**tab_a, "logo": a_logo})
    assert answer.status_code == 200, "A's stale page replaced B's new logo"
    assert Clinic.objects.get(pk=clinic_a.pk).logo.name == b_stored


def test_after_a_logo_refused_as_stale_choosing_it_again_saves_it(as_admin_a, clinic_a):
    """Review (h6): the refused page says "Choose the logo again: it was not saved", but it
    sends back the logo version of the page first opened (edited_meanwhile renews `seen`
    only, not `logo_seen`), so choosing the logo again is refused again, every time, until
    the admin leaves the page and opens it afresh."""
    from clinic.models import Membership
    from tests.conftest import client_for, make_staff
    from tests.fuzz.form_page import forms_posting_to
    from tests.patients.test_intake import as_shown

    url = "/portal/clinic/"
    as_admin_b = client_for(
        make_staff(clinic_a, "admin2.a@example.test", Membership.Role.ADMIN, "Bea Second")
    )
    tab_a = as_shown(as_admin_a.get(url))
    tab_b = as_shown(as_admin_b.get(url))
    b_logo = SimpleUploadedFile("new-brand.png", png((1200, 400)))
    assert as_admin_b.post(url, {**tab_b, "logo": b_logo}).status_code == 302
    refused = as_admin_a.post(url, {**tab_a, "logo": SimpleUploadedFile("a.png", png((900, 300)))})
    assert refused.status_code == 200
    # A reads the page (B's logo is now shown) and chooses her logo again, as asked.
    again = as_shown(refused)
    [posted], _nested = forms_posting_to(refused.content.decode(), url, url)
    again["logo_seen"] = posted.first("logo_seen")
    a_logo = SimpleUploadedFile("a.png", png((900, 300)))
    answer = as_admin_a.post(url, {**again, "logo": a_logo})
    assert answer.status_code == 302, "choosing the logo again, as asked, was refused again"


LONG_FOOTER = (
    "Open Monday to Friday 8am to 6pm and Saturday 9am to 1pm. Questions about your "
    "exercises: call the front desk or write to us through your patient login. Please "
    "bring this sheet to every visit so we can update it with you. Out of hours, if you "
    "are worried, call NHS 111 now."
)


def test_the_whole_footer_prints_on_every_large_print_page(
    as_admin_a, as_clinician_a, clinician_a, patient_a1
):
    """A footer the settings accept ran off the sheet in large print after five lines, on
    every page: what to do out of hours never reached the patients who need large print
    (found by review). The bottom margin grows with the footer."""
    assert len(LONG_FOOTER) <= 300  # what the form accepts
    saved = as_admin_a.post(
        "/portal/clinic/", settings_form(handout_footer=LONG_FOOTER, paper_size="a4")
    )
    assert saved.status_code == 302
    regular = neck_handout(as_clinician_a, clinician_a, patient_a1)
    assert all("call NHS 111 now." in page for page in page_texts(regular.content))
    program = Program.objects.filter(assignment__patient=patient_a1).get()
    large = get_document(
        as_clinician_a,
        f"/portal/patients/{patient_a1.uuid}/programs/{program.uuid}/handout.pdf",
        {"large": "1"},
    )
    assert large.status_code == 200
    pages = page_texts(large.content)
    cut = [n for n, page in enumerate(pages, start=1) if "call NHS 111 now." not in page]
    assert cut == [], f"the footer's end is missing on pages {cut} of {len(pages)}"


WIDE_END = "Z9END"


def _fill(word: str, limit: int = 300) -> str:
    text = ""
    while len(text) + len(word) + 1 + len(WIDE_END) <= limit:
        text += word + " "
    return text + WIDE_END


FOOTERS = {
    # Capitals: a clinic that writes its out-of-hours line in capitals (wide letters,
    # 31 to a large-print line where footer_margin_mm counts 38). 300 characters, accepted.
    "capitals": _fill("CALL WWW MEDWAY"),
    "chinese": "请" * 290 + WIDE_END,
}


@pytest.mark.parametrize("paper", ["a4", "letter"])
@pytest.mark.parametrize("name", list(FOOTERS))
def test_a_footer_of_wide_letters_prints_whole_on_every_page(
    as_clinician_a, clinician_a, patient_a1, clinic_a, name, paper
):
    """Counted by characters, a footer in capitals (31 to a large-print line, where 38
    were counted) still lost its last line on every page (found by review): the lines
    are now measured in the footer's font."""
    footer = FOOTERS[name]
    assert len(footer) <= Clinic._meta.get_field("handout_footer").max_length
    Clinic.objects.filter(pk=clinic_a.pk).update(handout_footer=footer, paper_size=paper)
    regular = neck_handout(as_clinician_a, clinician_a, patient_a1)
    program = Program.objects.filter(assignment__patient=patient_a1).get()
    large = get_document(
        as_clinician_a,
        f"/portal/patients/{patient_a1.uuid}/programs/{program.uuid}/handout.pdf",
        {"large": "1"},
    )
    for label, pdf in (("regular", regular), ("large print", large)):
        pages = page_texts(pdf.content)
        cut = [n for n, page in enumerate(pages, start=1) if WIDE_END not in page]
        assert cut == [], (
            f"{label}: the footer's end is missing on pages {cut} of {len(pages)} "
            f"(margin {footer_margin_mm(footer, label != 'regular')} mm)"
        )
