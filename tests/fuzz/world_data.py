"""The world every endpoint is fuzzed in: the permission matrix's personas (built once per
module, tests/conftest.py new_world) plus the rows the endpoints post about."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from clinic.actors import Actor
from clinic.invitations import invitation_issue
from clinic.models import Invitation, Membership
from patients.models import (
    Flag,
    Patient,
)
from patients.practice_log import Done, session_log
from patients.services import patient_program_start
from programs.models import (
    Exercise,
    Program,
)
from programs.services import exercise_copy, program_copy
from tests.conftest import make_patient, persona_map
from tests.factories import FlagFactory, MeasurementFactory, OutcomeAssignmentFactory, VisitFactory
from tests.fuzz.hostile import TODAY

# --------------------------------------------------------------------------------------
# The world every endpoint is fuzzed in
# --------------------------------------------------------------------------------------


def fuzz_world(people: dict) -> dict[str, Any]:
    """The rows the endpoints post about, on top of `people` (tests/conftest.py new_world)."""
    personas = persona_map(people)
    clinic_a, clinic_b = people["clinic_a"], people["clinic_b"]
    admin_a, clinician_a, clinician_b = (
        people["admin_a"],
        people["clinician_a"],
        people["clinician_b"],
    )
    patient_a1, patient_a2, patient_b1 = (
        people["patient_a1"],
        people["patient_a2"],
        people["patient_b1"],
    )
    admin_m = Membership.objects.get(user=admin_a)
    clin_m = Membership.objects.get(user=clinician_a)
    b_m = Membership.objects.get(user=clinician_b)
    shared_template = Program.objects.get(template_key="low-back-early-movement")
    program = patient_program_start(
        actor=Actor.for_member(clin_m), patient=patient_a1, source=shared_template
    )
    b_program = patient_program_start(
        actor=Actor.for_member(b_m), patient=patient_b1, source=shared_template
    )
    shared = list(Exercise.objects.filter(clinic=None).order_by("pk")[:8])
    own = exercise_copy(actor=Actor.for_member(admin_m), source=shared[0])
    b_own = exercise_copy(actor=Actor.for_member(b_m), source=shared[1])
    own_template = program_copy(
        source=shared_template, clinic=clinic_a, actor=Actor.for_member(admin_m), as_template=True
    )
    b_template = program_copy(
        source=shared_template, clinic=clinic_b, actor=Actor.for_member(b_m), as_template=True
    )
    archived = make_patient(
        clinic_a, "Otto", "Archived", clinician=clinician_a, status=Patient.Status.ARCHIVED
    )
    no_email = make_patient(clinic_a, "Nia", "Noemail", login=False, email="")
    invited = make_patient(clinic_a, "Ivy", "Invitee", clinician=clinician_a, login=False)
    _invitation, token = invitation_issue(
        actor=Actor.for_member(admin_m),
        kind=Invitation.Kind.PATIENT,
        channel=Invitation.Channel.PRINT,
        email=invited.email,
        clinic=clinic_a,
        patient_uuid=invited.uuid,
    )
    now = timezone.now()
    open_flag = FlagFactory(patient=patient_a1, reason="Pain 8/10", raised_on=TODAY)
    reviewed_flag = FlagFactory(
        patient=patient_a1,
        kind=Flag.Kind.INACTIVE,
        reason="No activity",
        raised_on=TODAY - timedelta(days=5),
        reviewed_at=now,
        reviewed_by=clinician_a,
    )
    b_flag = FlagFactory(patient=patient_b1, reason="Pain 9/10", raised_on=TODAY)
    visit = VisitFactory(patient=patient_a1, measured_on=TODAY, recorded_by=clinician_a)
    measurements = [
        MeasurementFactory(visit=visit),
        MeasurementFactory(
            visit=visit, code="slr", side="left", value=60, symptoms="Back of thigh"
        ),
        MeasurementFactory(visit=visit, code="sit_reach", value=10, zero_point=23),
    ]
    b_visit = VisitFactory(patient=patient_b1, measured_on=TODAY)
    b_measurement = MeasurementFactory(visit=b_visit, value=4)
    OutcomeAssignmentFactory(patient=patient_a1, code="nprs")
    items = list(program.items.select_related("exercise"))
    session_log(
        patient=patient_a1,
        program=program,
        done=[Done(exercise=items[0].exercise, sets=1, reps=5)],
        pain=3,
        effort=4,
        comment="First go",
        client_token="world-token",
        actor=Actor.for_patient(patient_a1),
    )
    a1 = f"/portal/patients/{patient_a1.uuid}/"
    return {
        "users": {name: user for name, (user, _clinic) in personas.items()},
        "clinic_a": clinic_a,
        "admin_m": admin_m,
        "clin_m": clin_m,
        "b_m": b_m,
        "a1": patient_a1,
        "a1_url": a1,
        "a1_program_url": f"{a1}programs/{program.uuid}/",
        "program": program,
        "b_program": b_program,
        "items": items,
        "b_items": list(b_program.items.all()),
        "patients": [patient_a1, patient_a2, archived, no_email, invited],
        "b1": patient_b1,
        "shared_template": shared_template,
        "own_template": own_template,
        "b_template": b_template,
        "shared": shared,
        "own": own,
        "b_own": b_own,
        "token": token,
        "flags": [open_flag, reviewed_flag],
        "b_flag": b_flag,
        "measurements": measurements,
        "b_measurement": b_measurement,
        "emails": [
            *(u.email for u in (admin_a, clinician_a, clinician_b, patient_a1.user)),
            invited.email,
        ],
    }
