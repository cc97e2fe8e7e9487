"""Discharge: close the goals, complete the program (questionnaires scheduled for
discharge are asked), give the patient a lighter maintenance copy to keep, record the
summary and plan, and ask the worker for the discharge letter.

All or nothing: one transaction, the letter queued only once it commits.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from clinic import audit
from clinic.actors import Actor
from patients.access import ensure_same_clinic
from patients.due_days import days_a_week
from patients.goals import goal_close
from patients.models import Discharge, Goal, Patient
from patients.practice_log import current_program
from patients.reports import ReportRequest, report_request
from patients.services import patient_program_set_status, patient_program_start
from programs.models import Program
from programs.services import program_save

# A maintenance program keeps the exercises on fewer days: enough to hold the gains.
MAINTENANCE_DAYS_PER_WEEK = 3
# The discharge handout (the maintenance program's) always carries what to do if the
# pain comes back, since the patient will no longer be seen.
DISCHARGE_LEAFLET = "flare-up-plan"
# The letter covers the episode, back to the first program (at most two years).
LONGEST_EPISODE = timedelta(days=730)


class DischargeConflict(Exception):
    pass


@transaction.atomic
def patient_discharge(
    *,
    actor: Actor,
    patient: Patient,
    discharged_on: date,
    summary: str,
    plan: str,
    goal_statuses: dict[int, str],
    maintenance: bool,
    letter: bool,
    program_seen: str,
):
    """Returns (discharge, letter job or None). `program_seen` is the uuid of the current
    program the page showed (empty: none); when it is no longer current, DischargeConflict
    and nothing is saved."""
    ensure_same_clinic(actor, patient)
    # One discharge at a time per patient: the second of two posts waits, then sees the
    # first one's maintenance copy as current.
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    program = current_program(patient)
    if str(program.uuid if program else "") != program_seen:
        raise DischargeConflict(
            gettext(
                "The program changed since this page was opened (already discharged?). "
                "Check the chart before discharging again."
            )
        )
    for goal in Goal.objects.filter(patient=patient, pk__in=list(goal_statuses)):
        if goal_statuses[goal.pk] != goal.status:
            goal_close(actor=actor, goal=goal, status=goal_statuses[goal.pk])
    kept = None
    if program is not None:
        patient_program_set_status(
            actor=actor, patient=patient, program=program, status=Program.Status.COMPLETED
        )
        if maintenance:
            kept = _maintenance_copy(actor, patient, program)
    discharge = Discharge.objects.create(
        patient=patient,
        discharged_on=discharged_on,
        summary=summary,
        plan=plan,
        maintenance=kept,
        created_by=actor.user,
    )
    # After the maintenance copy, whose start clears it.
    Patient.objects.filter(pk=patient.pk).update(discharged_on=discharged_on)
    audit.record(actor, "discharge.record", patient=patient, obj=discharge)
    job = None
    if letter:
        start = max(min(care_began(patient), discharged_on), discharged_on - LONGEST_EPISODE)
        job = report_request(
            patient,
            ReportRequest(
                start=start, end=discharged_on, narrative=summary, discharge=str(discharge.uuid)
            ),
            author=actor.user,
        )
        audit.record(actor, "report.request", patient=patient)
    return discharge, job


def care_began(patient: Patient) -> date:
    """The first day of the episode, which the letter covers whole: the first thing
    recorded for it (the record itself, a questionnaire or a measure entered with an
    earlier date). A discharge before it is refused (DischargeForm). In the clinic's time
    zone, as the dates staff enter are: in the patient's, a patient far to the east added in
    the clinic's afternoon began their care "tomorrow", and could not be discharged today."""
    days = [timezone.localdate(patient.created_at)]
    first_score = patient.outcomes.order_by("completed_on").values_list("completed_on", flat=True)
    first_visit = patient.visits.order_by("measured_on").values_list("measured_on", flat=True)
    days += [day for day in (first_score.first(), first_visit.first()) if day]
    return min(days)


def _maintenance_copy(actor: Actor, patient: Patient, program: Program) -> Program:
    copy = patient_program_start(actor=actor, patient=patient, source=program)
    rows = []
    for item in copy.items.select_related("exercise").order_by("order"):
        row = {"id": item.pk, "exercise": item.exercise}
        # Never more often than before: an item on two named weekdays (its "days a week"
        # left at 7) came back as 3 days a week. One already that light keeps its days.
        if days_a_week(item) > MAINTENANCE_DAYS_PER_WEEK:
            # Named weekdays would override the lighter count: any 3 days will do.
            row |= {"days_per_week": MAINTENANCE_DAYS_PER_WEEK, "weekdays": 0}
        rows.append(row)
    return program_save(
        program=copy,
        actor=actor,
        expected_revision=copy.revision,
        fields={
            "title": f"Maintenance: {program.title}"[:120],
            "leaflets": sorted({*program.leaflets, DISCHARGE_LEAFLET}),
        },
        items=rows,
        patient=patient,
    )
