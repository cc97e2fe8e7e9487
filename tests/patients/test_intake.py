"""Intake: the referral, the red-flag screen that blocks starting a program until the
clinician decides, and precautions checked against every prescribed exercise."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.html import escape

from clinic.actors import Actor
from clinic.models import AuditEvent
from patients.models import Intake, PrecautionDecision, RedFlagScreen
from patients.screening import QUESTIONS, ScreeningBlocks, ScreenKind
from patients.services import patient_program_start
from programs import precautions
from programs.content.clinical import CONTRAINDICATIONS, PROGRESSIONS
from programs.content.exercises import EXERCISES
from programs.models import Exercise, Program, ProgramItem
from tests.conftest import client_for
from tests.factories import IntakeFactory, RedFlagScreenFactory


def chart(patient) -> str:
    return f"/portal/patients/{patient.uuid}/"


def answers(kind: str, yes: tuple[str, ...] = ()) -> dict:
    return {q.key: "yes" if q.key in yes else "no" for q in QUESTIONS[kind]}


def test_the_intake_is_recorded_and_its_stage_follows_the_onset(as_clinician_a, patient_a1):
    onset = timezone.localdate() - timedelta(weeks=9)
    response = as_clinician_a.post(
        chart(patient_a1) + "intake/",
        {
            "diagnosis": "Low back pain with sciatica on the left",
            "icd10": "m54.4",
            "region": "low_back",
            "referrer": "Dr Rivera",
            "onset_on": onset.isoformat(),
            "precautions": ["osteoporosis"],
        },
    )
    # First intake: on to the red-flag screen.
    assert response.status_code == 302 and response["Location"].endswith("/screen/")
    intake = Intake.objects.get(patient=patient_a1)
    assert intake.icd10 == "M54.4" and intake.precautions == ["osteoporosis"]
    page = as_clinician_a.get(chart(patient_a1)).content.decode()
    assert "Low back pain with sciatica on the left" in page
    assert "Subacute (6 to 12 weeks)" in page and "Osteoporosis" in page
    assert "Not done yet" in page  # the screen
    assert AuditEvent.objects.filter(action="intake.update", patient_uuid=patient_a1.uuid).exists()


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("icd10", "12.3", "Enter an ICD-10 code like M54.5"),
        ("onset_on", "2999-01-01", "cannot be in the future"),
        ("diagnosis", "", "This field is required"),
    ],
)
def test_a_bad_intake_is_explained_and_saves_nothing(
    as_clinician_a, patient_a1, field, value, error
):
    data = {"diagnosis": "Neck pain", "region": "neck", field: value}
    response = as_clinician_a.post(chart(patient_a1) + "intake/", data)
    assert response.status_code == 200 and error in response.content.decode()
    assert not Intake.objects.exists()


def as_shown(page) -> dict:
    """What the browser sends back from the page's form, untouched: the fields' values,
    and the version the page carries as the page itself renders it (not the form's)."""
    from tests.fuzz.form_page import forms_posting_to

    form = page.context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        # Not `in (None, False, ...)`: 0 == False, and a hold of 0 seconds is sent.
        if value is None or value is False or value in ("", []):
            continue
        data[name] = [str(v) for v in value] if isinstance(value, list) else str(value)
    url = page.wsgi_request.path
    [posted], _nested = forms_posting_to(page.content.decode(), url, url)
    data["seen"] = posted.first("seen")
    assert data["seen"], "the page does not carry the version it shows"
    if "seen_fields" in form.fields:  # SeenVersion.merges_untouched
        data["seen_fields"] = posted.first("seen_fields")
        assert data["seen_fields"], "the page does not carry the versions of its fields"
    return data


def test_a_stale_intake_page_never_undoes_a_colleagues_precaution_unseen(
    as_clinician_a, admin_a, patient_a1
):
    """Two clinicians, one intake. One opens the page to reword the diagnosis; meanwhile
    the other adds osteoporosis (the builder then warns about loaded flexion). The first
    save used to win and drop the precaution with no word to anyone."""
    url = f"/portal/patients/{patient_a1.uuid}/intake/"
    as_clinician_a.post(url, {"diagnosis": "Low back pain", "region": "low_back"})
    as_admin = client_for(admin_a)
    stale = as_shown(as_clinician_a.get(url))
    fresh = as_shown(as_admin.get(url))
    assert as_admin.post(url, {**fresh, "precautions": ["osteoporosis"]}).status_code == 302
    refused = as_clinician_a.post(url, {**stale, "diagnosis": "Non-specific low back pain"})
    assert refused.status_code == 200
    page = refused.content.decode()
    assert "after you opened this page" in page and "Precautions: Osteoporosis" in page
    intake = Intake.objects.get(patient=patient_a1)
    assert (intake.diagnosis, intake.precautions) == ("Low back pain", ["osteoporosis"])
    # Saving again, having seen it, keeps the entries as shown (the clinician may tick it).
    again = as_shown(refused)
    assert as_clinician_a.post(url, {**again, "precautions": ["osteoporosis"]}).status_code == 302
    intake.refresh_from_db()
    assert (intake.diagnosis, intake.precautions) == (
        "Non-specific low back pain",
        ["osteoporosis"],
    )


def test_every_question_must_be_answered(as_clinician_a, patient_a1):
    partial = answers(ScreenKind.LOW_BACK)
    partial.pop("saddle")
    response = as_clinician_a.post(chart(patient_a1) + "screen/", {"kind": "low_back", **partial})
    assert response.status_code == 200 and not RedFlagScreen.objects.exists()


def start(client, patient, template_key="low-back-early-movement"):
    template = Program.objects.get(template_key=template_key)
    return client.post(
        chart(patient) + "programs/start/", {"template": str(template.uuid)}, follow=True
    )


def test_a_positive_screen_blocks_a_program_until_the_clinician_clears_it(
    as_clinician_a, patient_a1
):
    screen_url = chart(patient_a1) + "screen/?kind=low_back"
    page = as_clinician_a.get(screen_url).content.decode()
    assert "around the back passage" in page  # the cauda equina questions
    as_clinician_a.post(
        chart(patient_a1) + "screen/",
        {"kind": "low_back", **answers("low_back", yes=("bladder_bowel",))},
    )
    screen = RedFlagScreen.objects.get()
    assert screen.positive and screen.answers["bladder_bowel"] is True
    blocked = start(as_clinician_a, patient_a1).content.decode()
    assert "red-flag screen was positive" in blocked
    assert not Program.objects.filter(assignment__patient=patient_a1).exists()
    chart_page = as_clinician_a.get(chart(patient_a1)).content.decode()
    assert "Red flags found" in chart_page and "cauda equina syndrome" in chart_page

    # Referred: still blocked.
    as_clinician_a.post(
        chart(patient_a1) + "screen/decision/",
        {
            "decision": "referred",
            "note": "Sent to the emergency department",
            "seen": latest(patient_a1),
        },
    )
    assert "referred for medical review" in start(as_clinician_a, patient_a1).content.decode()
    assert not Program.objects.filter(assignment__patient=patient_a1).exists()
    # Cleared after the medical review: the program starts.
    as_clinician_a.post(
        chart(patient_a1) + "screen/decision/",
        {
            "decision": "cleared",
            "note": "MRI normal, urology review clear",
            "seen": latest(patient_a1),
        },
    )
    start(as_clinician_a, patient_a1)
    assert Program.objects.filter(assignment__patient=patient_a1).exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"screen.record", "screen.referred", "screen.cleared"} <= actions


def test_the_service_refuses_too_not_only_the_page(membership_a, patient_a1):
    RedFlagScreenFactory(patient=patient_a1, kind="neck", answers={}, positive=True)
    with pytest.raises(ScreeningBlocks):
        patient_program_start(
            actor=Actor.for_member(membership_a),
            patient=patient_a1,
            source=Program.objects.get(template_key="neck-shoulder-desk"),
        )


def test_a_decision_needs_a_note_and_a_positive_screen(as_clinician_a, patient_a1):
    response = as_clinician_a.post(
        chart(patient_a1) + "screen/decision/", {"decision": "cleared", "note": "x"}, follow=True
    )
    assert "no positive screen" in response.content.decode()
    RedFlagScreenFactory(patient=patient_a1, kind="neck", answers={}, positive=True)
    response = as_clinician_a.post(chart(patient_a1) + "screen/decision/", {"decision": "cleared"})
    assert response.status_code == 200
    assert "Say what you found" in response.content.decode()
    assert RedFlagScreen.objects.get().decision == ""


def test_a_decision_sent_without_one_is_asked_again_with_the_note_kept(as_clinician_a, patient_a1):
    """A decision posted with no choice made (the radio's `required` is the browser's, not
    ours) went back to the chart with a message, and the note the clinician had typed was
    gone: the form comes again, explained, with the note as typed, and nothing is saved."""
    RedFlagScreenFactory(patient=patient_a1, kind="low_back", answers={"bladder_bowel": True})
    note = "Bladder normal on questioning <b>now</b>; GP to review & call back"
    response = as_clinician_a.post(chart(patient_a1) + "screen/decision/", {"note": note})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose a decision" in page
    assert escape(note) in page and "<b>now" not in page
    assert "cauda equina syndrome" in page  # what is being decided on, shown again
    # Sent again from the page, with a decision, it is recorded with the kept note.
    assert f'action="{chart(patient_a1)}screen/decision/"' in page
    screen = RedFlagScreen.objects.get()
    assert (screen.decision, screen.decision_note, screen.decided_at) == ("", "", None)
    assert not AuditEvent.objects.filter(action__startswith="screen.").exists()
    saved = as_clinician_a.post(
        chart(patient_a1) + "screen/decision/",
        {"decision": "referred", "note": note, "seen": seen_on(page)},
    )
    assert saved.status_code == 302
    screen.refresh_from_db()
    assert (screen.decision, screen.decision_note) == ("referred", note)


def latest(patient) -> str:
    """The version of the patient's latest screen: what a chart opened now sends."""
    return RedFlagScreen.objects.filter(patient=patient).first().version()


def seen_on(page: str) -> str:
    """The screen version the page's decision form carries."""
    import re

    return re.search(r'name="seen" value="([0-9a-f]+)"', page).group(1)


def test_a_decision_never_lands_on_a_newer_screen_the_clinician_did_not_read(
    as_clinician_a, admin_a, patient_a1
):
    """The chart shows a positive screen (numbness in the hands); a colleague then records
    a new screen that also finds bladder changes. The decision "safe to start" sent from
    the first page used to land on the new screen, unread, and unblocked the program."""
    RedFlagScreenFactory(patient=patient_a1, kind="low_back", answers={"saddle": True})
    seen = seen_on(as_clinician_a.get(chart(patient_a1)).content.decode())
    client_for(admin_a).post(
        chart(patient_a1) + "screen/",
        {"kind": "low_back", **answers("low_back", yes=("bladder_bowel",))},
    )
    note = "Checked saddle sensation: normal"
    sent = {"decision": "cleared", "note": note, "seen": seen}
    refused = as_clinician_a.post(chart(patient_a1) + "screen/decision/", sent)
    assert refused.status_code == 200
    page = refused.content.decode()
    assert "screen changed after you opened the page" in page
    assert escape(note) in page and "cauda equina syndrome" in page  # the new screen's
    assert not RedFlagScreen.objects.exclude(decision="").exists()
    assert not AuditEvent.objects.filter(action="screen.cleared").exists()
    # Sent again from the page that shows the new screen, it is recorded on it.
    again = as_clinician_a.post(
        chart(patient_a1) + "screen/decision/", {**sent, "seen": seen_on(page)}
    )
    assert again.status_code == 302
    assert RedFlagScreen.objects.first().decision == "cleared"


def test_a_stale_page_never_undoes_a_colleagues_referral_unseen(
    as_clinician_a, admin_a, patient_a1
):
    RedFlagScreenFactory(patient=patient_a1, kind="low_back", answers={"bladder_bowel": True})
    seen = seen_on(as_clinician_a.get(chart(patient_a1)).content.decode())
    client_for(admin_a).post(
        chart(patient_a1) + "screen/decision/",
        {"decision": "referred", "note": "Urgent MRI", "seen": seen},
    )
    refused = as_clinician_a.post(
        chart(patient_a1) + "screen/decision/",
        {"decision": "cleared", "note": "Looks fine", "seen": seen},
    )
    assert refused.status_code == 200 and "Urgent MRI" in refused.content.decode()
    screen = RedFlagScreen.objects.get()
    assert (screen.decision, screen.decision_note) == ("referred", "Urgent MRI")


def test_a_negative_screen_lets_the_program_start(as_clinician_a, patient_a1):
    as_clinician_a.post(chart(patient_a1) + "screen/", {"kind": "neck", **answers("neck")})
    assert not RedFlagScreen.objects.get().positive
    start(as_clinician_a, patient_a1, "neck-shoulder-desk")
    assert Program.objects.filter(assignment__patient=patient_a1).exists()


def _hip_conflict(patient, membership) -> tuple[Program, Exercise]:
    """A posterior hip replacement, and a program whose one exercise bends the hip past
    90° (knee to chest): one conflict to decide."""
    IntakeFactory(
        patient=patient,
        diagnosis="Left hip replacement, posterior approach, 3 weeks ago",
        region="hip",
        precautions=["hip_posterior"],
    )
    program = patient_program_start(
        actor=Actor.for_member(membership),
        patient=patient,
        source=Program.objects.get(template_key="low-back-early-movement"),
    )
    risky = Exercise.objects.get(slug="knee-to-chest-single", clinic=None)
    ProgramItem.objects.filter(program=program).delete()
    ProgramItem.objects.create(program=program, exercise=risky, order=1)
    return program, risky


def test_a_precaution_conflict_is_shown_in_the_builder_and_the_chart_and_decided_once(
    as_clinician_a, patient_a1, membership_a
):
    program, risky = _hip_conflict(patient_a1, membership_a)
    builder = as_clinician_a.get(chart(patient_a1) + f"programs/{program.uuid}/edit/")
    text = builder.content.decode()
    assert "Check against this patient" in text and "bending the hip past 90°" in text
    page = as_clinician_a.get(chart(patient_a1)).content.decode()
    assert "Keep, with this reason" in page

    keep = chart(patient_a1) + f"programs/{program.uuid}/precautions/"
    data = {
        "exercise": str(risky.uuid),
        "precaution": "hip_posterior",
        "reason": "Kept within 70 degrees, surgeon agreed",
    }
    as_clinician_a.post(keep, data)
    as_clinician_a.post(keep, {**data, "reason": "A second decision"})
    decision = PrecautionDecision.objects.get()
    assert decision.reason == "Kept within 70 degrees, surgeon agreed"
    page = as_clinician_a.get(chart(patient_a1)).content.decode()
    assert "Keep, with this reason" not in page and "surgeon agreed" in page
    # A precaution the exercise does not conflict with is refused, and records nothing.
    response = as_clinician_a.post(keep, {**data, "precaution": "pregnancy"}, follow=True)
    assert "no longer conflicts" in response.content.decode()
    assert PrecautionDecision.objects.count() == 1


def test_a_keep_refused_shows_its_form_again_with_the_reason_as_typed(
    as_clinician_a, patient_a1, membership_a
):
    """Before: a reason the form refused (only spaces, which the browser lets through as
    "filled in", or longer than 500 characters) sent the clinician back to the chart with
    "Say why the exercise should stay." and an empty box: what they typed was lost. Now
    the form comes again, with the conflict, the reason as typed and why it was refused."""
    program, risky = _hip_conflict(patient_a1, membership_a)
    keep = chart(patient_a1) + f"programs/{program.uuid}/precautions/"
    data = {"exercise": str(risky.uuid), "precaution": "hip_posterior"}
    answer = as_clinician_a.post(keep, {**data, "reason": "   "})
    assert answer.status_code == 200
    page = answer.content.decode()
    assert risky.name in page and "bending the hip past 90°" in page
    assert "Say why the exercise should stay." in page
    assert 'aria-invalid="true"' in page and f'action="{keep}"' in page
    assert f'value="{risky.uuid}"' in page and 'value="hip_posterior"' in page
    long = "<b>Surgeon agreed</b> " + "within 70 degrees, " * 30
    answer = as_clinician_a.post(keep, {**data, "reason": long})
    page = answer.content.decode()
    assert answer.status_code == 200 and escape(long.strip()) in page and "<b>" not in page
    assert "at most 500 characters" in page
    assert not PrecautionDecision.objects.exists()
    event = AuditEvent.objects.filter(action="patient.view").latest("pk")
    assert event.patient_uuid == patient_a1.uuid  # the page names her
    done = as_clinician_a.post(keep, {**data, "reason": "Surgeon agreed, within 70 degrees"})
    assert done.status_code == 302
    assert PrecautionDecision.objects.get().reason == "Surgeon agreed, within 70 degrees"


def test_a_keep_sent_after_a_colleague_kept_it_says_whose_reason_is_recorded(
    as_clinician_a, patient_a1, membership_a, clinician_a, admin_a
):
    """A second tab (or a colleague) kept the exercise first: a later keep with another
    reason records nothing, and must not say "your reason is recorded". A double click
    (the same reason twice, by the same person) still says it is."""
    program, risky = _hip_conflict(patient_a1, membership_a)
    keep = chart(patient_a1) + f"programs/{program.uuid}/precautions/"
    data = {"exercise": str(risky.uuid), "precaution": "hip_posterior"}
    first = {**data, "reason": "Surgeon agreed"}
    assert client_for(admin_a).post(keep, first).status_code == 302
    later = as_clinician_a.post(keep, {**data, "reason": "Pain free at 70 degrees"}, follow=True)
    text = later.content.decode()
    assert "your reason is recorded" not in text
    assert "already kept" in text and "Surgeon agreed" in text
    assert PrecautionDecision.objects.get().reason == "Surgeon agreed"
    again = client_for(admin_a).post(keep, first, follow=True).content.decode()
    assert "your reason is recorded" in again and "already kept" not in again


def test_front_desk_sees_no_intake(patient_a1, frontdesk_a):
    IntakeFactory(patient=patient_a1, diagnosis="Secret diagnosis", region="neck")
    page = client_for(frontdesk_a).get(chart(patient_a1)).content.decode()
    assert "Secret diagnosis" not in page and "Reason for referral" not in page


def test_conflicts_follow_the_rules():
    class Fake:
        def __init__(self, pk, tags):
            self.pk, self.uuid, self.name, self.contraindications = pk, pk, f"E{pk}", tags

    found = precautions.conflicts(
        ["hip_posterior", "osteoporosis", "recent_surgery", "unknown"],
        [Fake(1, ["deep_hip_flexion", "spinal_flexion"]), Fake(2, ["kneeling"])],
    )
    assert [(c.exercise_id, c.precaution, c.movements) for c in found] == [
        (1, "hip_posterior", ("deep_hip_flexion",)),
        (1, "osteoporosis", ("spinal_flexion",)),
    ]
    assert precautions.notices(["recent_surgery"]) != []


def test_the_clinical_data_names_real_movements_and_exercises():
    slugs = {entry["slug"] for entry in EXERCISES}
    movements = set(precautions.Movement.values)
    assert set(CONTRAINDICATIONS) <= slugs
    assert all(set(tags) <= movements for tags in CONTRAINDICATIONS.values())
    for rule in precautions.RULES.values():
        assert rule.rules_out <= movements
    for slug, entry in PROGRESSIONS.items():
        assert slug in slugs and {entry.get("easier"), entry.get("harder")} - {None} <= slugs


def test_the_library_carries_its_links_and_movements(db):
    bridge = Exercise.objects.get(slug="glute-bridge", clinic=None)
    tilt = Exercise.objects.get(slug="pelvic-tilt", clinic=None)
    assert tilt.harder == bridge and bridge.easier == tilt and tilt.progress_when == "steady_week"
    assert Exercise.objects.get(slug="prone-press-up", clinic=None).contraindications == [
        "prone_lying"
    ]


def test_a_decision_sent_from_the_decision_page_is_never_recorded_on_a_newer_screen(
    as_clinician_a, admin_a, patient_a1
):
    """Review (h5): the decision page shows the positive answers of one screen (a fall:
    a fracture), but the post names no screen and screen_decision records it on whatever
    screen is the latest when it arrives. A colleague screened again meanwhile and found
    new bladder trouble (cauda equina): "safe to start exercise", written about the fall,
    clears a screen the deciding clinician never saw, and a program may start."""
    url = chart(patient_a1) + "screen/decision/"
    first = RedFlagScreenFactory(patient=patient_a1, kind="low_back", answers={"trauma": True})
    shown = as_clinician_a.post(url, {"note": "X-ray clear after the fall"})
    assert shown.status_code == 200 and "a fracture" in shown.content.decode()
    client_for(admin_a).post(
        chart(patient_a1) + "screen/",
        {"kind": "low_back", **answers("low_back", ("bladder_bowel",))},
    )
    newer = RedFlagScreen.objects.exclude(pk=first.pk).get()
    assert newer.positive
    as_clinician_a.post(url, {"decision": "cleared", "note": "X-ray clear after the fall"})
    newer.refresh_from_db()
    assert newer.decision == ""


def test_a_double_click_on_record_the_decision_is_no_colleagues_decision(
    as_clinician_a, patient_a1
):
    """Review (h6): a double click on "Record the decision" sends the chart's form twice.
    The first records it; the second carries the version of the screen before it, so
    screen_decide refuses it as "a colleague recorded a decision", and the page the
    browser shows (the second answer) says the screen changed and asks for the decision
    again, over a decision that was recorded, as sent, by this same clinician. Every
    other form takes the second click of a double click as no conflict (clinic.edits)."""
    RedFlagScreenFactory(patient=patient_a1, kind="low_back", answers={"bladder_bowel": True})
    seen = seen_on(as_clinician_a.get(chart(patient_a1)).content.decode())
    sent = {"decision": "referred", "note": "Urgent MRI booked", "seen": seen}
    first = as_clinician_a.post(chart(patient_a1) + "screen/decision/", sent)
    second = as_clinician_a.post(chart(patient_a1) + "screen/decision/", sent)
    assert first.status_code == 302
    assert RedFlagScreen.objects.get().decision == "referred"
    assert "screen changed after you opened" not in second.content.decode()
    assert second.status_code == 302
