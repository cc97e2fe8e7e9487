"""A patient's program saved as a clinic template: every clinician of the clinic sees the
template and starts it for other patients, so what was written for this patient (the goal,
the notes for the patient, each exercise's notes) stays behind; the exercises and their
doses are what a template is for."""

from __future__ import annotations

from django.contrib.messages import get_messages

from programs.models import Program
from programs.services import DOSE_FIELDS
from tests.conftest import client_for


def _url(program) -> str:
    patient = program.assignment.patient
    return f"/portal/patients/{patient.uuid}/programs/{program.uuid}/save-as-template/"


def _written_for_amara(program) -> None:
    Program.objects.filter(pk=program.pk).update(
        goal="Amara Okafor back to her night shifts at the bakery",
        patient_notes="Amara, stop if the pain goes below your left knee again.",
        clinician_notes="Okafor: L5 radiculopathy, anxious about bending.",
        leaflets=["pain-science"],
    )
    first, *_rest = program.items.all()
    first.notes = "Amara: left side only, after her morning walk"
    first.sets, first.reps = 3, 12
    first.save()


def _dose(program) -> list[tuple]:
    return [
        (item.exercise_id, item.order, *(getattr(item, name) for name in DOSE_FIELDS))
        for item in program.items.order_by("order")
    ]


def test_notes_for_the_patient_are_not_copied_into_the_clinics_template(
    as_clinician_a, clinician_a, program_a1
):
    _written_for_amara(program_a1)
    answer = as_clinician_a.post(_url(program_a1), {"title": "Early back care, nights"})
    assert answer.status_code == 302
    said = [str(m) for m in get_messages(answer.wsgi_request)]
    assert any("were not copied" in message for message in said), said
    template = Program.objects.get(is_template=True, title="Early back care, nights")
    texts = [template.title, template.goal, template.patient_notes, template.clinician_notes]
    texts += [item.notes for item in template.items.all()]
    assert not any("Amara" in text or "Okafor" in text for text in texts), texts
    assert (template.goal, template.patient_notes, template.clinician_notes) == ("", "", "")
    # What a template is for is all there: the exercises in order, with their doses, and
    # the leaflets (general reading, not about anyone).
    assert _dose(template) == _dose(program_a1) and template.items.count() > 1
    assert template.leaflets == ["pain-science"]
    # A colleague opening the template sees nothing of her.
    page = client_for(clinician_a).get(f"/portal/templates/{template.uuid}/edit/")
    assert "Amara" not in page.content.decode() and "Okafor" not in page.content.decode()
    # The patient's own program keeps everything.
    program_a1.refresh_from_db()
    assert program_a1.goal.startswith("Amara") and program_a1.items.first().notes


def test_the_chart_says_before_saving_what_is_left_out(as_clinician_a, program_a1):
    page = as_clinician_a.get(f"/portal/patients/{program_a1.assignment.patient.uuid}/")
    assert "notes written for this patient are not copied" in page.content.decode()


def test_a_template_name_that_names_the_patient_is_refused(as_clinician_a, program_a1):
    before = Program.objects.filter(is_template=True).count()
    for title in ("Amara's back plan", "Back care (okafor)"):
        answer = as_clinician_a.post(_url(program_a1), {"title": title}, follow=True)
        assert "without the patient" in answer.content.decode(), title
    # A program named after her is not copied under its own name either.
    Program.objects.filter(pk=program_a1.pk).update(title="Amara Okafor home plan")
    answer = as_clinician_a.post(_url(program_a1), {"title": ""}, follow=True)
    assert "without the patient" in answer.content.decode()
    assert Program.objects.filter(is_template=True).count() == before
    # A name that only contains her name inside another word is no name of hers.
    as_clinician_a.post(_url(program_a1), {"title": "Camaraderie circuit"})
    assert Program.objects.filter(is_template=True, title="Camaraderie circuit").exists()


def test_a_template_name_with_the_patients_name_typed_without_its_accent_is_refused(
    as_clinician_a, program_a1
):
    """Review (h5): Patient.named_in compares the name letter for letter, so a clinician
    who types "Zoe" or "Muller" on a keyboard without accents (as most in an English
    clinic do) for Zoë Müller saves a template named after her for the whole clinic."""
    patient = program_a1.assignment.patient
    type(patient).objects.filter(pk=patient.pk).update(first_name="Zoë", last_name="Müller")
    before = Program.objects.filter(is_template=True).count()
    for title in ("Zoe's back plan", "Back care (Muller)"):
        answer = as_clinician_a.post(_url(program_a1), {"title": title}, follow=True)
        assert "without the patient" in answer.content.decode(), title
    assert Program.objects.filter(is_template=True).count() == before


def test_a_template_name_with_the_patients_name_typed_as_keyboards_type_it_is_refused(
    as_clinician_a, program_a1
):
    """Review (h6): Patient.named_in folds accents by Unicode decomposition, which leaves
    letters that have none (ø, ł, æ) as they are, and it compares apostrophes letter for
    letter. "Soren", "Lukasz" (for Søren O'Brien-Łukasz) and "O'Brien" typed with the
    curly apostrophe (U+2019) a phone or a Mac puts for ' pass, and the template named
    after the patient is seen by the whole clinic."""
    patient = program_a1.assignment.patient
    type(patient).objects.filter(pk=patient.pk).update(
        first_name="Søren", last_name="O'Brien-Łukasz"
    )
    before = Program.objects.filter(is_template=True).count()
    for title in (
        "Soren's back plan",
        "Back care (Lukasz)",
        "O\N{RIGHT SINGLE QUOTATION MARK}Brien knee plan",
    ):
        answer = as_clinician_a.post(_url(program_a1), {"title": title}, follow=True)
        assert "without the patient" in answer.content.decode(), title
    assert Program.objects.filter(is_template=True).count() == before


def test_a_refused_template_name_shows_the_form_again_with_what_was_typed(
    as_clinician_a, program_a1
):
    """Before: the refusal redirected to the chart, whose form showed the program's own
    title again: the name the clinician typed was lost. Now the form is shown again with
    it, the reason next to it, and sent again with a better name it saves."""
    import html

    from clinic.once import new_token

    typed = "Amara's early back care <nights> & weekends"
    answer = as_clinician_a.post(_url(program_a1), {"title": typed, "once": new_token()})
    assert answer.status_code == 200
    page = answer.content.decode()
    assert f'value="{html.escape(typed)}"' in page  # as typed, escaped
    assert "<nights>" not in page
    assert "give it a name without the patient's name" in html.unescape(page)
    assert 'aria-invalid="true"' in page and 'aria-describedby="template-title-error"' in page
    assert f'action="{_url(program_a1)}"' in page and 'name="once"' in page
    assert not Program.objects.filter(is_template=True, title__contains="nights").exists()
    # The page shows the patient's program and a title that names them: a read, audited.
    from clinic.models import AuditEvent

    assert AuditEvent.objects.filter(
        action="patient.view", patient_uuid=program_a1.assignment.patient.uuid
    ).exists()
    # A double click sends it twice: refused twice, still nothing saved.
    again = as_clinician_a.post(_url(program_a1), {"title": typed})
    assert again.status_code == 200
    done = as_clinician_a.post(_url(program_a1), {"title": "Early back care, nights"})
    assert done.status_code == 302
    assert Program.objects.filter(is_template=True, title="Early back care, nights").exists()
