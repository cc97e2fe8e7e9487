"""Every URL pattern of the project, every persona, GET and POST.

Adding a URL without adding it here fails `test_every_url_pattern_is_in_the_matrix`, and a
view that declares neither a capability nor an audience fails
`test_every_view_of_ours_declares_who_it_is_for`. For portal views the expected answers
are derived from the capability the view declares and the role table in
clinic.capabilities: 302 for the anonymous visitor (to the sign-in page), 403 for staff
whose role lacks the capability, 404 for rows of another clinic than the one the staff
member is working in. The personas include a front-desk member and a clinician who works
at two clinics, in each of them. Denied POSTs must leave every clinical and account row
exactly as it was.
"""

from __future__ import annotations

import re
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from html.parser import HTMLParser
from importlib import import_module
from urllib.parse import urlsplit

import pytest
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone

from clinic import permissions
from clinic.capabilities import role_can
from clinic.invitations import invitation_issue
from clinic.middleware import SEEN, STARTED
from clinic.models import (
    ApiToken,
    AuditEvent,
    Clinic,
    Invitation,
    Membership,
    OutgoingEmail,
    RenderJob,
    User,
)
from patients.models import (
    Discharge,
    Flag,
    Goal,
    Intake,
    Measurement,
    MorningCheck,
    OutcomeAssignment,
    OutcomeResponse,
    OutcomeSchedule,
    Patient,
    PrecautionDecision,
    RedFlagScreen,
    ReminderSetting,
    SessionLog,
)
from patients.outcomes import outcome_record
from patients.reports import ReportRequest, report_request
from patients.services import patient_program_start
from programs.models import (
    Exercise,
    HandoutPrint,
    Program,
    ProgramItem,
)
from programs.services import exercise_copy, program_copy
from tests.conftest import (
    UNKNOWN_TABLE,
    actor_of,
    client_for,
    kept_for_the_module,
    new_world,
    persona_map,
    tables_written,
)
from tests.factories import (
    FlagFactory,
    GoalFactory,
    IntakeFactory,
    MeasurementFactory,
    OutcomeAssignmentFactory,
    RedFlagScreenFactory,
    VisitFactory,
)

# The smallest valid PNG (1x1, transparent).
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)

PERSONAS = (
    "anonymous",
    "patient_a1",
    "patient_a2",
    "patient_b1",
    "clinician_a",
    "admin_a",
    "frontdesk_a",
    "clinician_b",
    "clinician_ab_in_a",
    "clinician_ab_in_b",
)
PATIENTS = ("patient_a1", "patient_a2", "patient_b1")
# Each staff persona's role and the clinic it is working in.
STAFF = {
    "clinician_a": (Membership.Role.CLINICIAN, "A"),
    "admin_a": (Membership.Role.ADMIN, "A"),
    "frontdesk_a": (Membership.Role.FRONT_DESK, "A"),
    "clinician_b": (Membership.Role.CLINICIAN, "B"),
    "clinician_ab_in_a": (Membership.Role.CLINICIAN, "A"),
    "clinician_ab_in_b": (Membership.Role.CLINICIAN, "B"),
}
DENIED = {401, 403, 404, 405, 410}


def expect(default: int, **overrides: int) -> dict[str, int]:
    """Expected status per persona: `default` for all, with named exceptions.

    `patients=` and `staff=` set all of that kind at once.
    """
    statuses = dict.fromkeys(PERSONAS, default)
    for group, names in (("patients", PATIENTS), ("staff", tuple(STAFF))):
        if group in overrides:
            statuses.update(dict.fromkeys(names, overrides.pop(group)))
    statuses.update(overrides)
    return statuses


@dataclass(frozen=True)
class Staff:
    """A portal view: the answers follow from the capability the view declares and the
    role table (clinic.capabilities), not from a list kept here.

    `ok` is the answer when allowed. `scope="a"`: the page is about a row of clinic A, so
    staff working in clinic B who may use it get 404. `scope="clinic"`: every clinic has
    its own page.
    """

    ok: int
    scope: str = "a"

    def expected(self, capability: str) -> dict[str, int]:
        statuses = expect(403, anonymous=302)
        for persona, (role, clinic) in STAFF.items():
            if not role_can(role, capability):
                statuses[persona] = 403
            elif self.scope == "a" and clinic != "A":
                statuses[persona] = 404
            else:
                statuses[persona] = self.ok
        return statuses


PUBLIC = expect(200)
NOT_ALLOWED = expect(405)
PATIENT_PAGE = expect(200, anonymous=302, staff=403)


@dataclass
class Route:
    url: Callable[[dict], str]
    get: dict[str, int] | Staff | None = None
    post: dict[str, int] | Staff | None = None
    data: Callable[[dict], dict] = field(default=lambda ctx: {})


def exercise_translation_data(ctx: dict) -> dict:
    # One step per English cue of the clinic's own exercise (exercise_form_data's).
    # A translated step keeps its English step's amounts in braces and types no number.
    from programs.dosage import PLACEHOLDER_PATTERN
    from programs.models import Exercise

    placeholders = PLACEHOLDER_PATTERN.findall
    cues = Exercise.objects.get(uuid=ctx["own_exercise"]).cues.order_by("order")
    return {
        "name": "Puente",
        "lay_name": "Levanta la cadera",
        **{
            f"cue_{n}": " ".join(["Paso", *(f"{{{name}}}" for name in placeholders(cue.text))])
            for n, cue in enumerate(cues, start=1)
        },
    }


def patient_form_data(ctx: dict) -> dict:
    return {
        "first_name": "Rita",
        "last_name": "Novak",
        "date_of_birth": "1970-01-02",
        "email": "",
        "phone": "",
        "preferred_language": "en",
        "clinician": "",
    }


A1 = "/portal/patients/{a1}/"
A1_PROGRAM = "/portal/patients/{a1}/programs/{program}/"


def a1_program(c: dict, suffix: str) -> str:
    return A1_PROGRAM.format(a1=c["a1"], program=c["program"]) + suffix


def screen_seen(c: dict) -> str:
    """The version of the patient's latest screen, as the chart's decision form sends it."""
    return RedFlagScreen.objects.filter(patient__uuid=c["a1"]).first().version()


def builder_save_data(c: dict) -> dict:
    """A valid builder submission: the program's fields and one item, saved."""
    return {
        "action": "save",
        "revision": "1",
        "title": "Edited",
        "status": "active",
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "0",
        "items-0-exercise": str(c["shared_exercise"]),
        "items-0-sets": "2",
        "items-0-reps": "10",
        "items-0-hold_seconds": "0",
        "items-0-rest_seconds": "0",
        "items-0-times_per_day": "1",
        "items-0-days_per_week": "7",
        "items-0-side": "both",
    }


def exercise_form_data(c: dict) -> dict:
    return {
        "name": "Towel squeeze",
        "lay_name": "Squeeze a towel between your knees",
        "category": "strength",
        "position": "sitting",
        "style": "isometric",
        "regions": ["knee"],
        "equipment": ["chair"],
        "cue_setup": "Sit with a rolled towel between your knees.",
        "cue_movement": "Squeeze the towel and hold.",
        "sets": "1",
        "reps": "10",
        "hold_seconds": "5",
        "rest_seconds": "0",
        "times_per_day": "1",
        "days_per_week": "7",
        "side": "both",
    }


# Members of clinic A may switch to it; anyone else is told it does not exist.
SWITCH_TO_A = expect(
    404,
    anonymous=302,
    patients=403,
    clinician_a=302,
    admin_a=302,
    frontdesk_a=302,
    clinician_ab_in_a=302,
    clinician_ab_in_b=302,
)

ROUTES: dict[str, Route] = {
    "": Route(lambda c: "/", get=expect(302), post=NOT_ALLOWED),
    "healthz": Route(lambda c: "/healthz", get=PUBLIC, post=NOT_ALLOWED),
    "healthz/live": Route(lambda c: "/healthz/live", get=PUBLIC, post=NOT_ALLOWED),
    # The link moves its token into the session and redirects; the page then reads it
    # from there. Without a token in the session, the page says the link is not valid.
    "invite/<str:token>/": Route(
        lambda c: f"/invite/{c['token']}/", get=expect(302), post=NOT_ALLOWED
    ),
    # The invitation page's own "Sign out": signs out, keeping the link, and goes back to it.
    "invite/sign-out/": Route(lambda c: "/invite/sign-out/", get=NOT_ALLOWED, post=expect(302)),
    "invite/": Route(
        lambda c: "/invite/",
        get=expect(410),
        post=expect(410),
        data=lambda c: {
            "new_password1": "a long new passphrase",
            "new_password2": "a long new passphrase",
        },
    ),
    "start/<uuid:clinic_uuid>/": Route(
        lambda c: f"/start/{c['clinic_a']}/",
        get=PUBLIC,
        post=expect(302),
        data=lambda c: {"email": "someone@example.test"},
    ),
    # The search form is posted (its term must not sit in the URL) and redirects.
    "portal/": Route(
        lambda c: "/portal/",
        get=Staff(200, "clinic"),
        post=Staff(302, "clinic"),
        data=lambda c: {"q": "Okafor", "sort": "name"},
    ),
    "portal/clinics/": Route(
        lambda c: "/portal/clinics/",
        get=expect(200, anonymous=302, patients=403),
        post=NOT_ALLOWED,
    ),
    "portal/clinics/switch/": Route(
        lambda c: "/portal/clinics/switch/",
        get=NOT_ALLOWED,
        post=SWITCH_TO_A,
        data=lambda c: {"clinic": str(c["clinic_a"])},
    ),
    "portal/patients/new/": Route(
        lambda c: "/portal/patients/new/",
        get=Staff(200, "clinic"),
        post=Staff(302, "clinic"),
        data=patient_form_data,
    ),
    "portal/patients/<uuid:patient_uuid>/": Route(
        lambda c: A1.format(a1=c["a1"]), get=Staff(200), post=NOT_ALLOWED
    ),
    "portal/patients/<uuid:patient_uuid>/sessions/": Route(
        lambda c: A1.format(a1=c["a1"]) + "sessions/", get=Staff(200), post=NOT_ALLOWED
    ),
    "portal/patients/<uuid:patient_uuid>/edit/": Route(
        lambda c: A1.format(a1=c["a1"]) + "edit/",
        get=Staff(200),
        post=Staff(302),
        data=lambda c: {**patient_form_data(c), "email": c["a1_email"]},
    ),
    "portal/patients/<uuid:patient_uuid>/archive/": Route(
        lambda c: A1.format(a1=c["a1"]) + "archive/", get=Staff(200), post=Staff(302)
    ),
    "portal/patients/<uuid:patient_uuid>/restore/": Route(
        lambda c: A1.format(a1=c["a1"]) + "restore/", get=NOT_ALLOWED, post=Staff(302)
    ),
    "portal/patients/<uuid:patient_uuid>/invitation/": Route(
        lambda c: A1.format(a1=c["a2"]) + "invitation/",
        get=NOT_ALLOWED,
        post=Staff(302),
        data=lambda c: {"delivery": "email"},
    ),
    "portal/patients/<uuid:patient_uuid>/reminders/": Route(
        lambda c: A1.format(a1=c["a1"]) + "reminders/",
        get=NOT_ALLOWED,
        post=Staff(302),
        data=lambda c: {"enabled": "on", "consent": "on", "time_of_day": "18:00"},
    ),
    "portal/patients/<uuid:patient_uuid>/outcomes/schedules/<uuid:schedule_uuid>/end/": Route(
        lambda c: A1.format(a1=c["a1"]) + f"outcomes/schedules/{c['a1_schedule']}/end/",
        get=NOT_ALLOWED,
        post=Staff(302),
    ),
    "portal/preferences/": Route(
        lambda c: "/portal/preferences/",
        get=Staff(200, "clinic"),
        post=Staff(302, "clinic"),
        data=lambda c: {"weekly_digest": "on"},
    ),
    # Only A1 has a program (and so warning signs to tick); the others see an empty list.
    "me/symptoms/": Route(
        lambda c: "/me/symptoms/",
        get=PATIENT_PAGE,
        post=expect(200, patient_a1=302, anonymous=302, staff=403),
        data=lambda c: {"signs": "pain spreads further down your leg"},
    ),
    # Nothing reported in this matrix: every patient is sent back to Today.
    "me/advice/": Route(lambda c: "/me/advice/", get=expect(302, staff=403), post=NOT_ALLOWED),
    "me/reminders/": Route(
        lambda c: "/me/reminders/",
        get=PATIENT_PAGE,
        post=expect(302, anonymous=302, staff=403),
        data=lambda c: {"enabled": "on", "consent": "on", "time_of_day": "18:00"},
    ),
    # The token is the key (no sign-in): anyone holding it may stop the reminders.
    "reminders/stop/<str:token>/": Route(
        lambda c: f"/reminders/stop/{c['reminder_token']}/", get=PUBLIC, post=PUBLIC
    ),
    # Sent from the confirmation page; without `confirm` the POST only asks (200).
    "portal/patients/<uuid:patient_uuid>/invitation/cancel/": Route(
        lambda c: A1.format(a1=c["a2"]) + "invitation/cancel/",
        get=NOT_ALLOWED,
        post=Staff(302),
        data=lambda c: {"confirm": "1"},
    ),
    "portal/patients/<uuid:patient_uuid>/programs/start/": Route(
        lambda c: A1.format(a1=c["a1"]) + "programs/start/",
        get=NOT_ALLOWED,
        post=Staff(302),
        data=lambda c: {"template": str(c["shared_template"]), "confirm": "1"},
    ),
    "portal/patients/<uuid:patient_uuid>/programs/<uuid:program_uuid>/edit/": Route(
        lambda c: a1_program(c, "edit/"), get=Staff(200), post=Staff(302), data=builder_save_data
    ),
    "portal/patients/<uuid:patient_uuid>/programs/<uuid:program_uuid>/history/": Route(
        lambda c: a1_program(c, "history/"), get=Staff(200), post=NOT_ALLOWED
    ),
    "portal/patients/<uuid:patient_uuid>/programs/<uuid:program_uuid>/status/": Route(
        lambda c: a1_program(c, "status/"),
        get=NOT_ALLOWED,
        post=Staff(302),
        data=lambda c: {"status": "paused"},
    ),
    "portal/patients/<uuid:patient_uuid>/programs/<uuid:program_uuid>/save-as-template/": Route(
        lambda c: a1_program(c, "save-as-template/"),
        get=NOT_ALLOWED,
        post=Staff(302),
        data=lambda c: {"title": "Our back plan"},
    ),
    "portal/patients/<uuid:patient_uuid>/programs/<uuid:program_uuid>/handout.pdf": Route(
        lambda c: a1_program(c, "handout.pdf"), get=Staff(202), post=NOT_ALLOWED
    ),
    "portal/patients/<uuid:patient_uuid>/programs/<uuid:program_uuid>/handout/email/": Route(
        lambda c: a1_program(c, "handout/email/"), get=Staff(200), post=Staff(302)
    ),
    "portal/clinic/": Route(
        lambda c: "/portal/clinic/",
        get=Staff(200, "clinic"),
        post=Staff(302, "clinic"),
        data=lambda c: {
            "name": "Clinic renamed",
            "timezone": "Europe/London",
            "paper_size": "a4",
            "emergency_region": "uk",
            "phone": "+1 555 0100",
        },
    ),
    # Clinic A has a logo in this matrix; clinic B has none.
    "portal/clinic/sign-in-cards/": Route(
        lambda c: "/portal/clinic/sign-in-cards/", get=Staff(200, "clinic"), post=NOT_ALLOWED
    ),
    "portal/clinic/logo/": Route(
        lambda c: "/portal/clinic/logo/", get=Staff(200), post=NOT_ALLOWED
    ),
    "portal/patients/<uuid:patient_uuid>/flags/<uuid:flag_uuid>/review/": Route(
        lambda c: A1.format(a1=c["a1"]) + f"flags/{c['a1_flag']}/review/",
        get=NOT_ALLOWED,
        post=Staff(302),
    ),
    "portal/patients/<uuid:patient_uuid>/measures/": Route(
        lambda c: A1.format(a1=c["a1"]) + "measures/", get=Staff(200), post=NOT_ALLOWED
    ),
    "portal/patients/<uuid:patient_uuid>/measures/new/": Route(
        lambda c: A1.format(a1=c["a1"]) + "measures/new/",
        get=Staff(200),
        post=Staff(302),
        data=lambda c: {"measured_on": date.today().isoformat(), "schober": "3"},
    ),
    "portal/patients/<uuid:patient_uuid>/measures/<uuid:measurement_uuid>/correct/": Route(
        lambda c: A1.format(a1=c["a1"]) + f"measures/{c['a1_measurement']}/correct/",
        get=Staff(200),
        post=Staff(302),
        data=lambda c: {"value": "4"},
    ),
    "portal/patients/<uuid:patient_uuid>/outcomes/<slug:code>/new/": Route(
        lambda c: A1.format(a1=c["a1"]) + "outcomes/nprs/new/",
        get=Staff(200),
        post=Staff(302),
        data=lambda c: {
            "completed_on": date.today().isoformat(),
            "best": "2",
            "worst": "6",
            "now": "4",
        },
    ),
    "portal/patients/<uuid:patient_uuid>/outcomes/assign/": Route(
        lambda c: A1.format(a1=c["a1"]) + "outcomes/assign/",
        get=NOT_ALLOWED,
        post=Staff(302),
        data=lambda c: {"code": "rmdq"},
    ),
    "portal/patients/<uuid:patient_uuid>/intake/": Route(
        lambda c: A1.format(a1=c["a1"]) + "intake/",
        get=Staff(200),
        post=Staff(302),
        data=lambda c: {"diagnosis": "Low back pain", "region": "low_back"},
    ),
    "portal/patients/<uuid:patient_uuid>/screen/": Route(
        lambda c: A1.format(a1=c["a1"]) + "screen/",
        get=Staff(200),
        post=Staff(302),
        data=lambda c: {
            "kind": "general",
            **dict.fromkeys(("trauma", "hot_joint", "clot", "neurology", "cancer", "fever"), "no"),
        },
    ),
    "portal/patients/<uuid:patient_uuid>/goals/new/": Route(
        lambda c: A1.format(a1=c["a1"]) + "goals/new/",
        get=Staff(200),
        post=Staff(302),
        data=lambda c: {
            "text": "Walk to the shops",
            "tracks": "nprs",
            "target": "3",
            "target_on": (date.today() + timedelta(days=60)).isoformat(),
        },
    ),
    "portal/patients/<uuid:patient_uuid>/goals/<uuid:goal_uuid>/status/": Route(
        lambda c: A1.format(a1=c["a1"]) + f"goals/{c['a1_goal']}/status/",
        get=NOT_ALLOWED,
        post=Staff(302),
        data=lambda c: {"status": "met"},
    ),
    # Discharged with the letter: on to the letter's page (302).
    "portal/patients/<uuid:patient_uuid>/discharge/": Route(
        lambda c: A1.format(a1=c["a1"]) + "discharge/",
        get=Staff(200),
        post=Staff(302),
        data=lambda c: {
            "discharged_on": date.today().isoformat(),
            "program": str(c["program"]),
            "summary": "Back to work",
            # No maintenance copy: the matrix's patient has an undecided positive screen.
            "letter": "on",
            f"goal_{c['a1_goal_pk']}": "met",
        },
    ),
    "portal/patients/<uuid:patient_uuid>/screen/decision/": Route(
        lambda c: A1.format(a1=c["a1"]) + "screen/decision/",
        get=NOT_ALLOWED,
        post=Staff(302),
        data=lambda c: {"decision": "cleared", "note": "Assessed", "seen": screen_seen(c)},
    ),
    # Nothing is ready to progress in the matrix's data: the chart says so (302).
    "portal/patients/<uuid:patient_uuid>/programs/<uuid:program_uuid>/progress/": Route(
        lambda c: a1_program(c, "progress/"),
        get=NOT_ALLOWED,
        post=Staff(302),
        data=lambda c: {"item": str(c["a1_item"]), "revision": "1"},
    ),
    "portal/patients/<uuid:patient_uuid>/programs/<uuid:program_uuid>/precautions/": Route(
        lambda c: a1_program(c, "precautions/"),
        get=NOT_ALLOWED,
        post=Staff(302),
        data=lambda c: {
            "exercise": str(c["a1_conflict_exercise"]),
            "precaution": "hip_posterior",
            "reason": "Within 90 degrees, checked",
        },
    ),
    # A successful POST asks the worker for the PDF and goes to its page (302).
    "portal/patients/<uuid:patient_uuid>/report/": Route(
        lambda c: A1.format(a1=c["a1"]) + "report/",
        get=Staff(200),
        post=Staff(302),
        data=lambda c: {"start": "2026-01-01", "end": date.today().isoformat(), "narrative": "x"},
    ),
    # The report's page: "being prepared" (202) until the worker has made it.
    "portal/patients/<uuid:patient_uuid>/report/<uuid:job_uuid>/": Route(
        lambda c: A1.format(a1=c["a1"]) + f"report/{c['a1_report']}/",
        get=Staff(202),
        post=NOT_ALLOWED,
    ),
    "portal/patients/<uuid:patient_uuid>/export.csv": Route(
        lambda c: A1.format(a1=c["a1"]) + "export.csv", get=Staff(200), post=NOT_ALLOWED
    ),
    "portal/library/": Route(
        lambda c: "/portal/library/", get=Staff(200, "clinic"), post=NOT_ALLOWED
    ),
    "portal/library/new/": Route(
        lambda c: "/portal/library/new/",
        get=Staff(200, "clinic"),
        post=Staff(302, "clinic"),
        data=exercise_form_data,
    ),
    "portal/library/<uuid:exercise_uuid>/": Route(
        lambda c: f"/portal/library/{c['own_exercise']}/", get=Staff(200), post=NOT_ALLOWED
    ),
    "portal/library/<uuid:exercise_uuid>/edit/": Route(
        lambda c: f"/portal/library/{c['own_exercise']}/edit/",
        get=Staff(200),
        post=Staff(302),
        data=exercise_form_data,
    ),
    "portal/library/<uuid:exercise_uuid>/translations/<slug:language>/": Route(
        lambda c: f"/portal/library/{c['own_exercise']}/translations/es/",
        get=Staff(200),
        post=Staff(302),
        data=exercise_translation_data,
    ),
    "portal/library/<uuid:exercise_uuid>/copy/": Route(
        lambda c: f"/portal/library/{c['shared_exercise']}/copy/",
        get=NOT_ALLOWED,
        post=Staff(302, "clinic"),
    ),
    "portal/library/<uuid:exercise_uuid>/photo/": Route(
        lambda c: f"/portal/library/{c['own_exercise']}/photo/", get=Staff(200), post=NOT_ALLOWED
    ),
    "portal/templates/": Route(
        lambda c: "/portal/templates/", get=Staff(200, "clinic"), post=NOT_ALLOWED
    ),
    "portal/templates/new/": Route(
        lambda c: "/portal/templates/new/", get=NOT_ALLOWED, post=Staff(302, "clinic")
    ),
    "portal/templates/<uuid:program_uuid>/edit/": Route(
        lambda c: f"/portal/templates/{c['own_template']}/edit/",
        get=Staff(200),
        post=Staff(302),
        data=builder_save_data,
    ),
    "portal/staff/": Route(
        lambda c: "/portal/staff/",
        get=Staff(200, "clinic"),
        post=Staff(302, "clinic"),
        data=lambda c: {
            "full_name": "New Person",
            "email": "new.person@example.test",
            "role": "clinician",
        },
    ),
    "portal/staff/<uuid:membership_uuid>/": Route(
        lambda c: f"/portal/staff/{c['clinician_a_membership']}/",
        get=NOT_ALLOWED,
        post=Staff(302),
        data=lambda c: {"action": "role", "role": "admin"},
    ),
    "portal/staff/<uuid:membership_uuid>/confirm/": Route(
        lambda c: f"/portal/staff/{c['clinician_a_membership']}/confirm/?action=deactivate",
        get=Staff(200),
        post=NOT_ALLOWED,
    ),
    "portal/staff/invitations/<uuid:invitation_uuid>/cancel/": Route(
        lambda c: f"/portal/staff/invitations/{c['staff_invitation']}/cancel/",
        get=NOT_ALLOWED,
        post=Staff(302),
        data=lambda c: {"confirm": "1"},
    ),
    "portal/audit/": Route(lambda c: "/portal/audit/", get=Staff(200, "clinic"), post=NOT_ALLOWED),
    "portal/clinic/api-tokens/": Route(
        lambda c: "/portal/clinic/api-tokens/",
        get=Staff(200, "clinic"),
        post=Staff(200, "clinic"),
        data=lambda c: {
            "name": "EHR sync",
            "scope": ["patients.view"],
            "expires_on": date.today().replace(year=date.today().year + 1).isoformat(),
        },
    ),
    "portal/clinic/api-tokens/<uuid:token_uuid>/revoke/": Route(
        lambda c: f"/portal/clinic/api-tokens/{c['a_token']}/revoke/",
        get=NOT_ALLOWED,
        post=Staff(302),
        data=lambda c: {"confirm": "1"},
    ),
    # The API's schema and its documentation page hold no clinic data.
    "api/v1/schema/": Route(lambda c: "/api/v1/schema/", get=PUBLIC, post=NOT_ALLOWED),
    "api/v1/docs/": Route(lambda c: "/api/v1/docs/", get=PUBLIC, post=NOT_ALLOWED),
    "me/": Route(lambda c: "/me/", get=PATIENT_PAGE, post=NOT_ALLOWED),
    "me/log/": Route(
        lambda c: "/me/log/",
        get=NOT_ALLOWED,
        # Patients without a program (A2, B1) are sent back with a message, nothing saved.
        post=expect(302, staff=403),
        data=lambda c: {"client_token": "matrix-token", f"done_{c['a1_item']}": "on", "pain": "2"},
    ),
    # A session kept on the phone while offline; A2 and B1 have no program to log against.
    "me/log/sync": Route(
        lambda c: "/me/log/sync",
        get=NOT_ALLOWED,
        post=expect(409, patient_a1=200, anonymous=302, staff=403),
        data=lambda c: {
            "client_token": "matrix-offline",
            f"done_{c['a1_item']}": "on",
            "pain": "2",
            "made_at": str(int(time.time() * 1000)),
        },
    ),
    # The patient app's service worker: a static file, no data.
    "me/sw.js": Route(lambda c: "/me/sw.js", get=PUBLIC, post=NOT_ALLOWED),
    # The page it shows offline: the same for everyone, no data.
    "me/offline/": Route(lambda c: "/me/offline/", get=PUBLIC, post=NOT_ALLOWED),
    "me/log/edit/": Route(
        lambda c: "/me/log/edit/", get=expect(302, staff=403), post=expect(302, staff=403)
    ),
    "me/morning/": Route(
        lambda c: "/me/morning/",
        get=NOT_ALLOWED,
        post=expect(302, staff=403),
        data=lambda c: {"compared": "same", "pain": "2"},
    ),
    # Only A1 has a questionnaire waiting; the others are sent home with a message.
    "me/questionnaire/": Route(
        lambda c: "/me/questionnaire/",
        get=expect(302, patient_a1=200, staff=403),
        post=expect(302, staff=403),
        data=lambda c: {"best": "1", "worst": "5", "now": "3", "assignment": c["a1_waiting"]},
    ),
    "me/progress/": Route(lambda c: "/me/progress/", get=PATIENT_PAGE, post=NOT_ALLOWED),
    "me/program/": Route(lambda c: "/me/program/", get=PATIENT_PAGE, post=NOT_ALLOWED),
    # The clinic's own photo is in A1's program only: any other patient is told it is not
    # there, as for an exercise of no program of theirs.
    "me/program/photo/": Route(
        lambda c: f"/me/program/photo/?exercise={c['own_exercise']}",
        get=expect(404, patient_a1=200, anonymous=302, staff=403),
        post=NOT_ALLOWED,
    ),
    # Only A1 has a program in this matrix; the others are sent home with a message.
    "me/handout.pdf": Route(
        lambda c: "/me/handout.pdf", get=expect(302, patient_a1=202, staff=403), post=NOT_ALLOWED
    ),
    # django-allauth's account pages. Signed-in users are sent away from the
    # sign-in and sign-up pages; sign-up itself is closed (clinics invite people).
    # allauth's two-factor pages. Turning it on asks for the password again first (302);
    # pages about a factor not set up yet do not exist for that user (404).
    "accounts/2fa/": Route(
        lambda c: "/accounts/2fa/", get=expect(200, anonymous=302), post=expect(405, anonymous=302)
    ),
    "accounts/2fa/authenticate/": Route(
        lambda c: "/accounts/2fa/authenticate/", get=expect(302), post=expect(302)
    ),
    "accounts/2fa/reauthenticate/": Route(
        lambda c: "/accounts/2fa/reauthenticate/", get=expect(302), post=expect(302)
    ),
    "accounts/2fa/totp/activate/": Route(
        lambda c: "/accounts/2fa/totp/activate/", get=expect(302), post=expect(302)
    ),
    "accounts/2fa/totp/deactivate/": Route(
        lambda c: "/accounts/2fa/totp/deactivate/",
        get=expect(404, anonymous=302),
        post=expect(404, anonymous=302),
    ),
    "accounts/2fa/recovery-codes/": Route(
        lambda c: "/accounts/2fa/recovery-codes/",
        get=expect(404, anonymous=302),
        post=expect(405, anonymous=302),
    ),
    "accounts/2fa/recovery-codes/generate/": Route(
        lambda c: "/accounts/2fa/recovery-codes/generate/", get=expect(302), post=expect(302)
    ),
    "accounts/2fa/recovery-codes/download/": Route(
        lambda c: "/accounts/2fa/recovery-codes/download/",
        get=expect(404, anonymous=302),
        post=expect(404, anonymous=302),
    ),
    # Asked by a page before it sends a form: 401 when signed out; an empty stamp is no
    # page of anyone's (409).
    "session/check": Route(
        lambda c: "/session/check", get=NOT_ALLOWED, post=expect(409, anonymous=401)
    ),
    "session/signed-in/": Route(
        lambda c: "/session/signed-in/", get=expect(200, anonymous=302), post=NOT_ALLOWED
    ),
    "session/keepalive": Route(
        lambda c: "/session/keepalive", get=NOT_ALLOWED, post=expect(204, anonymous=401)
    ),
    "accounts/email/": Route(lambda c: "/accounts/email/", get=expect(302), post=NOT_ALLOWED),
    "accounts/login/": Route(
        lambda c: "/accounts/login/",
        get=expect(302, anonymous=200),
        post=expect(302, anonymous=200),
        data=lambda c: {"login": "nobody@example.test", "password": "wrong password here"},
    ),
    "accounts/logout/": Route(
        lambda c: "/accounts/logout/", get=expect(200, anonymous=302), post=expect(302)
    ),
    "accounts/inactive/": Route(lambda c: "/accounts/inactive/", get=PUBLIC, post=NOT_ALLOWED),
    "accounts/signup/": Route(
        lambda c: "/accounts/signup/",
        get=expect(302, anonymous=200),
        post=expect(302, anonymous=200),
        data=lambda c: {"email": "x@example.test", "password1": "p" * 14, "password2": "p" * 14},
    ),
    "accounts/reauthenticate/": Route(
        lambda c: "/accounts/reauthenticate/", get=expect(200, anonymous=302), post=None
    ),
    "accounts/confirm-email/": Route(
        lambda c: "/accounts/confirm-email/", get=PUBLIC, post=NOT_ALLOWED
    ),
    "accounts/password/change/": Route(
        lambda c: "/accounts/password/change/", get=expect(200, anonymous=302), post=None
    ),
    "accounts/password/set/": Route(
        lambda c: "/accounts/password/set/", get=expect(302), post=None
    ),
    "accounts/password/reset/": Route(
        lambda c: "/accounts/password/reset/",
        get=PUBLIC,
        post=expect(302),
        data=lambda c: {"email": "nobody@example.test"},
    ),
    "accounts/login/code/": Route(
        lambda c: "/accounts/login/code/",
        get=expect(302, anonymous=200),
        post=expect(302, anonymous=302),
        data=lambda c: {"email": "nobody@example.test"},
    ),
    "accounts/login/code/confirm/": Route(
        # Without a code requested first, allauth sends everyone back to sign-in.
        lambda c: "/accounts/login/code/confirm/",
        get=expect(302),
        post=expect(302),
    ),
    "accounts/^confirm-email/(?P<key>[-:\\w]+)/$": Route(
        lambda c: "/accounts/confirm-email/not-a-real-key/", get=PUBLIC, post=None
    ),
    "accounts/password/reset/key/done/": Route(
        lambda c: "/accounts/password/reset/key/done/", get=PUBLIC, post=None
    ),
    "accounts/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$": Route(
        lambda c: "/accounts/password/reset/key/1-not-a-real-key/", get=PUBLIC, post=None
    ),
    "accounts/password/reset/done/": Route(
        lambda c: "/accounts/password/reset/done/", get=PUBLIC, post=None
    ),
}


# The API answers a signed-in session like anyone without a token: 401. What each token
# may do is in API_ROUTES below, derived from the capability table like Staff above.
NO_TOKEN = expect(401)
for _pattern in (
    "library/",
    "library/<uuid:exercise_uuid>/",
    "templates/",
    "templates/<uuid:program_uuid>/",
    "patients/",
    "patients/search/",
    "outcomes/",
    "patients/<uuid:patient_uuid>/",
    "patients/<uuid:patient_uuid>/programs/",
    "patients/<uuid:patient_uuid>/programs/<uuid:program_uuid>/",
    "patients/<uuid:patient_uuid>/sessions/",
    "patients/<uuid:patient_uuid>/morning-checks/",
    "patients/<uuid:patient_uuid>/measurements/",
    "patients/<uuid:patient_uuid>/outcomes/",
    "patients/<uuid:patient_uuid>/flags/",
    "patients/<uuid:patient_uuid>/flags/<uuid:flag_uuid>/resolve/",
):
    ROUTES["api/v1/" + _pattern] = Route(
        lambda c, p=_pattern: "/api/v1/" + api_url(c, p), get=NO_TOKEN, post=NO_TOKEN
    )


FHIR_PATTERNS = {
    "fhir/R4/Patient": lambda c: "/fhir/R4/Patient",
    "fhir/R4/Patient/<uuid:patient_uuid>": lambda c: f"/fhir/R4/Patient/{c['a1']}",
    "fhir/R4/Patient/<uuid:patient_uuid>/$everything": (
        lambda c: f"/fhir/R4/Patient/{c['a1']}/$everything"
    ),
    "fhir/R4/Practitioner": lambda c: "/fhir/R4/Practitioner",
    "fhir/R4/Practitioner/<uuid:user_uuid>": (
        lambda c: f"/fhir/R4/Practitioner/{c['clinician_a_uuid']}"
    ),
    "fhir/R4/Organization": lambda c: "/fhir/R4/Organization",
    "fhir/R4/Organization/<uuid:clinic_uuid>": lambda c: f"/fhir/R4/Organization/{c['clinic_a']}",
    "fhir/R4/CarePlan": lambda c: "/fhir/R4/CarePlan",
    "fhir/R4/CarePlan/<uuid:program_uuid>": lambda c: f"/fhir/R4/CarePlan/{c['program']}",
    "fhir/R4/Observation": lambda c: "/fhir/R4/Observation",
    "fhir/R4/Observation/<str:observation_id>": (
        lambda c: f"/fhir/R4/Observation/m-{c['a1_measurement']}"
    ),
    "fhir/R4/QuestionnaireResponse": lambda c: "/fhir/R4/QuestionnaireResponse",
    "fhir/R4/QuestionnaireResponse/<uuid:response_uuid>": (
        lambda c: f"/fhir/R4/QuestionnaireResponse/{c['a1_outcome']}"
    ),
}
for _pattern, _url in FHIR_PATTERNS.items():
    ROUTES[_pattern] = Route(_url, get=NO_TOKEN, post=NO_TOKEN)
ROUTES["fhir/R4/metadata"] = Route(lambda c: "/fhir/R4/metadata", get=PUBLIC, post=NOT_ALLOWED)
# Every other address under the API's prefixes: its own 404 body, to anyone (which
# addresses exist is public: the schema, the CapabilityStatement).
ROUTES["api/v1/.*"] = Route(lambda c: "/api/v1/no-such-thing/", get=expect(404), post=expect(404))
ROUTES["fhir/R4/.*"] = Route(lambda c: "/fhir/R4/Encounter", get=expect(404), post=expect(404))


def api_url(c: dict, pattern: str) -> str:
    if pattern.startswith("templates/<"):
        return f"templates/{c['own_template']}/"
    return (
        pattern.replace("<uuid:exercise_uuid>", str(c["own_exercise"]))
        .replace("<uuid:program_uuid>/", f"{c['program']}/")
        .replace("<uuid:patient_uuid>", str(c["a1"]))
        .replace("<uuid:flag_uuid>", str(c["a1_flag"]))
    )


def all_patterns(patterns=None, prefix: str = "", namespace: str = "") -> list[tuple[str, str]]:
    """(namespace, full pattern) for every URL pattern, included ones too."""
    found = []
    for item in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(item, URLResolver):
            found += all_patterns(
                item.url_patterns, prefix + str(item.pattern), item.namespace or namespace
            )
        elif isinstance(item, URLPattern):
            found.append((namespace, prefix + str(item.pattern)))
    return found


def test_every_url_pattern_is_in_the_matrix():
    ours = {pattern for namespace, pattern in all_patterns() if namespace != "admin"}
    assert ours - set(ROUTES) == set(), "add these URL patterns to the permission matrix"
    assert set(ROUTES) - ours == set(), "these matrix entries match no URL pattern any more"


def _view(ctx: dict, route: Route):
    return resolve(urlsplit(route.url(ctx)).path).func


def test_every_view_of_ours_declares_who_it_is_for(ctx):
    """A view without a capability or an audience is a view nobody decided about."""
    for pattern, route in ROUTES.items():
        if pattern.startswith("accounts/"):
            continue  # allauth's own views, each listed with its answers above
        view = _view(ctx, route)
        declared = getattr(view, "required_capability", None) or getattr(view, "audience", None)
        assert declared, f"{pattern}: decorate its view with a clinic.permissions decorator"
        uses_staff_rule = isinstance(route.get, Staff) or isinstance(route.post, Staff)
        assert uses_staff_rule == hasattr(view, "required_capability"), pattern


def expected_status(ctx: dict, route: Route, method: str, persona: str) -> int:
    rule = getattr(route, method)
    if isinstance(rule, Staff):
        return rule.expected(_view(ctx, route).required_capability)[persona]
    return rule[persona]


# Everything a denied request must not change: (model, the fields compared; all when empty).
_SNAPSHOT_ROWS: dict[str, tuple[type[models.Model], tuple[str, ...]]] = {
    "patients": (Patient, ()),
    "memberships": (Membership, ()),
    "users": (User, ("pk", "email", "password", "is_active")),
    "invitations": (Invitation, ()),
    "programs": (Program, ()),
    "items": (ProgramItem, ()),
    "exercises": (Exercise, ()),
    "clinics": (Clinic, ()),
    "prints": (HandoutPrint, ()),
    "sessions": (SessionLog, ()),
    "flags": (Flag, ()),
    "checks": (MorningCheck, ()),
    "measurements": (Measurement, ()),
    "outcomes": (OutcomeResponse, ()),
    "assignments": (OutcomeAssignment, ()),
    "schedules": (OutcomeSchedule, ()),
    "reminders": (ReminderSetting, ()),
    "authenticators": (Authenticator, ("pk", "user_id")),
    "render_jobs": (RenderJob, ()),
    "intakes": (Intake, ()),
    "screens": (RedFlagScreen, ()),
    "precaution_decisions": (PrecautionDecision, ()),
    "goals": (Goal, ()),
    "discharges": (Discharge, ()),
    "emails": (OutgoingEmail, ()),
    # Calls count against a token's rate limit even when refused; the rest must stay.
    "api_tokens": (ApiToken, ("pk", "name", "scope", "expires_at", "revoked_at")),
}


def snapshot(tables: set[str] | None = None) -> dict:
    """The rows of every snapshot table, or only of `tables` (table names)."""
    return {
        name: list(model.objects.order_by("pk").values(*fields))
        for name, (model, fields) in _SNAPSHOT_ROWS.items()
        if tables is None or model._meta.db_table in tables
    }


SNAPSHOT_TABLES = {model._meta.db_table for model, _ in _SNAPSHOT_ROWS.values()}


def send_changing_nothing_if(denied: Callable, send: Callable, what) -> HttpResponse:
    """Send the request; when `denied(response)`, check it changed no row the snapshot
    holds. It is sent in a savepoint: only when it wrote to one of those tables is the
    snapshot read, with its writes, then again after they are rolled back: only the
    tables it wrote to (one not written to cannot have changed), or all of them when a
    write's table could not be read."""
    with transaction.atomic():
        with tables_written() as written:
            response = send()
        with_writes = None
        touched = written & (SNAPSHOT_TABLES | {UNKNOWN_TABLE})
        if denied(response) and touched:
            tables = None if UNKNOWN_TABLE in touched else touched
            with_writes = snapshot(tables)
            transaction.set_rollback(True)
    if with_writes is not None:
        assert with_writes == snapshot(tables), f"denied request changed rows: {what}"
    return response


def build_ctx(world: dict) -> dict:
    """Everything the routes point at: a program, a flag, a measurement, invitations..."""
    personas = persona_map(world)
    patient_a1, patient_a2 = world["patient_a1"], world["patient_a2"]
    clinician_a, admin_a, clinic_a = world["clinician_a"], world["admin_a"], world["clinic_a"]
    admin = actor_of(admin_a)
    _invitation, token = invitation_issue(
        actor=admin,
        kind=Invitation.Kind.PATIENT,
        channel=Invitation.Channel.EMAIL,
        email=patient_a2.email,
        clinic=clinic_a,
        patient_uuid=patient_a2.uuid,
    )
    staff_invitation, _ = invitation_issue(
        actor=admin,
        kind=Invitation.Kind.STAFF,
        channel=Invitation.Channel.EMAIL,
        email="newcomer@example.test",
        clinic=clinic_a,
        role=Membership.Role.CLINICIAN,
    )
    shared_template = Program.objects.get(template_key="low-back-early-movement")
    program = patient_program_start(actor=admin, patient=patient_a1, source=shared_template)
    shared = Exercise.objects.get(slug="cat-cow", clinic=None)
    own = exercise_copy(actor=admin, source=shared)
    own.photo.save("matrix.png", ContentFile(TINY_PNG), save=True)
    clinic_a.logo.save(f"{clinic_a.uuid}/logo.png", ContentFile(TINY_PNG))
    own_template = program_copy(
        source=shared_template, clinic=clinic_a, actor=admin, as_template=True
    )
    flag = FlagFactory(patient=patient_a1, reason="Pain 8/10", raised_on=date.today())
    visit = VisitFactory(patient=patient_a1, measured_on=date.today())
    measurement = MeasurementFactory(visit=visit)
    waiting = OutcomeAssignmentFactory(patient=patient_a1, code="nprs")
    schedule = OutcomeSchedule.objects.create(patient=patient_a1, code="rmdq", every_weeks=4)
    reminders = ReminderSetting.objects.create(
        patient=patient_a1, enabled=True, consent_at=timezone.now(), unsubscribe_token="matrix-stop"
    )
    # A positive screen to decide on, and a precaution the program conflicts with.
    RedFlagScreenFactory(patient=patient_a1, kind="low_back", answers={"saddle": True})
    IntakeFactory(
        patient=patient_a1, diagnosis="Hip replacement", region="hip", precautions=["hip_posterior"]
    )
    conflicting = Exercise.objects.get(slug="knee-to-chest-single", clinic=None)
    ProgramItem.objects.create(program=program, exercise=conflicting, order=99)
    # The clinic's own exercise, with its photo, is in the patient's program too.
    ProgramItem.objects.create(program=program, exercise=own, order=98)
    report = report_request(
        patient_a1,
        ReportRequest(start=date.today(), end=date.today(), narrative="Matrix"),
        author=clinician_a,
    )
    from clinic.api.tokens import api_token_create

    a_token, _raw = api_token_create(
        actor=admin, clinic=clinic_a, name="Matrix", scope=["patients.view"]
    )
    # An RMDQ (its wording may be shown, so FHIR has a QuestionnaireResponse); not the
    # NPRS assigned above, which must stay waiting for the patient.
    a1_outcome = outcome_record(
        patient=patient_a1,
        code="rmdq",
        answers=[True] * 4 + [False] * 20,
        completed_on=date.today(),
        actor=admin,
        source="clinician",
    )
    goal = GoalFactory(
        patient=patient_a1, text="Sleep through", target_on=date.today() + timedelta(days=30)
    )
    return {
        "a1_goal": goal.uuid,
        "a1_goal_pk": goal.pk,
        "a1_outcome": a1_outcome.uuid,
        "clinician_a_uuid": clinician_a.uuid,
        "a_token": a_token.uuid,
        "a1_report": report.uuid,
        "a1_conflict_exercise": conflicting.uuid,
        "a1_schedule": schedule.uuid,
        "reminder_token": reminders.unsubscribe_token,
        "a1_measurement": measurement.uuid,
        "a1_item": program.items.first().pk,
        "a1_flag": flag.uuid,
        "program": program.uuid,
        "shared_template": shared_template.uuid,
        "shared_exercise": shared.uuid,
        "own_exercise": own.uuid,
        "own_template": own_template.uuid,
        "personas": personas,
        "a1": patient_a1.uuid,
        "a2": patient_a2.uuid,
        "a1_email": patient_a1.email,
        "a1_waiting": str(waiting.uuid),
        "clinic_a": clinic_a.uuid,
        "token": token,
        "staff_invitation": staff_invitation.uuid,
        "clinician_a_membership": Membership.objects.get(user=clinician_a).uuid,
    }


# The world is built once per module inside a transaction that is rolled back at the end;
# each test runs in its own savepoint inside it (pytest-django's `db`), so whatever a test
# changes is undone before the next one. Building it per test was most of the matrix's
# time (thousands of cases).
WORLD_FIXTURES = (
    "clinic_a",
    "clinic_b",
    "admin_a",
    "clinician_a",
    "clinician_b",
    "frontdesk_a",
    "clinician_ab",
    "patient_a1",
    "patient_a2",
    "patient_b1",
)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("matrix-media")
    with override_settings(MEDIA_ROOT=media), kept_for_the_module(django_db_blocker):
        people = new_world()
        ctx = build_ctx(people)
        ctx["sessions"] = {
            persona: dict(client_for(user, clinic).session.items()) if user else None
            for persona, (user, clinic) in ctx["personas"].items()
        }
        yield {**people, "ctx": ctx, "media": media}


# The session clock a sign-in starts (clinic.middleware.start_session_clock).
CLOCK = (STARTED, SEEN)


def signed_in(ctx: dict, persona: str) -> Client:
    """The persona's client: a new session holding what client_for's sign-in stored once
    for the module (one INSERT, where a sign-in per case was the costliest part of a case
    after its request; test_a_matrix_session_holds_what_a_sign_in_stores keeps them the same)."""
    client = Client()
    data = ctx["sessions"][persona]
    if data is not None:
        store = import_module(settings.SESSION_ENGINE).SessionStore()
        # Its clock starts now, as a sign-in's would (else a long run would time it out).
        store.update({**data, **dict.fromkeys(CLOCK, int(time.time()))})
        store.create()
        client.cookies[settings.SESSION_COOKIE_NAME] = store.session_key
    return client


def _from_world(name: str):
    @pytest.fixture(name=name)
    def fixture(world, db):
        return world[name]

    return fixture


for _name in WORLD_FIXTURES:
    globals()[_name] = _from_world(_name)


@pytest.fixture
def ctx(world, db) -> dict:
    return world["ctx"]


@pytest.fixture
def personas(ctx) -> dict:
    return ctx["personas"]


@pytest.fixture
def _media_in_tmp(world, settings):
    """The world's files (an exercise photo, a logo) are in its own media folder."""
    settings.MEDIA_ROOT = world["media"]


CASES = [
    (pattern, method, persona)
    for pattern, route in ROUTES.items()
    for method in ("get", "post")
    if getattr(route, method) is not None
    for persona in PERSONAS
]
# With two-factor required and every staff persona enrolled, the answers must be the
# same. (The two-factor pages themselves answer differently once enrolled: left out.)
TWO_FACTOR_CASES = [case for case in CASES if not case[0].startswith("accounts/2fa/")]


@pytest.fixture(scope="module")
def enrolled_secret() -> str:
    """A TOTP secret, encrypted as allauth stores it: made once for the module."""
    from allauth.mfa.totp.internal.auth import generate_totp_secret
    from allauth.mfa.utils import encrypt

    return encrypt(generate_totp_secret())


@pytest.fixture
def two_factor_on(settings, ctx, enrolled_secret):
    settings.REQUIRE_2FA = True
    users = {ctx["personas"][name][0] for name in STAFF}
    enrolled = set(Authenticator.objects.filter(user__in=users).values_list("user_id", flat=True))
    # The row allauth's TOTP.activate saves, for every staff persona in one INSERT: an
    # activate per persona per case (a secret encrypted, a row saved) was a tenth of the
    # module's time.
    Authenticator.objects.bulk_create(
        Authenticator(user=user, type=Authenticator.Type.TOTP, data={"secret": enrolled_secret})
        for user in users
        if user.pk not in enrolled
    )


@pytest.mark.parametrize(("pattern", "method", "persona"), TWO_FACTOR_CASES)
def test_permission_matrix_with_two_factor_required(two_factor_on, ctx, pattern, method, persona):
    test_permission_matrix(ctx, pattern, method, persona)


@pytest.mark.parametrize(("pattern", "method", "persona"), CASES)
def test_permission_matrix(ctx, pattern, method, persona):
    route = ROUTES[pattern]
    expected = expected_status(ctx, route, method, persona)
    client = signed_in(ctx, persona)

    def denied(response) -> bool:
        return method == "post" and (
            expected in DENIED
            or (persona == "anonymous" and "/accounts/login/" in response.get("Location", ""))
        )

    if method == "get":
        response = client.get(route.url(ctx))
    else:
        response = send_changing_nothing_if(
            denied,
            lambda: client.post(route.url(ctx), route.data(ctx)),
            (pattern, method, persona),
        )
    assert response.status_code == expected, (pattern, method, persona)
    if expected in DENIED:
        # A refusal must not leak who the patient is.
        body = response.content.decode()
        assert "Okafor" not in body and "Silva" not in body


# Pages that show many patients at once record one event for the list, not one per
# patient: the caseload's names and figures are how staff find a patient, and the audit
# page lists who did what. A patient's own data leaves in bulk only through the API and
# FHIR, audited per patient (test_every_patient_an_api_answer_carries_is_in_the_audit_log).
LIST_PAGES = {"portal/", "portal/audit/"}


def _shown_to(route: Route, persona: str) -> bool:
    """Whether the persona's GET is answered with the page (admin_a may do everything in
    clinic A; a patient gets only the patient pages)."""
    rule = route.get
    if isinstance(rule, Staff):
        return persona in STAFF and rule.ok == 200
    return rule is not None and rule[persona] == 200


# Every page admin_a (who may do everything in clinic A) or patient_a1 is shown.
SHOWN_PAGES = [
    (pattern, persona)
    for pattern, route in ROUTES.items()
    for persona in ("admin_a", "patient_a1")
    if _shown_to(route, persona)
]


def _shown_patients(ctx: dict, response, persona: str) -> set:
    """The clinic A patients an HTML answer shows: those it names, by first name as a word
    (alone too: the confirmations speak of "Amara's current program") or as "Last, First",
    and on a page of the patient area the patient themself (each such page is their own
    record, named or not)."""
    if response.streaming or not response.get("Content-Type", "").startswith("text/html"):
        return set()
    body = response.content.decode()
    shown = {
        uuid
        for uuid, first, last in Patient.objects.filter(clinic__uuid=ctx["clinic_a"]).values_list(
            "uuid", "first_name", "last_name"
        )
        if f"{last}, {first}" in body or re.search(rf"\b{re.escape(first)}\b", body)
    }
    if getattr(response.resolver_match.func, "audience", None) == permissions.PATIENT:
        shown.add(Patient.objects.get(user=ctx["personas"][persona][0]).uuid)
    return shown


def _audited_since(before: int, user, shown: set) -> set:
    return set(
        AuditEvent.objects.filter(pk__gt=before, actor=user, patient_uuid__in=shown).values_list(
            "patient_uuid", flat=True
        )
    )


def _last_event() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@pytest.mark.parametrize(
    ("pattern", "persona"),
    [
        (pattern, persona)
        for pattern, persona in SHOWN_PAGES
        # The sign-in pages show a signed-in person their own account's name.
        if pattern not in LIST_PAGES and not pattern.startswith("accounts/")
    ],
)
def test_every_page_that_shows_a_patients_record_audits_the_read(ctx, pattern, persona):
    """A page that shows one of clinic A's patients (_shown_patients) has an audit event of
    that patient by this reader, written by this request."""
    route = ROUTES[pattern]
    user = ctx["personas"][persona][0]
    before = _last_event()
    response = signed_in(ctx, persona).get(route.url(ctx))
    assert response.status_code == 200, pattern
    shown = _shown_patients(ctx, response, persona)
    assert _audited_since(before, user, shown) == shown, (pattern, persona, shown)


# A POST answered with a page rather than a redirect shows the record as much as a GET:
# a form sent back with an error, a confirmation that names the patient's program, a save
# refused because a colleague changed the record meanwhile (shown with their values).
RENDERED_POST_STATUSES = {200, 400, 409}
# Each POST three ways: with the matrix's data (mostly saved, a redirect), without its
# `confirm` (the pages that ask first), and empty (most forms come back with errors).
POST_BODIES: dict[str, Callable[[dict], dict]] = {
    "as_sent": lambda data: data,
    "unconfirmed": lambda data: {k: v for k, v in data.items() if k != "confirm"},
    "empty": lambda data: {},
}


def _posts_allowed(route: Route, persona: str) -> bool:
    rule = route.post
    if isinstance(rule, Staff):
        return persona in STAFF and rule.ok not in DENIED
    return rule is not None and rule[persona] not in DENIED


@pytest.mark.parametrize(
    ("pattern", "persona", "body"),
    [
        (pattern, persona, body)
        for pattern, route in ROUTES.items()
        for persona in ("admin_a", "patient_a1")
        if _posts_allowed(route, persona)
        and pattern not in LIST_PAGES
        and not pattern.startswith("accounts/")
        for body in POST_BODIES
    ],
)
def test_every_post_answer_that_shows_a_patients_record_audits_the_read(
    ctx, pattern, persona, body
):
    """As the GET check above, for POSTs answered with an HTML page (200, 400, 409): each
    clinic A patient the page names has an audit event by this reader, written by this
    request. A redirect or a download shows nothing here (its page is a GET, checked above)."""
    route = ROUTES[pattern]
    user = ctx["personas"][persona][0]
    before = _last_event()
    response = signed_in(ctx, persona).post(route.url(ctx), POST_BODIES[body](route.data(ctx)))
    if response.status_code not in RENDERED_POST_STATUSES:
        return
    shown = _shown_patients(ctx, response, persona)
    assert _audited_since(before, user, shown) == shown, (pattern, persona, body, shown)


class _References(HTMLParser):
    """The ids a page gives its elements and the ids its labels and ARIA attributes point
    at."""

    POINTERS = ("for", "aria-labelledby", "aria-describedby", "aria-controls")

    def __init__(self) -> None:
        super().__init__()
        self.ids: Counter[str] = Counter()
        self.pointed: set[tuple[str, str]] = set()

    def handle_starttag(self, tag, attrs) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.ids[value] += 1
            elif name in self.POINTERS and value:
                self.pointed.update((name, target) for target in value.split())


@pytest.mark.parametrize(("pattern", "persona"), SHOWN_PAGES)
def test_every_page_gives_each_id_once_and_points_only_at_ids_it_has(ctx, pattern, persona):
    """A label points at the first element with its id: with one id twice, tapping a
    label sets another control (Today's two pain scales did). A label or ARIA reference
    to an id the page lacks leaves a control without its name for a screen reader."""
    response = signed_in(ctx, persona).get(ROUTES[pattern].url(ctx))
    assert response.status_code == 200, pattern
    if response.streaming or not response["Content-Type"].startswith("text/html"):
        return
    page = _References()
    page.feed(response.content.decode())
    assert [i for i, n in page.ids.items() if n > 1] == [], pattern
    assert {(a, t) for a, t in page.pointed if t not in page.ids} == set(), pattern


@pytest.mark.parametrize("two_factor", [False, True])
@pytest.mark.parametrize("persona", PERSONAS)
def test_a_matrix_session_holds_what_a_sign_in_stores(request, ctx, persona, two_factor):
    """What the matrix's clients hold is what signing in stores now, two-factor or not."""
    if two_factor:
        request.getfixturevalue("two_factor_on")
    user, clinic = ctx["personas"][persona]
    copied = dict(signed_in(ctx, persona).session.items())
    fresh = dict(client_for(user, clinic).session.items()) if user else {}
    for data in (copied, fresh):
        clock = [data.pop(key, None) for key in CLOCK]
        assert (
            clock == [None, None] if user is None else all(abs(t - time.time()) < 60 for t in clock)
        )
    assert copied == fresh
    assert (user is None) == ("_auth_user_id" not in copied)


def test_routes_without_post_really_refuse_post(ctx):
    """Routes marked post=None are form views of allauth; POSTing to them must not 500."""
    client = client_for(*ctx["personas"]["patient_a1"])
    for pattern, route in ROUTES.items():
        if route.post is None:
            assert client.post(route.url(ctx), {}).status_code < 500, pattern


@pytest.mark.parametrize("persona", PERSONAS)
def test_django_admin_is_closed_to_every_persona(ctx, persona):
    """No persona is platform staff, so every admin page sends them to the admin login."""
    client = signed_in(ctx, persona)
    samples = {"app_label": "clinic", "object_id": "1", "content_type_id": "1", "url": "x"}
    for namespace, pattern in all_patterns():
        if namespace != "admin":
            continue
        url = "/" + pattern
        for key, value in samples.items():
            url = url.replace(f"<path:{key}>", value).replace(f"<int:{key}>", value)
        url = url.replace("^(?P<app_label>clinic|patients|auth)/$", "clinic/")
        url = url.replace("(?P<url>.*)$", "anything").replace("^", "").replace("$", "")
        response = client.get(url)
        if pattern == "admin/login/":
            # The admin signs in through allauth (same lockout and two-factor steps);
            # signed-in people who are not platform staff are refused.
            if persona == "anonymous":
                assert response.status_code == 302
                assert response["Location"].startswith("/accounts/login/")
            else:
                assert response.status_code == 403
        else:
            assert response.status_code in {302, 404, 405}, (url, response.status_code)
            if response.status_code == 302:
                # Logging out of the admin lands on the admin index, which asks to log in.
                target = "/admin/" if pattern == "admin/logout/" else "/admin/login/"
                assert response["Location"].startswith(target), url


def test_patient_pages_never_take_a_patient_id():
    for _namespace, pattern in all_patterns():
        if pattern.startswith("me/"):
            assert "<" not in pattern and "(?P" not in pattern, pattern


def test_a_second_patient_sees_only_their_own_home(ctx, patient_a1, patient_a2):
    body = client_for(patient_a2.user).get("/me/").content.decode()
    assert patient_a2.first_name in body
    assert patient_a1.last_name not in body and patient_a1.first_name not in body


# --- The API, token by token ------------------------------------------------------------
# Every API route and method, called with a token of each single capability, a token of
# clinic B with every capability, and no token. The answer follows from the capability the
# view names for the method (its `api_capabilities`) and the token's scope: `ok` when the
# scope has it, 403 when not; clinic B's token gets 404 for clinic A's rows (`scope="a"`).


@dataclass(frozen=True)
class ApiCall:
    ok: int
    scope: str = "a"
    data: Callable[[dict], dict] = field(default=lambda ctx: {})


A1_API = "/api/v1/patients/{a1}/"


def a1_api(c: dict, suffix: str = "") -> str:
    return A1_API.format(a1=c["a1"]) + suffix


API_ROUTES: dict[str, tuple[Callable[[dict], str], dict[str, ApiCall]]] = {
    "api/v1/library/": (lambda c: "/api/v1/library/", {"GET": ApiCall(200, "clinic")}),
    "api/v1/library/<uuid:exercise_uuid>/": (
        lambda c: f"/api/v1/library/{c['own_exercise']}/",
        {"GET": ApiCall(200)},
    ),
    "api/v1/templates/": (lambda c: "/api/v1/templates/", {"GET": ApiCall(200, "clinic")}),
    "api/v1/templates/<uuid:program_uuid>/": (
        lambda c: f"/api/v1/templates/{c['own_template']}/",
        {"GET": ApiCall(200)},
    ),
    "api/v1/patients/": (
        lambda c: "/api/v1/patients/",
        {
            "GET": ApiCall(200, "clinic"),
            "POST": ApiCall(
                201,
                "clinic",
                lambda c: {
                    "first_name": "Rita",
                    "last_name": "Novak",
                    "date_of_birth": "1970-01-02",
                },
            ),
        },
    ),
    "api/v1/outcomes/": (lambda c: "/api/v1/outcomes/", {"GET": ApiCall(200, "clinic")}),
    "api/v1/patients/search/": (
        lambda c: "/api/v1/patients/search/",
        {"POST": ApiCall(200, "clinic", lambda c: {"q": "Okafor"})},
    ),
    "api/v1/patients/<uuid:patient_uuid>/": (
        lambda c: a1_api(c),
        {"GET": ApiCall(200), "PATCH": ApiCall(200, data=lambda c: {"phone": "+1 555 0101"})},
    ),
    # A1 has a positive red-flag screen without a decision: starting a program is refused.
    "api/v1/patients/<uuid:patient_uuid>/programs/": (
        lambda c: a1_api(c, "programs/"),
        {
            "GET": ApiCall(200),
            "POST": ApiCall(
                409, data=lambda c: {"template": str(c["shared_template"]), "replace_current": True}
            ),
        },
    ),
    "api/v1/patients/<uuid:patient_uuid>/programs/<uuid:program_uuid>/": (
        lambda c: a1_api(c, f"programs/{c['program']}/"),
        {"GET": ApiCall(200)},
    ),
    "api/v1/patients/<uuid:patient_uuid>/sessions/": (
        lambda c: a1_api(c, "sessions/"),
        {
            "GET": ApiCall(200),
            "POST": ApiCall(
                201,
                data=lambda c: {
                    "client_token": "matrix-api",
                    "pain": 2,
                    "exercises": [{"item": c["a1_item"]}],
                },
            ),
        },
    ),
    "api/v1/patients/<uuid:patient_uuid>/morning-checks/": (
        lambda c: a1_api(c, "morning-checks/"),
        {"GET": ApiCall(200), "POST": ApiCall(201, data=lambda c: {"compared": "same", "pain": 2})},
    ),
    "api/v1/patients/<uuid:patient_uuid>/measurements/": (
        lambda c: a1_api(c, "measurements/"),
        {
            "GET": ApiCall(200),
            "POST": ApiCall(
                201,
                data=lambda c: {
                    "measured_on": date.today().isoformat(),
                    "values": [{"code": "schober", "value": 3.5}],
                },
            ),
        },
    ),
    "api/v1/patients/<uuid:patient_uuid>/outcomes/": (
        lambda c: a1_api(c, "outcomes/"),
        {
            "GET": ApiCall(200),
            "POST": ApiCall(
                201,
                data=lambda c: {
                    "code": "nprs",
                    "completed_on": date.today().isoformat(),
                    "fields": {"best": "2", "worst": "6", "now": "4"},
                },
            ),
        },
    ),
    "api/v1/patients/<uuid:patient_uuid>/flags/": (
        lambda c: a1_api(c, "flags/"),
        {"GET": ApiCall(200)},
    ),
    "api/v1/patients/<uuid:patient_uuid>/flags/<uuid:flag_uuid>/resolve/": (
        lambda c: a1_api(c, f"flags/{c['a1_flag']}/resolve/"),
        {"POST": ApiCall(200)},
    ),
}

# FHIR: reads and searches. Clinic B's token finds nothing of clinic A: a read is 404, a
# search is an empty (200) bundle.
for _pattern, _url in FHIR_PATTERNS.items():
    _is_search = "<" not in _pattern
    API_ROUTES[_pattern] = (_url, {"GET": ApiCall(200, "clinic" if _is_search else "a")})

API_CASES = [(pattern, method) for pattern, (_url, calls) in API_ROUTES.items() for method in calls]


def test_every_api_route_and_method_is_in_the_token_matrix(ctx):
    from clinic.api.framework import API

    api_patterns = set()
    for pattern, route in ROUTES.items():
        view = _view(ctx, route)
        if getattr(view, "audience", None) == API:
            api_patterns.add(pattern)
            declared = set(view.api_capabilities)
            assert declared == set(API_ROUTES[pattern][1]), pattern
    assert api_patterns == set(API_ROUTES)


def _call(client, method: str, url: str, data: dict):
    if method == "GET":
        return client.get(url)
    send = getattr(client, method.lower())
    return send(url, data, content_type="application/json")


@pytest.mark.parametrize(
    ("pattern", "method"), [(p, m) for p, m in API_CASES if m in {"POST", "PATCH", "PUT"}]
)
def test_every_api_body_nested_too_deep_to_read_is_a_400(ctx, pattern, method):
    """A body nested past what Python's json can read (4 kB of brackets) is refused like
    any malformed body, in the API's error shape, not a 500 (clinic.api.parsers)."""
    from tests.conftest import api_client, api_token_for

    url_of, calls = API_ROUTES[pattern]
    token = api_token_for(Clinic.objects.get(uuid=ctx["clinic_a"]), "all")
    send = getattr(api_client(token), method.lower())
    answer = send(url_of(ctx), "[" * 2000 + "]" * 2000, content_type="application/json")
    if not calls[method].data(ctx):  # it reads no body (a flag's "resolve"): none is parsed
        assert answer.status_code < 500, (pattern, method, answer.status_code)
        return
    assert answer.status_code == 400, (pattern, method, answer.status_code)
    assert answer.json()["error"]["code"] == "parse_error"


@pytest.mark.parametrize(("pattern", "method"), API_CASES)
def test_api_token_matrix(ctx, clinic_b, pattern, method):
    from clinic.capabilities import CAPABILITIES
    from tests.conftest import api_client, api_token_for

    url_of, calls = API_ROUTES[pattern]
    call = calls[method]
    url = url_of(ctx)
    capability = _view(ctx, ROUTES[pattern]).api_capabilities[method]
    needed = {capability} if isinstance(capability, str) else set(capability)
    clinic_a = Clinic.objects.get(uuid=ctx["clinic_a"])
    scopes = {f"a:{name}": {name} for name in CAPABILITIES}
    if len(needed) > 1:
        scopes["a:needed"] = needed
    tokens = {who: api_token_for(clinic_a, sorted(scope)) for who, scope in scopes.items()}
    tokens["b:all"] = api_token_for(clinic_b, "all")
    tokens["none"] = None
    for who, raw in tokens.items():
        if raw is None:
            expected = 401
        elif who == "b:all":
            expected = 404 if call.scope == "a" else call.ok
        else:
            expected = call.ok if needed <= scopes[who] else 403
        response = send_changing_nothing_if(
            lambda _response, expected=expected: expected in DENIED,
            lambda raw=raw: _call(api_client(raw), method, url, call.data(ctx)),
            (pattern, method, who),
        )
        assert response.status_code == expected, (pattern, method, who, response.content[:300])
        body = response.json()
        if expected >= 400 and pattern.startswith("fhir/"):
            assert body["resourceType"] == "OperationOutcome"
        elif expected >= 400:
            assert set(body) == {"error"} and body["error"]["status"] == expected
        if expected in DENIED:
            assert "Okafor" not in response.content.decode()


@pytest.mark.parametrize(("pattern", "method"), API_CASES)
def test_every_patient_an_api_answer_carries_is_in_the_audit_log(ctx, pattern, method):
    """Whatever the route (a read, a page of many patients, a search, a write), each of
    clinic A's patients whose public id is in the answer has an event of this token: their
    own audit trail shows every time their data left."""
    import hashlib

    from tests.conftest import api_client, api_token_for

    url_of, calls = API_ROUTES[pattern]
    raw = api_token_for(Clinic.objects.get(uuid=ctx["clinic_a"]), "all")
    token = ApiToken.objects.get(token_hash=hashlib.sha256(raw.encode()).hexdigest())
    response = _call(api_client(raw), method, url_of(ctx), calls[method].data(ctx))
    assert response.status_code == calls[method].ok, (pattern, method, response.content[:300])
    answer = response.content.decode()
    carried = {
        uuid for uuid in Patient.objects.values_list("uuid", flat=True) if str(uuid) in answer
    }
    audited = set(
        AuditEvent.objects.filter(api_token=token, patient_uuid__in=carried).values_list(
            "patient_uuid", flat=True
        )
    )
    assert audited == carried, (pattern, method, carried - audited)


@pytest.mark.parametrize(
    ("pattern", "method"), [(p, m) for p, m in API_CASES if API_ROUTES[p][1][m].ok < 300]
)
def test_every_api_call_is_in_the_audit_log_with_its_token(ctx, pattern, method):
    """README: every call is in the clinic's audit log with the token. The library, the
    templates, and FHIR's Practitioner (staff names and e-mail addresses) and Organization
    left none (found by the API review). Every API route is in API_CASES (the matrix
    fails on one left out), so a new one is checked here too. (Each call the matrix
    answers: a program start refused by a safeguard, 409, writes nothing.)"""
    import hashlib

    from tests.conftest import api_client, api_token_for

    url_of, calls = API_ROUTES[pattern]
    clinic_a = Clinic.objects.get(uuid=ctx["clinic_a"])
    raw = api_token_for(clinic_a, "all")
    token = ApiToken.objects.get(token_hash=hashlib.sha256(raw.encode()).hexdigest())
    response = _call(api_client(raw), method, url_of(ctx), calls[method].data(ctx))
    assert response.status_code == calls[method].ok, (pattern, method, response.content[:300])
    events = AuditEvent.objects.filter(api_token=token, clinic=clinic_a)
    assert events.exclude(outcome=AuditEvent.Outcome.DENIED).exists(), (pattern, method)


# The API asks for what the portal asks for the same action: one table of access.
SAME_AS_PORTAL = {
    ("api/v1/library/", "GET"): "portal/library/",
    ("api/v1/library/<uuid:exercise_uuid>/", "GET"): "portal/library/<uuid:exercise_uuid>/",
    ("api/v1/templates/", "GET"): "portal/templates/",
    ("api/v1/patients/", "GET"): "portal/",
    ("api/v1/patients/", "POST"): "portal/patients/new/",
    ("api/v1/patients/search/", "POST"): "portal/",
    ("api/v1/patients/<uuid:patient_uuid>/", "GET"): "portal/patients/<uuid:patient_uuid>/",
    ("api/v1/patients/<uuid:patient_uuid>/", "PATCH"): (
        "portal/patients/<uuid:patient_uuid>/edit/"
    ),
    ("api/v1/patients/<uuid:patient_uuid>/programs/", "POST"): (
        "portal/patients/<uuid:patient_uuid>/programs/start/"
    ),
    ("api/v1/patients/<uuid:patient_uuid>/programs/<uuid:program_uuid>/", "GET"): (
        "portal/patients/<uuid:patient_uuid>/programs/<uuid:program_uuid>/history/"
    ),
    ("api/v1/patients/<uuid:patient_uuid>/sessions/", "GET"): (
        "portal/patients/<uuid:patient_uuid>/sessions/"
    ),
    ("api/v1/patients/<uuid:patient_uuid>/measurements/", "GET"): (
        "portal/patients/<uuid:patient_uuid>/measures/"
    ),
    ("api/v1/patients/<uuid:patient_uuid>/measurements/", "POST"): (
        "portal/patients/<uuid:patient_uuid>/measures/new/"
    ),
    ("api/v1/patients/<uuid:patient_uuid>/outcomes/", "POST"): (
        "portal/patients/<uuid:patient_uuid>/outcomes/<slug:code>/new/"
    ),
    ("api/v1/patients/<uuid:patient_uuid>/flags/<uuid:flag_uuid>/resolve/", "POST"): (
        "portal/patients/<uuid:patient_uuid>/flags/<uuid:flag_uuid>/review/"
    ),
}


@pytest.mark.parametrize(("api", "portal"), list(SAME_AS_PORTAL.items()))
def test_the_api_needs_the_same_capability_as_the_portal(ctx, api, portal):
    pattern, method = api
    # The method's own capability comes first; then what its answer shows (`shows`).
    api_capability = _view(ctx, ROUTES[pattern]).api_capabilities[method][0]
    assert api_capability == _view(ctx, ROUTES[portal]).required_capability


def test_a_denied_request_that_changes_a_row_is_caught(ctx):
    """The matrix's own check fails when a denied request wrote to a table it watches."""
    patient = Patient.objects.get(uuid=ctx["a1"])

    def send() -> HttpResponse:
        Patient.objects.filter(pk=patient.pk).update(first_name="Changed")
        return HttpResponse(status=403)

    with pytest.raises(AssertionError, match="denied request changed rows"):
        send_changing_nothing_if(lambda response: True, send, "a write")
    assert send_changing_nothing_if(lambda response: False, send, "allowed").status_code == 403


# --- Every id in a portal address is looked up within the clinic, and a miss audited -----

UUID_IN_PATH = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
ID_ROUTES = [
    (pattern, method)
    for pattern, route in ROUTES.items()
    if "<uuid:" in pattern
    for method in ("get", "post")
    if isinstance(getattr(route, method), Staff) and getattr(route, method).scope == "a"
]


@pytest.mark.parametrize(("pattern", "method"), ID_ROUTES)
def test_an_id_that_names_nothing_in_a_portal_address_is_a_404_and_audited(ctx, pattern, method):
    """Each id of the address in turn is replaced by one that names no row, as clinic A's
    admin (who may do everything there): 404 and an access.denied event of this request.
    The matrix's clinic-B personas are stopped at the first id (the patient); this reaches
    an own patient's child id, where a lookup of its own (`.filter().first()` and a bare
    404) would refuse without a trace."""
    route = ROUTES[pattern]
    path, mark, query = route.url(ctx).partition("?")
    ids = list(UUID_IN_PATH.finditer(path))
    assert ids, pattern
    client = signed_in(ctx, "admin_a")
    for position, found in enumerate(ids):
        address = f"{path[: found.start()]}{uuid.uuid4()}{path[found.end() :]}{mark}{query}"
        before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        send = client.get if method == "get" else partial(client.post, data=route.data(ctx))
        response = send(address)
        assert response.status_code == 404, (pattern, method, position, response.status_code)
        denied = AuditEvent.objects.filter(pk__gt=before, action="access.denied")
        assert denied.exists(), (pattern, method, position)
