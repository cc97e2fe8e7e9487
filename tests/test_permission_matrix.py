"""Every URL pattern of the project, every persona, GET and POST.

Adding a URL without adding it here fails `test_every_url_pattern_is_in_the_matrix`.
Expected statuses: 302 for the anonymous visitor on protected pages (to the login),
403 for insiders without the right role, 404 for rows of another clinic.
Denied POSTs must leave every clinical and account row exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver

from clinic.invitations import invitation_create
from clinic.models import Clinic, Invitation, Membership, User
from patients.models import (
    Flag,
    Measurement,
    MorningCheck,
    OutcomeAssignment,
    OutcomeResponse,
    Patient,
    SessionLog,
    Visit,
)
from patients.services import patient_program_start
from programs.models import Exercise, HandoutPrint, Program, ProgramItem
from programs.services import exercise_copy, program_copy
from tests.conftest import client_for

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
    "clinician_b",
)
PATIENTS = ("patient_a1", "patient_a2", "patient_b1")
STAFF = ("clinician_a", "admin_a", "clinician_b")
DENIED = {403, 404, 405}


def expect(default: int, **overrides: int) -> dict[str, int]:
    """Expected status per persona: `default` for all, with named exceptions.

    `patients=` and `staff=` set all three of that kind at once.
    """
    statuses = dict.fromkeys(PERSONAS, default)
    for group, names in (("patients", PATIENTS), ("staff", STAFF)):
        if group in overrides:
            statuses.update(dict.fromkeys(names, overrides.pop(group)))
    statuses.update(overrides)
    return statuses


# Shapes that recur: a portal page of one's own clinic, a record of clinic A's patient
# A1, and an admin-only page.
PORTAL = expect(200, anonymous=302, patients=403)
A1_RECORD = expect(200, anonymous=302, patients=403, clinician_b=404)
ADMIN_ONLY = expect(200, anonymous=302, patients=403, clinician_a=403, clinician_b=403)
PUBLIC = expect(200)
NOT_ALLOWED = expect(405)


@dataclass
class Route:
    url: Callable[[dict], str]
    get: dict[str, int] | None = None
    post: dict[str, int] | None = None
    data: Callable[[dict], dict] = field(default=lambda ctx: {})


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


ADMIN_POST = expect(302, patients=403, clinician_a=403, clinician_b=403)
A1_POST = expect(302, patients=403, clinician_b=404)

ROUTES: dict[str, Route] = {
    "": Route(lambda c: "/", get=expect(302), post=NOT_ALLOWED),
    "healthz": Route(lambda c: "/healthz", get=PUBLIC, post=NOT_ALLOWED),
    "invite/<str:token>/": Route(
        lambda c: f"/invite/{c['token']}/",
        get=PUBLIC,
        post=expect(302),
        data=lambda c: {
            "new_password1": "a long new passphrase",
            "new_password2": "a long new passphrase",
        },
    ),
    "portal/": Route(lambda c: "/portal/", get=PORTAL, post=NOT_ALLOWED),
    "portal/patients/new/": Route(
        lambda c: "/portal/patients/new/",
        get=PORTAL,
        post=expect(302, patients=403),
        data=patient_form_data,
    ),
    "portal/patients/<uuid:patient_uuid>/": Route(
        lambda c: A1.format(a1=c["a1"]), get=A1_RECORD, post=NOT_ALLOWED
    ),
    "portal/patients/<uuid:patient_uuid>/edit/": Route(
        lambda c: A1.format(a1=c["a1"]) + "edit/",
        get=A1_RECORD,
        post=expect(302, patients=403, clinician_b=404),
        data=lambda c: {**patient_form_data(c), "email": c["a1_email"]},
    ),
    "portal/patients/<uuid:patient_uuid>/archive/": Route(
        lambda c: A1.format(a1=c["a1"]) + "archive/",
        get=A1_RECORD,
        post=expect(302, patients=403, clinician_b=404),
    ),
    "portal/patients/<uuid:patient_uuid>/restore/": Route(
        lambda c: A1.format(a1=c["a1"]) + "restore/",
        get=NOT_ALLOWED,
        post=expect(302, patients=403, clinician_b=404),
    ),
    "portal/patients/<uuid:patient_uuid>/invitation/": Route(
        lambda c: A1.format(a1=c["a1"]) + "invitation/",
        get=NOT_ALLOWED,
        post=expect(302, patients=403, clinician_b=404),
        data=lambda c: {"delivery": "email"},
    ),
    "portal/patients/<uuid:patient_uuid>/programs/start/": Route(
        lambda c: A1.format(a1=c["a1"]) + "programs/start/",
        get=NOT_ALLOWED,
        post=A1_POST,
        data=lambda c: {"template": str(c["shared_template"]), "confirm": "1"},
    ),
    "portal/patients/<uuid:patient_uuid>/programs/<uuid:program_uuid>/edit/": Route(
        lambda c: a1_program(c, "edit/"), get=A1_RECORD, post=A1_POST, data=builder_save_data
    ),
    "portal/patients/<uuid:patient_uuid>/programs/<uuid:program_uuid>/history/": Route(
        lambda c: a1_program(c, "history/"), get=A1_RECORD, post=NOT_ALLOWED
    ),
    "portal/patients/<uuid:patient_uuid>/programs/<uuid:program_uuid>/status/": Route(
        lambda c: a1_program(c, "status/"),
        get=NOT_ALLOWED,
        post=A1_POST,
        data=lambda c: {"status": "paused"},
    ),
    "portal/patients/<uuid:patient_uuid>/programs/<uuid:program_uuid>/save-as-template/": Route(
        lambda c: a1_program(c, "save-as-template/"),
        get=NOT_ALLOWED,
        post=A1_POST,
        data=lambda c: {"title": "Our back plan"},
    ),
    "portal/patients/<uuid:patient_uuid>/programs/<uuid:program_uuid>/handout.pdf": Route(
        lambda c: a1_program(c, "handout.pdf"), get=A1_RECORD, post=NOT_ALLOWED
    ),
    "portal/patients/<uuid:patient_uuid>/programs/<uuid:program_uuid>/handout/email/": Route(
        lambda c: a1_program(c, "handout/email/"), get=A1_RECORD, post=A1_POST
    ),
    "portal/clinic/": Route(
        lambda c: "/portal/clinic/",
        get=ADMIN_ONLY,
        post=ADMIN_POST,
        data=lambda c: {
            "name": "Clinic A renamed",
            "timezone": "Europe/London",
            "paper_size": "a4",
            "phone": "+1 555 0100",
        },
    ),
    # Clinic A has a logo in this matrix; clinic B has none, so its staff get a 404.
    "portal/clinic/logo/": Route(lambda c: "/portal/clinic/logo/", get=A1_RECORD, post=NOT_ALLOWED),
    "portal/patients/<uuid:patient_uuid>/flags/<uuid:flag_uuid>/review/": Route(
        lambda c: A1.format(a1=c["a1"]) + f"flags/{c['a1_flag']}/review/",
        get=NOT_ALLOWED,
        post=A1_POST,
    ),
    "portal/patients/<uuid:patient_uuid>/measures/": Route(
        lambda c: A1.format(a1=c["a1"]) + "measures/", get=A1_RECORD, post=NOT_ALLOWED
    ),
    "portal/patients/<uuid:patient_uuid>/measures/new/": Route(
        lambda c: A1.format(a1=c["a1"]) + "measures/new/",
        get=A1_RECORD,
        post=A1_POST,
        data=lambda c: {"measured_on": date.today().isoformat(), "schober": "3"},
    ),
    "portal/patients/<uuid:patient_uuid>/measures/<uuid:measurement_uuid>/correct/": Route(
        lambda c: A1.format(a1=c["a1"]) + f"measures/{c['a1_measurement']}/correct/",
        get=A1_RECORD,
        post=A1_POST,
        data=lambda c: {"value": "4"},
    ),
    "portal/patients/<uuid:patient_uuid>/outcomes/<slug:code>/new/": Route(
        lambda c: A1.format(a1=c["a1"]) + "outcomes/nprs/new/",
        get=A1_RECORD,
        post=A1_POST,
        data=lambda c: {"completed_on": date.today().isoformat(), "score": "4"},
    ),
    "portal/patients/<uuid:patient_uuid>/outcomes/assign/": Route(
        lambda c: A1.format(a1=c["a1"]) + "outcomes/assign/",
        get=NOT_ALLOWED,
        post=A1_POST,
        data=lambda c: {"code": "rmdq"},
    ),
    # A successful POST answers with the PDF itself (200).
    "portal/patients/<uuid:patient_uuid>/report/": Route(
        lambda c: A1.format(a1=c["a1"]) + "report/",
        get=A1_RECORD,
        post=A1_RECORD,
        data=lambda c: {"start": "2026-01-01", "end": date.today().isoformat(), "narrative": "x"},
    ),
    "portal/patients/<uuid:patient_uuid>/export.csv": Route(
        lambda c: A1.format(a1=c["a1"]) + "export.csv", get=A1_RECORD, post=NOT_ALLOWED
    ),
    "portal/library/": Route(lambda c: "/portal/library/", get=PORTAL, post=NOT_ALLOWED),
    "portal/library/new/": Route(
        lambda c: "/portal/library/new/", get=ADMIN_ONLY, post=ADMIN_POST, data=exercise_form_data
    ),
    "portal/library/<uuid:exercise_uuid>/": Route(
        lambda c: f"/portal/library/{c['own_exercise']}/", get=A1_RECORD, post=NOT_ALLOWED
    ),
    "portal/library/<uuid:exercise_uuid>/edit/": Route(
        lambda c: f"/portal/library/{c['own_exercise']}/edit/",
        get=ADMIN_ONLY,
        post=ADMIN_POST,
        data=exercise_form_data,
    ),
    "portal/library/<uuid:exercise_uuid>/copy/": Route(
        lambda c: f"/portal/library/{c['shared_exercise']}/copy/", get=NOT_ALLOWED, post=ADMIN_POST
    ),
    "portal/library/<uuid:exercise_uuid>/photo/": Route(
        lambda c: f"/portal/library/{c['own_exercise']}/photo/", get=A1_RECORD, post=NOT_ALLOWED
    ),
    "portal/templates/": Route(lambda c: "/portal/templates/", get=PORTAL, post=NOT_ALLOWED),
    "portal/templates/new/": Route(
        lambda c: "/portal/templates/new/", get=NOT_ALLOWED, post=expect(302, patients=403)
    ),
    "portal/templates/<uuid:program_uuid>/edit/": Route(
        lambda c: f"/portal/templates/{c['own_template']}/edit/",
        get=A1_RECORD,
        post=A1_POST,
        data=builder_save_data,
    ),
    "portal/staff/": Route(
        lambda c: "/portal/staff/",
        get=ADMIN_ONLY,
        post=expect(302, patients=403, clinician_a=403, clinician_b=403),
        data=lambda c: {
            "full_name": "New Person",
            "email": "new.person@example.test",
            "role": "clinician",
        },
    ),
    "portal/staff/<uuid:membership_uuid>/": Route(
        lambda c: f"/portal/staff/{c['clinician_a_membership']}/",
        get=NOT_ALLOWED,
        post=expect(302, patients=403, clinician_a=403, clinician_b=403),
        data=lambda c: {"action": "role", "role": "admin"},
    ),
    "portal/audit/": Route(lambda c: "/portal/audit/", get=ADMIN_ONLY, post=NOT_ALLOWED),
    "me/": Route(lambda c: "/me/", get=expect(200, anonymous=302, staff=403), post=NOT_ALLOWED),
    "me/log/": Route(
        lambda c: "/me/log/",
        get=NOT_ALLOWED,
        # Patients without a program (A2, B1) are sent back with a message, nothing saved.
        post=expect(302, staff=403),
        data=lambda c: {"client_token": "matrix-token", f"done_{c['a1_item']}": "on", "pain": "2"},
    ),
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
        data=lambda c: {"score": "3"},
    ),
    "me/progress/": Route(
        lambda c: "/me/progress/", get=expect(200, anonymous=302, staff=403), post=NOT_ALLOWED
    ),
    "me/program/": Route(
        lambda c: "/me/program/", get=expect(200, anonymous=302, staff=403), post=NOT_ALLOWED
    ),
    # Only A1 has a program in this matrix; the others are sent home with a message.
    "me/handout.pdf": Route(
        lambda c: "/me/handout.pdf", get=expect(302, patient_a1=200, staff=403), post=NOT_ALLOWED
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


def snapshot() -> dict:
    """Everything a denied request must not change."""
    return {
        "patients": list(Patient.objects.order_by("pk").values()),
        "memberships": list(Membership.objects.order_by("pk").values()),
        "users": list(User.objects.order_by("pk").values("pk", "email", "password", "is_active")),
        "invitations": list(Invitation.objects.order_by("pk").values()),
        "programs": list(Program.objects.order_by("pk").values()),
        "items": list(ProgramItem.objects.order_by("pk").values()),
        "exercises": list(Exercise.objects.order_by("pk").values()),
        "clinics": list(Clinic.objects.order_by("pk").values()),
        "prints": list(HandoutPrint.objects.order_by("pk").values()),
        "sessions": list(SessionLog.objects.order_by("pk").values()),
        "flags": list(Flag.objects.order_by("pk").values()),
        "checks": list(MorningCheck.objects.order_by("pk").values()),
        "measurements": list(Measurement.objects.order_by("pk").values()),
        "outcomes": list(OutcomeResponse.objects.order_by("pk").values()),
        "assignments": list(OutcomeAssignment.objects.order_by("pk").values()),
    }


@pytest.fixture
def ctx(personas, patient_a1, clinician_a, admin_a):
    token = invitation_create(user=patient_a1.user, created_by=admin_a)
    membership = Membership.objects.get(user=admin_a)
    shared_template = Program.objects.get(template_key="low-back-early-movement")
    program = patient_program_start(
        membership=membership, patient=patient_a1, source=shared_template
    )
    shared = Exercise.objects.get(slug="cat-cow", clinic=None)
    own = exercise_copy(membership=membership, source=shared)
    own.photo.save("matrix.png", ContentFile(TINY_PNG), save=True)
    membership.clinic.logo.save(f"{membership.clinic.uuid}/logo.png", ContentFile(TINY_PNG))
    own_template = program_copy(
        source=shared_template, clinic=membership.clinic, membership=membership, as_template=True
    )
    flag = Flag.objects.create(
        patient=patient_a1, kind=Flag.Kind.PAIN_HIGH, reason="Pain 8/10", raised_on=date.today()
    )
    visit = Visit.objects.create(patient=patient_a1, measured_on=date.today())
    measurement = Measurement.objects.create(visit=visit, code="schober", value=3)
    OutcomeAssignment.objects.create(patient=patient_a1, code="nprs")
    return {
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
        "a1_email": patient_a1.email,
        "token": token,
        "clinician_a_membership": Membership.objects.get(user=clinician_a).uuid,
    }


CASES = [
    (pattern, method, persona)
    for pattern, route in ROUTES.items()
    for method, expected in (("get", route.get), ("post", route.post))
    if expected is not None
    for persona in PERSONAS
]
# With two-factor required and every staff persona enrolled, the answers must be the
# same. (The two-factor pages themselves answer differently once enrolled: left out.)
TWO_FACTOR_CASES = [case for case in CASES if not case[0].startswith("accounts/2fa/")]


@pytest.fixture
def two_factor_on(settings, ctx):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    settings.REQUIRE_2FA = True
    for name in STAFF:
        TOTP.activate(ctx["personas"][name], generate_totp_secret())


@pytest.mark.parametrize(("pattern", "method", "persona"), TWO_FACTOR_CASES)
def test_permission_matrix_with_two_factor_required(two_factor_on, ctx, pattern, method, persona):
    test_permission_matrix(ctx, pattern, method, persona)


@pytest.mark.parametrize(("pattern", "method", "persona"), CASES)
def test_permission_matrix(ctx, pattern, method, persona):
    route = ROUTES[pattern]
    expected = getattr(route, method)[persona]
    client = client_for(ctx["personas"][persona])
    before = snapshot()
    if method == "get":
        response = client.get(route.url(ctx))
    else:
        response = client.post(route.url(ctx), route.data(ctx))
    assert response.status_code == expected, (pattern, method, persona)
    denied = expected in DENIED or (
        persona == "anonymous" and "/accounts/login/" in response.get("Location", "")
    )
    if method == "post" and denied:
        assert snapshot() == before, f"denied POST changed rows: {pattern} {persona}"
    if expected in DENIED:
        # A refusal must not leak who the patient is.
        body = response.content.decode()
        assert "Okafor" not in body and "Silva" not in body


def test_routes_without_post_really_refuse_post(ctx):
    """Routes marked post=None are form views of allauth; POSTing to them must not 500."""
    client = client_for(ctx["personas"]["patient_a1"])
    for pattern, route in ROUTES.items():
        if route.post is None:
            assert client.post(route.url(ctx), {}).status_code < 500, pattern


@pytest.mark.parametrize("persona", PERSONAS)
def test_django_admin_is_closed_to_every_persona(ctx, persona):
    """No persona is platform staff, so every admin page sends them to the admin login."""
    client = client_for(ctx["personas"][persona])
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
