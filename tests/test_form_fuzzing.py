"""Property-based fuzzing of every form-handling POST endpoint of the portal and patient area.

Each endpoint is posted to by a persona that is allowed there, so the form validation
really runs. Submissions start from the endpoint's valid field names and values, then
Hypothesis swaps some values for hostile ones (huge or empty strings, NUL, RTL and emoji,
SQL and HTML, out-of-range and malformed numbers and dates, lists), drops fields and adds
random keys, odd query strings and (for the picture fields) hostile uploads. For every
example:

1. the answer is never a server error (status < 500); after a successful redirect, the
   page it leads to is fetched and must not be one either;
2. when the endpoint refused the submission (anything but its success answer: a form shown
   again, 400/403/404/405/410/429, or a redirect carrying an error or info message), no
   row of any application table changed. Audit events, sessions and django-axes rows may.

Every example runs inside a savepoint that is rolled back, so all examples of an endpoint
start from the same database. Runs are derandomized (reproducible) and keep no example
database. The number of examples per endpoint is fixed in ENDPOINTS; their sum is checked
to be at least MIN_TOTAL_EXAMPLES, and each test checks it posted all of its own and saw
both an accepted and (where possible) a refused submission.

Bugs found are listed in KNOWN_BUGS: their endpoint's test is a strict xfail, reproduced
by deterministic seeds, while the rest of that endpoint is still fuzzed.
"""

from __future__ import annotations

import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django import forms
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import FieldDoesNotExist
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinic.actors import Actor
from clinic.forms import ApiTokenForm, ClinicSettingsForm, StaffInviteForm
from clinic.invitations import invitation_issue
from clinic.models import AuditEvent, Clinic, Invitation, Membership, SecurityCounter, User
from patients import scoring
from patients.forms import PatientForm
from patients.forms_goals import DischargeForm, GoalForm
from patients.forms_intake import IntakeForm
from patients.forms_measures import CorrectionForm, OutcomeForm, VisitForm
from patients.forms_patient import MorningCheckForm, SessionForm
from patients.models import (
    Flag,
    Measurement,
    MorningCheck,
    OutcomeAssignment,
    OutcomeResponse,
    Patient,
    PatientProgram,
    SessionEntry,
    SessionLog,
    Visit,
)
from patients.practice_log import Done, session_log
from patients.services import patient_program_start
from programs.builder import ItemForm, ProgramForm
from programs.forms import ExerciseForm
from programs.models import (
    Category,
    Exercise,
    ExerciseCue,
    HandoutPrint,
    Program,
    ProgramItem,
    ProgramRevision,
)
from programs.services import exercise_copy, program_copy
from tests.conftest import PASSWORD, make_patient

MIN_TOTAL_EXAMPLES = 4000
TODAY = timezone.localdate()

# --------------------------------------------------------------------------------------
# Hostile values
# --------------------------------------------------------------------------------------

HOSTILE_STRINGS = (
    "",
    " ",
    "   \t\n\r  ",
    "\x00",
    "a\x00b",
    "\x00" * 16,
    "\x1b[31m\x07\x08",
    "null",
    "None",
    "undefined",
    "true",
    "False",
    "on",
    "' OR '1'='1",
    "1; DROP TABLE clinic_user; --",
    '" OR 1=1 --',
    "%' AND 1=1 --",
    "1 UNION SELECT password FROM clinic_user",
    "Robert'); DELETE FROM patients_patient;--",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "{{ 7|add:7 }}{% debug %}",
    "${7*7}#{7*7}%s%n%x",
    "../../../../etc/passwd",
    "\u202egnp.exe",
    # Arabic inside an explicit right-to-left embedding
    "\u202b\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645\u202c",
    "שלום עולם",
    "😀👍🏽🇬🇧👨‍👩‍👧",
    "\U0001d518\U0001d52b\U0001d526\U0001d520\U0001d52c\U0001d521\U0001d522",  # Fraktur
    "\ufeffBOM",
    "\u200b\u200c\u200d\u2060",
    "\u03a9\u2248\u00e7\u221a\u222b\u02dc\u00b5\u2264\u2265\u00f7",
    "\uff46\uff55\uff4c\uff4c\uff57\uff49\uff44\uff54\uff48",  # fullwidth letters
    "\u0130\u0131\u017f\u212a",  # case-folding traps
    "e\u0301\u0301\u0301",
    "\U0010ffff\ufffe\uffff",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "1e309",
    "-1e309",
    "1e-400",
    "0x1A",
    "0b101",
    "1_000",
    "1,5",
    "1.5.5",
    "--1",
    "+-1",
    " 7 ",
    "7\x00",
    "\uff11\uff12",  # fullwidth digits
    "١٢٣",
    "²",
    "½",
    "Ⅻ",
    "0",
    "-0",
    "-0.0",
    "0.05",
    "3.14159265358979323846",
    "-1",
    "11",
    "101",
    "32767",
    "32768",
    "65536",
    "2147483648",
    "9223372036854775808",
    "-9223372036854775809",
    "1" + "0" * 400,
    "9" * 5000,
    "0000-00-00",
    "2026-02-30",
    "9999-12-31",
    "0001-01-01",
    "1899-12-31",
    "1989-12-31",
    "2024-02-29",
    "2023-02-29",
    "31/12/2020",
    "12/31/2020",
    "2020-13-01",
    "2020-00-10",
    "-2020-01-01",
    "20200101",
    "2020-1-1",
    "10000-01-01",
    "1970-01-01T00:00:00Z",
    (TODAY + timedelta(days=1)).isoformat(),
    (TODAY - timedelta(days=3650)).isoformat(),
    "00000000-0000-0000-0000-000000000000",
    "ffffffff-ffff-ffff-ffff-ffffffffffff",
    "not-a-uuid",
    "{12345678-1234-5678-1234-567812345678}",
    "a@b",
    "@example.test",
    "x@y..z",
    "ü@例え.テスト",
    "a" * 65 + "@example.test",
    "x" * 250 + "@example.test",
    "admin.a@example.test",
    "CLIN.A@EXAMPLE.TEST",
    "amara.okafor@example.test",
    "bea.silva@example.test",
    "add:not-a-uuid",
    "remove:-1",
    "up:999999",
    "down:",
    "save",
)

# Repeated into huge strings (up to 10,000 characters).
HUGE_UNITS = ("a", "é", "😀", "\x00", "<b>", "'", "1", "9", " ", "ש", "\u202e", "A b ")

safe_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30
)
any_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
huge_strings = st.builds(
    lambda unit, size: (unit * size)[:size],
    st.sampled_from(HUGE_UNITS),
    st.one_of(st.integers(200, 10_000), st.just(10_000)),
)
number_strings = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.integers(-1000, 1000).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(-1000, 1000).map(lambda x: f"{x:.3f}"),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)
hostile_scalar = st.one_of(
    st.sampled_from(HOSTILE_STRINGS), number_strings, huge_strings, any_text, safe_text
)
hostile_value = st.one_of(hostile_scalar, st.lists(hostile_scalar, min_size=0, max_size=4))

EXTRA_KEYS = (
    "id",
    "pk",
    "uuid",
    "clinic",
    "clinic_id",
    "user",
    "user_id",
    "patient",
    "is_staff",
    "is_superuser",
    "is_active",
    "role",
    "status",
    "created_by",
    "password",
    "email",
    "csrfmiddlewaretoken",
    "next",
    "action",
    "confirm",
    "delete",
    "DELETE",
    "items-0-DELETE",
    "items-TOTAL_FORMS",
    "items-MAX_NUM_FORMS",
    "items-99-exercise",
    "large",
    "all_done",
    "done_999999",
    "done_-1",
    "sets_abc",
    "reps_0",
    "section_11",
    "item_25",
    "rating_6",
    "activity_0",
    "logo",
    "photo",
    "template",
    "copy",
    "blank",
    "revision",
    "q",
    "category",
    "page",
    "delivery",
    "code",
    "score",
    "__proto__",
    "a[b]",
    'quote"key',
    "new\r\nline",
    "nul\x00key",
    "ключ",
)
# Keys some views parse themselves ("done_<item id>", formset rows), with odd numbers.
numbered_keys = st.builds(
    lambda stem, number: f"{stem}{number}",
    st.sampled_from(("done_", "sets_", "reps_", "item_", "section_", "rating_", "items-")),
    st.one_of(
        st.integers(-10, 10**30).map(str),
        st.just("9" * 5000),  # longer than Python's 4,300-digit int() limit
        st.sampled_from(("9" * 4300, "\u0661\u0662", "\uff10", "1e3", "0x1", "")),
    ),
)
extra_keys = st.one_of(
    st.sampled_from(EXTRA_KEYS), numbered_keys, numbered_keys, st.text(min_size=1, max_size=20)
)

MODES = ("valid", "valid", "one_off", "one_off", "mixed", "hostile")

# The smallest valid PNG (1x1, transparent).
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


@dataclass(frozen=True)
class Upload:
    """A file to post (multipart only); built fresh for every request."""

    name: str
    content: bytes


uploads = st.builds(
    Upload,
    st.sampled_from(
        ("photo.png", "logo.JPG", "x.gif", "../../evil.png", "ünï 😀.webp", "a" * 300 + ".png")
    ),
    st.one_of(
        st.just(TINY_PNG),
        st.just(TINY_PNG[:40]),  # truncated
        st.just(b""),
        st.just(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
        st.just(b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        st.binary(max_size=64),
        st.binary(max_size=8).map(lambda tail: TINY_PNG[:16] + tail + TINY_PNG[16:]),
    ),
)


@st.composite
def submissions(
    draw: Callable, valid: st.SearchStrategy[dict], tricky: tuple[str, ...] = ()
) -> dict[str, Any]:
    """A valid-looking submission with some values made hostile, some keys dropped and
    some random keys added."""
    data = dict(draw(valid))
    hostile = st.one_of(hostile_value, st.sampled_from(tricky)) if tricky else hostile_value
    mode = draw(st.sampled_from(MODES))
    keys = sorted(data)
    if mode == "valid" or not keys:
        targets: list[str] = []
    elif mode == "one_off":
        targets = [draw(st.sampled_from(keys))]
    elif mode == "mixed":
        targets = [key for key in keys if draw(st.integers(0, 3)) == 0]
    else:
        targets = keys
    for key in targets:
        how = draw(st.sampled_from(("hostile", "hostile", "missing", "list")))
        if how == "missing":
            del data[key]
        elif how == "list":
            original = data[key] if isinstance(data[key], str) else ""
            data[key] = draw(
                st.lists(st.one_of(st.just(original), hostile_scalar), min_size=2, max_size=4)
            )
        else:
            data[key] = draw(hostile)
    if mode != "valid" or not keys:
        for key, value in draw(st.dictionaries(extra_keys, hostile, max_size=4)).items():
            data.setdefault(key, value)
    return data


# --------------------------------------------------------------------------------------
# Valid values, derived from the forms themselves
# --------------------------------------------------------------------------------------


def _bounds(field: forms.Field, model_validators: list) -> tuple[Any, Any]:
    low = getattr(field, "min_value", None)
    high = getattr(field, "max_value", None)
    for validator in [*field.validators, *model_validators]:
        if isinstance(validator, MinValueValidator):
            low = validator.limit_value if low is None else max(low, validator.limit_value)
        elif isinstance(validator, MaxValueValidator):
            high = validator.limit_value if high is None else min(high, validator.limit_value)
    return low, high


def _choice_values(field: forms.ChoiceField) -> list[str]:
    values = []
    for value, label in field.choices:
        if isinstance(label, list | tuple):  # option group
            values += [str(v) for v, _ in label]
        else:
            values.append(str(value))
    return [value for value in values if value != ""] or [""]


def text_up_to(max_length: int | None, *, required: bool) -> st.SearchStrategy[str]:
    limit = max_length or 200
    texts = st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
        min_size=1 if required else 0,
        max_size=min(limit, 40),
    )
    at_limit = st.sampled_from(("x", "é", "😀")).map(lambda unit: unit * limit)
    return st.one_of(texts, texts, texts, at_limit)


def dates_between(low: date, high: date) -> st.SearchStrategy[str]:
    return st.one_of(st.dates(low, high), st.sampled_from((low, high))).map(date.isoformat)


# Mostly recent dates, sometimes anything from year 1 to 9999.
any_dates = st.one_of(
    dates_between(date(1990, 1, 1), TODAY),
    dates_between(date(1990, 1, 1), TODAY),
    dates_between(date.min, date.max),
)


def field_strategy(field: forms.Field, model_validators: list) -> st.SearchStrategy | None:
    """Valid values for a form field, as posted strings; None for file fields.

    A model form's fields lack the model's validators (they run in full_clean), so
    those are passed in to find the bounds.
    """
    if isinstance(field, forms.FileField):
        return None
    if isinstance(field, forms.BooleanField):
        return st.just("on")
    if isinstance(field, forms.ModelChoiceField):
        pks = [str(pk) for pk in field.queryset.values_list("pk", flat=True)]
        return st.sampled_from(pks or [""])
    if isinstance(field, forms.MultipleChoiceField):
        return st.lists(
            st.sampled_from(_choice_values(field)),
            min_size=1 if field.required else 0,
            max_size=4,
            unique=True,
        )
    if isinstance(field, forms.ChoiceField):
        return st.sampled_from(_choice_values(field))
    if isinstance(field, forms.DecimalField):
        low, high = _bounds(field, model_validators)
        places = field.decimal_places if field.decimal_places is not None else 2
        low = Decimal(-999) if low is None else Decimal(low)
        high = Decimal(999) if high is None else Decimal(high)
        return st.one_of(
            st.decimals(low, high, places=places).map(str),
            st.integers(int(low), int(high)).map(str),
            st.sampled_from((str(low), str(high))),
        )
    if isinstance(field, forms.IntegerField):
        low, high = _bounds(field, model_validators)
        low = -1000 if low is None else int(low)
        high = 1000 if high is None else int(high)
        return st.one_of(st.integers(low, high), st.sampled_from((low, high))).map(str)
    if isinstance(field, forms.DateField):
        return any_dates
    if isinstance(field, forms.EmailField):
        return fresh_emails
    if isinstance(field, forms.UUIDField):
        return st.uuids().map(str)
    if isinstance(field, forms.CharField):
        return text_up_to(field.max_length, required=field.required)
    return safe_text


fresh_emails = st.one_of(
    st.builds(
        lambda name, n: f"{name}{n}@example.test",
        st.sampled_from(("new.person", "p", "Zoë", "o'brien")),
        st.integers(0, 10**6),
    ),
    st.emails(),
)


def form_data(
    form: forms.BaseForm,
    overrides: dict[str, st.SearchStrategy] | None = None,
) -> st.SearchStrategy[dict]:
    """Valid-looking data for every field of `form`: required ones always present,
    optional ones sometimes. `overrides` replace the derived strategies."""
    overrides = overrides or {}
    model = form._meta.model if isinstance(form, forms.BaseModelForm) else None

    def validators(name: str) -> list:
        try:
            return model._meta.get_field(name).validators if model else []
        except FieldDoesNotExist:
            return []

    required, optional = {}, {}
    for name, field in form.fields.items():
        strategy = overrides[name] if name in overrides else field_strategy(field, validators(name))
        if strategy is None:
            continue
        target = required if field.required or name in overrides else optional
        target[name] = strategy
    return st.fixed_dictionaries(required, optional=optional)


# --------------------------------------------------------------------------------------
# Snapshots of every application table
# --------------------------------------------------------------------------------------

# Rows that may change when a submission is refused: denials are audited, sessions are
# touched by the middleware, and django-axes and clinic.throttle count failed sign-ins.
MAY_CHANGE = {AuditEvent, SecurityCounter}
MAY_CHANGE_APPS = {"sessions", "axes"}
MUST_BE_SNAPSHOTTED = (
    Patient,
    PatientProgram,
    Program,
    ProgramItem,
    ProgramRevision,
    Exercise,
    ExerciseCue,
    SessionLog,
    SessionEntry,
    MorningCheck,
    Flag,
    Visit,
    Measurement,
    OutcomeResponse,
    OutcomeAssignment,
    Membership,
    User,
    Invitation,
    Clinic,
    HandoutPrint,
)


def _snapshot_tables() -> list[tuple[str, str]]:
    """(table, SELECT statement) for every concrete table but the ones allowed to change."""
    quote_name = connection.ops.quote_name
    tables = []
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if model in MAY_CHANGE or meta.app_label in MAY_CHANGE_APPS:
            continue
        if not meta.managed or meta.proxy:
            continue
        columns = ", ".join(quote_name(f.column) for f in meta.local_concrete_fields)
        query = (
            f"SELECT {columns} FROM {quote_name(meta.db_table)} "  # noqa: S608 (model metadata)
            f"ORDER BY {quote_name(meta.pk.column)}"
        )
        tables.append((meta.db_table, query))
    return tables


SNAPSHOT_TABLES = _snapshot_tables()


def snapshot() -> dict[str, list[tuple]]:
    with connection.cursor() as cursor:
        rows = {}
        for table, query in SNAPSHOT_TABLES:
            cursor.execute(query)
            rows[table] = cursor.fetchall()
    return rows


def snapshot_diff(before: dict, after: dict) -> str:
    lines = []
    for table in before:
        if before[table] == after[table]:
            continue
        old, new = set(before[table]), set(after[table])
        lines.append(
            f"{table}: removed {_short(sorted(old - new, key=repr))} "
            f"added {_short(sorted(new - old, key=repr))}"
        )
    return "\n".join(lines)


def _short(value: Any, limit: int = 600) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


# --------------------------------------------------------------------------------------
# What counts as success
# --------------------------------------------------------------------------------------

REFUSAL_LEVELS = {message_levels.ERROR, message_levels.INFO}


def refusal_messages(response: HttpResponse) -> list[str]:
    """Error and info messages: the app's way to say "nothing was done" on a redirect."""
    request = getattr(response, "wsgi_request", None)
    if request is None or not hasattr(request, "_messages"):
        return []
    return [str(m) for m in get_messages(request) if m.level in REFUSAL_LEVELS]


def redirected(response: HttpResponse) -> bool:
    return response.status_code == 302 and not refusal_messages(response)


def token_shown(response: HttpResponse) -> bool:
    """A new API token is shown once, on the page itself (nothing to redirect to)."""
    return response.status_code == 200 and b"Copy this token now" in response.content


def report_asked(response: HttpResponse) -> bool:
    """The report was asked of the worker: off to its "being prepared" page."""
    return redirected(response) and "/report/" in response["Location"]


def invitation_sent(response: HttpResponse) -> bool:
    """E-mailed (redirect) or shown for printing (200, the print page)."""
    templates = {t.name for t in getattr(response, "templates", []) or []}
    printed = response.status_code == 200 and "clinician/patient_invitation_print.html" in templates
    return redirected(response) or printed


# --------------------------------------------------------------------------------------
# The world every endpoint is fuzzed in
# --------------------------------------------------------------------------------------


@pytest.fixture
def world(
    personas,
    clinic_a,
    clinic_b,
    admin_a,
    clinician_a,
    clinician_b,
    patient_a1,
    patient_a2,
    patient_b1,
) -> dict[str, Any]:
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
    open_flag = Flag.objects.create(
        patient=patient_a1, kind=Flag.Kind.PAIN_HIGH, reason="Pain 8/10", raised_on=TODAY
    )
    reviewed_flag = Flag.objects.create(
        patient=patient_a1,
        kind=Flag.Kind.INACTIVE,
        reason="No activity",
        raised_on=TODAY - timedelta(days=5),
        reviewed_at=now,
        reviewed_by=clinician_a,
    )
    b_flag = Flag.objects.create(
        patient=patient_b1, kind=Flag.Kind.PAIN_HIGH, reason="Pain 9/10", raised_on=TODAY
    )
    visit = Visit.objects.create(patient=patient_a1, measured_on=TODAY, recorded_by=clinician_a)
    measurements = [
        Measurement.objects.create(visit=visit, code="schober", value=3),
        Measurement.objects.create(
            visit=visit, code="slr", side="left", value=60, symptoms="Back of thigh"
        ),
        Measurement.objects.create(visit=visit, code="sit_reach", value=10, zero_point=23),
    ]
    b_visit = Visit.objects.create(patient=patient_b1, measured_on=TODAY)
    b_measurement = Measurement.objects.create(visit=b_visit, code="schober", value=4)
    OutcomeAssignment.objects.create(patient=patient_a1, code="nprs")
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


def tricky_ids(w: dict) -> tuple[str, ...]:
    """Real identifiers, including other clinics' ones, as hostile values."""
    return (
        str(w["b1"].uuid),
        str(w["b1"].pk),
        str(w["b_program"].uuid),
        str(w["b_template"].uuid),
        str(w["b_own"].uuid),
        str(w["b_m"].uuid),
        str(w["b_m"].clinic_id),
        str(w["users"]["clinician_b"].pk),
        str(w["a1"].uuid),
        str(w["program"].uuid),
        str(w["own"].uuid),
        str(w["shared"][0].uuid),
        str(w["items"][0].pk),
        str(w["users"]["admin_a"].pk),
        *[str(item.pk) for item in w["b_items"]],
    )


# --------------------------------------------------------------------------------------
# The endpoints
# --------------------------------------------------------------------------------------

Built = tuple[st.SearchStrategy[str], st.SearchStrategy[dict]]


@dataclass(frozen=True)
class Endpoint:
    persona: str  # who is allowed to post here
    examples: int
    build: Callable[[dict], Built]  # (url strategy, valid-data strategy)
    success: Callable[[HttpResponse], bool] = redirected
    # Runs before the examples, in a savepoint rolled back after them.
    setup: Callable[[dict], None] | None = None
    # False where the allowed persona cannot be refused (e.g. archive takes no data).
    refusable: bool = True
    # Regression seeds: (url, data, urlencoded) checked after the generated examples, so
    # a shape Hypothesis found once keeps being checked whatever the generator draws.
    seeds: Callable[[dict], list[tuple[str, dict, bool]]] | None = None
    # For two-step forms: GET the drawn URL first (it keeps state in the session), then
    # POST to the URL this returns.
    opens_first: Callable[[Client, str], str] | None = None


def one(url: str) -> st.SearchStrategy[str]:
    return st.just(url)


def patient_fields(w: dict, *, instance: Patient | None) -> st.SearchStrategy[dict]:
    form = PatientForm(instance=instance, membership=w["clin_m"])
    oldest = TODAY.replace(year=TODAY.year - 119)
    emails = [fresh_emails, st.sampled_from(w["emails"] + [w["patients"][1].email])]
    if instance is not None:
        emails += [st.just(instance.email), st.just(instance.email.upper())]
    else:
        emails.append(st.just(""))
    return form_data(
        form,
        {
            "date_of_birth": dates_between(oldest, TODAY),
            "email": st.one_of(*emails),
            "phone": st.one_of(st.just(""), st.from_regex(r"\+?[0-9 ()\-.]{6,32}", fullmatch=True)),
            "clinician": st.sampled_from(
                [
                    "",
                    str(w["users"]["clinician_a"].pk),
                    str(w["users"]["admin_a"].pk),
                    str(w["users"]["clinician_b"].pk),
                ]
            ),
        },
    )


def build_patient_new(w: dict) -> Built:
    return one("/portal/patients/new/"), patient_fields(w, instance=None)


def build_patient_edit(w: dict) -> Built:
    return one(w["a1_url"] + "edit/"), patient_fields(w, instance=w["a1"])


def patient_urls(w: dict, suffix: str) -> st.SearchStrategy[str]:
    return st.sampled_from([f"/portal/patients/{p.uuid}/{suffix}" for p in w["patients"]])


def build_archive(w: dict) -> Built:
    return patient_urls(w, "archive/"), st.just({})


def build_restore(w: dict) -> Built:
    return patient_urls(w, "restore/"), st.just({})


def build_invitation(w: dict) -> Built:
    return patient_urls(w, "invitation/"), st.fixed_dictionaries(
        {"delivery": st.sampled_from(("email", "print"))}
    )


def build_staff_invite(w: dict) -> Built:
    return one("/portal/staff/"), form_data(
        StaffInviteForm(), {"email": st.one_of(fresh_emails, st.sampled_from(w["emails"]))}
    )


def build_staff_update(w: dict) -> Built:
    urls = st.sampled_from(
        [f"/portal/staff/{m.uuid}/" for m in (w["clin_m"], w["admin_m"], w["b_m"])]
    )
    return urls, st.fixed_dictionaries(
        {
            "action": st.sampled_from(("role", "deactivate", "reactivate")),
            "role": st.sampled_from(Membership.Role.values),
        }
    )


TIMEZONES = ("Europe/London", "America/Chicago", "UTC", "Asia/Kolkata", "Pacific/Chatham")


def with_upload(fields: st.SearchStrategy[dict], name: str) -> st.SearchStrategy[dict]:
    return st.builds(
        lambda data, upload: {**data, **upload},
        fields,
        st.fixed_dictionaries({}, optional={name: uploads}),
    )


def build_clinic_settings(w: dict) -> Built:
    fields = form_data(
        ClinicSettingsForm(instance=w["clinic_a"]),
        {
            "timezone": st.one_of(st.sampled_from(TIMEZONES), st.timezone_keys()),
            "phone": st.one_of(st.just(""), st.from_regex(r"\+?[0-9 ()\-.]{6,32}", fullmatch=True)),
        },
    )
    return one("/portal/clinic/"), with_upload(fields, "logo")


def exercise_fields(instance: Exercise | None) -> st.SearchStrategy[dict]:
    return with_upload(form_data(ExerciseForm(instance=instance)), "photo")


def build_api_token_new(w: dict) -> Built:
    fields = form_data(
        ApiTokenForm(),
        {
            "expires_on": st.dates(TODAY + timedelta(days=1), TODAY + timedelta(days=700)).map(
                date.isoformat
            )
        },
    )
    return one("/portal/clinic/api-tokens/"), fields


def build_exercise_new(w: dict) -> Built:
    return one("/portal/library/new/"), exercise_fields(None)


def build_exercise_edit(w: dict) -> Built:
    return one(f"/portal/library/{w['own'].uuid}/edit/"), exercise_fields(w["own"])


def build_exercise_copy(w: dict) -> Built:
    urls = st.sampled_from([f"/portal/library/{e.uuid}/copy/" for e in (*w["shared"], w["own"])])
    return urls, st.just({})


def build_template_new(w: dict) -> Built:
    return one("/portal/templates/new/"), st.just({})


@st.composite
def builder_data(draw: Callable, w: dict, program: Program) -> dict:
    """The builder's whole form: program fields, item rows, an action and a revision."""
    program_form = ProgramForm(instance=program, is_template=program.is_template)
    data = draw(form_data(program_form))
    exercises = [str(e.uuid) for e in (*w["shared"], w["own"])]
    rows = draw(st.integers(0, 5))
    data["items-TOTAL_FORMS"] = str(rows)
    data["items-INITIAL_FORMS"] = "0"
    item_fields = form_data(
        ItemForm(),
        {"id": st.just(""), "exercise": st.sampled_from(exercises)},
    )
    for index in range(rows):
        for name, value in draw(item_fields).items():
            data[f"items-{index}-{name}"] = value
    data["action"] = draw(
        st.sampled_from(
            (
                *["save"] * 8,
                f"add:{exercises[0]}",
                f"add:{exercises[-1]}",
                f"add:{w['b_own'].uuid}",
                "remove:0",
                "up:1",
                "down:0",
                "",
                "search",
            )
        )
    )
    data["revision"] = draw(st.sampled_from((str(program.revision),) * 3 + ("0", "99")))
    if draw(st.booleans()):
        data["q"] = draw(safe_text)
        data["category"] = draw(st.sampled_from(("", *Category.values)))
    return data


def build_template_edit(w: dict) -> Built:
    template = w["own_template"]
    return one(f"/portal/templates/{template.uuid}/edit/"), builder_data(w, template)


def build_program_edit(w: dict) -> Built:
    return one(w["a1_program_url"] + "edit/"), builder_data(w, w["program"])


def build_program_start(w: dict) -> Built:
    templates = [w["shared_template"], w["own_template"], w["b_template"]]
    confirm = st.sampled_from(("1", "", "0"))
    data = st.one_of(
        st.fixed_dictionaries(
            {"template": st.sampled_from([str(t.uuid) for t in templates])},
            optional={"confirm": confirm},
        ),
        st.fixed_dictionaries(
            {"copy": st.sampled_from([str(w["program"].uuid), str(w["b_program"].uuid)])},
            optional={"confirm": confirm},
        ),
        st.fixed_dictionaries({"blank": st.just("1")}, optional={"confirm": confirm}),
    )
    return patient_urls(w, "programs/start/"), data


def build_program_status(w: dict) -> Built:
    return one(w["a1_program_url"] + "status/"), st.fixed_dictionaries(
        {"status": st.sampled_from(Program.Status.values)},
        optional={"confirm": st.sampled_from(("1", ""))},
    )


def build_save_as_template(w: dict) -> Built:
    return one(w["a1_program_url"] + "save-as-template/"), st.fixed_dictionaries(
        {}, optional={"title": text_up_to(120, required=True)}
    )


def build_handout_email(w: dict) -> Built:
    return one(w["a1_program_url"] + "handout/email/"), st.fixed_dictionaries(
        {}, optional={"large": st.sampled_from(("1", "0"))}
    )


def build_intake(w: dict) -> Built:
    return one(w["a1_url"] + "intake/"), form_data(IntakeForm())


def build_goal_new(w: dict) -> Built:
    # Mostly coherent, so that both acceptance and each refusal are reached.
    return one(w["a1_url"] + "goals/new/"), form_data(
        GoalForm(),
        {
            "tracks": st.sampled_from(("", "nprs", "odi", "lumbar_flexion")),
            "target": st.one_of(st.sampled_from(("", "3", "20", "99")), hostile_scalar),
            "target_on": st.one_of(
                st.dates(TODAY + timedelta(days=1), TODAY + timedelta(days=700)).map(
                    date.isoformat
                ),
                hostile_scalar,
            ),
        },
    )


def build_discharge(w: dict) -> Built:
    # The page's program, or none once a discharge without a maintenance copy went through.
    seen = st.sampled_from(("", str(w["program"].uuid)))
    return one(w["a1_url"] + "discharge/"), form_data(DischargeForm(goals=[]), {"program": seen})


def build_flag_review(w: dict) -> Built:
    flags = [*w["flags"], w["b_flag"]]
    return st.sampled_from([f"{w['a1_url']}flags/{f.uuid}/review/" for f in flags]), st.just({})


def build_visit_new(w: dict) -> Built:
    return one(w["a1_url"] + "measures/new/"), form_data(VisitForm())


def build_measurement_correct(w: dict) -> Built:
    urls = [f"{w['a1_url']}measures/{m.uuid}/correct/" for m in w["measurements"]]
    urls.append(f"{w['a1_url']}measures/{w['b_measurement'].uuid}/correct/")
    # One form's fields serve all: only the value's bounds differ per measure.
    form = CorrectionForm(code="hip_flexion")
    return st.sampled_from(urls), form_data(
        form, {"value": st.decimals(-40, 150, places=1).map(str)}
    )


@st.composite
def psfs_answers(draw: Callable, base: st.SearchStrategy[dict]) -> dict:
    """PSFS: some activities, each with a rating (3 or more are needed)."""
    data = {k: v for k, v in draw(base).items() if not k.startswith(("activity_", "rating_"))}
    for n in draw(st.sets(st.integers(1, 5), min_size=2, max_size=5)):
        data[f"activity_{n}"] = draw(text_up_to(100, required=True))
        data[f"rating_{n}"] = str(draw(st.integers(0, 10)))
    return data


def outcome_fields(code: str, *, for_patient: bool) -> st.SearchStrategy[dict]:
    fields = form_data(OutcomeForm(code=code, for_patient=for_patient))
    return psfs_answers(fields) if code == "psfs" else fields


def build_outcome_new(code: str) -> Callable[[dict], Built]:
    def build(w: dict) -> Built:
        return one(f"{w['a1_url']}outcomes/{code}/new/"), outcome_fields(code, for_patient=False)

    return build


def build_outcome_assign(w: dict) -> Built:
    return one(w["a1_url"] + "outcomes/assign/"), st.fixed_dictionaries(
        {"code": st.sampled_from(tuple(scoring.INSTRUMENTS))}
    )


def build_report(w: dict) -> Built:
    starts = st.one_of(
        st.dates(TODAY - timedelta(days=800), TODAY),
        st.dates(TODAY - timedelta(days=800), TODAY),
        st.dates(date.min, TODAY),
        st.just(date.min),
    )
    periods = st.tuples(starts, st.integers(0, 800)).map(
        lambda p: {
            "start": p[0].isoformat(),
            "end": min(p[0] + timedelta(days=p[1]), date.max).isoformat(),
        }
    )
    data = st.builds(
        lambda period, narrative: {**period, **narrative},
        periods,
        st.fixed_dictionaries({}, optional={"narrative": text_up_to(3000, required=False)}),
    )
    return one(w["a1_url"] + "report/"), data


def session_fields(w: dict) -> st.SearchStrategy[dict]:
    form = SessionForm(items=w["items"])
    return form_data(
        form, {"client_token": st.one_of(st.just("world-token"), text_up_to(64, required=True))}
    )


def build_log(w: dict) -> Built:
    data = st.builds(
        lambda fields, all_done: {**fields, **all_done},
        session_fields(w),
        st.fixed_dictionaries({}, optional={"all_done": st.just("1")}),
    )
    return one("/me/log/"), data


def build_log_edit(w: dict) -> Built:
    return one("/me/log/edit/"), session_fields(w)


def oversized_item_keys(url: str) -> Callable[[dict], list[tuple[str, dict, bool]]]:
    """The session form reads item ids out of its keys ("done_<id>"). Found by this
    fuzzer: an id longer than Python's 4,300-digit int() limit."""

    def seeds(w: dict) -> list[tuple[str, dict, bool]]:
        item = w["items"][0].pk
        return [
            (url, {"client_token": "seed", f"done_{item}": "on", f"{stem}{'9' * 5000}": "on"}, True)
            for stem in ("done_", "sets_", "reps_")
        ]

    return seeds


def build_morning(w: dict) -> Built:
    return one("/me/morning/"), form_data(MorningCheckForm())


def build_questionnaire(code: str) -> Callable[[dict], Built]:
    def build(w: dict) -> Built:
        return one("/me/questionnaire/"), outcome_fields(code, for_patient=True)

    return build


def assign_to_a2(code: str) -> Callable[[dict], None]:
    """Patient A2 gets a questionnaire of this kind waiting (A1's NPRS is older)."""

    def setup(w: dict) -> None:
        OutcomeAssignment.objects.create(patient=w["patients"][1], code=code)

    return setup


STRONG = st.builds(
    lambda words, n: f"{words} {n}",
    st.sampled_from(("a long new passphrase", "correct horse battery", "Sieben Zwerge hinter")),
    st.integers(0, 10**6),
)


def build_invitation_accept(w: dict) -> Built:
    tokens = st.one_of(
        st.just(w["token"]),
        st.just(w["token"]),
        st.just(w["token"]),
        st.text(min_size=1, max_size=120).map(lambda t: quote(t, safe="")),
        st.sampled_from(("%00", "%ff%fe", "%ED%A0%80", "%C0%AF", "..", "%2e%2e", "%25", "a" * 101)),
    )
    passwords = st.one_of(
        STRONG,
        st.sampled_from(("password1234", "123456789012", "short", "ivy.invitee@example.test")),
    )
    data = st.one_of(
        STRONG.map(lambda p: {"new_password1": p, "new_password2": p}),
        st.fixed_dictionaries({"new_password1": passwords, "new_password2": passwords}),
    )
    return tokens.map(lambda t: f"/invite/{t}/"), data


def open_invitation_link(client: Client, url: str) -> str:
    """The link keeps its token in the session; the form then posts to /invite/."""
    response = client.get(url)
    assert response.status_code < 500, response.status_code
    return "/invite/"


def build_clinic_signin(w: dict) -> Built:
    emails = st.one_of(st.sampled_from(w["emails"]), fresh_emails, safe_text)
    return one(f"/start/{w['clinic_a'].uuid}/"), st.fixed_dictionaries({"email": emails})


def build_login(w: dict) -> Built:
    logins = st.one_of(st.sampled_from(w["emails"]), fresh_emails)
    passwords = st.one_of(st.just(PASSWORD), st.just(PASSWORD.upper()), safe_text)
    return one("/accounts/login/"), st.one_of(
        st.sampled_from(w["emails"]).map(lambda email: {"login": email, "password": PASSWORD}),
        st.fixed_dictionaries(
            {"login": logins, "password": passwords}, optional={"remember": st.just("on")}
        ),
    )


def build_password_reset(w: dict) -> Built:
    emails = st.one_of(st.sampled_from(w["emails"]), fresh_emails)
    return one("/accounts/password/reset/"), st.fixed_dictionaries({"email": emails})


CODES = tuple(scoring.INSTRUMENTS)

ENDPOINTS: dict[str, Endpoint] = {
    # Clinician portal: patient record and access
    "patient_new": Endpoint("clinician_a", 300, build_patient_new),
    "patient_edit": Endpoint("clinician_a", 300, build_patient_edit),
    "patient_archive": Endpoint("clinician_a", 60, build_archive, refusable=False),
    "patient_restore": Endpoint("clinician_a", 60, build_restore, refusable=False),
    "patient_invitation": Endpoint("clinician_a", 100, build_invitation, invitation_sent),
    # Clinic administration
    "staff_invite": Endpoint("admin_a", 250, build_staff_invite),
    "staff_update": Endpoint("admin_a", 150, build_staff_update),
    "clinic_settings": Endpoint("admin_a", 300, build_clinic_settings),
    "api_token_new": Endpoint("admin_a", 150, build_api_token_new, token_shown),
    "exercise_new": Endpoint("admin_a", 300, build_exercise_new),
    "exercise_edit": Endpoint("admin_a", 250, build_exercise_edit),
    "exercise_copy": Endpoint("admin_a", 30, build_exercise_copy, refusable=False),
    # Templates and programs
    "template_new": Endpoint("clinician_a", 40, build_template_new, refusable=False),
    "template_edit": Endpoint("clinician_a", 250, build_template_edit),
    "program_start": Endpoint("clinician_a", 150, build_program_start),
    "program_edit": Endpoint("clinician_a", 250, build_program_edit),
    "program_status": Endpoint("clinician_a", 120, build_program_status),
    "program_save_as_template": Endpoint(
        "clinician_a", 80, build_save_as_template, refusable=False
    ),
    "handout_email": Endpoint("clinician_a", 30, build_handout_email, refusable=False),
    "flag_review": Endpoint("clinician_a", 60, build_flag_review),
    # Clinical record
    "intake": Endpoint("clinician_a", 120, build_intake),
    "goal_new": Endpoint("clinician_a", 120, build_goal_new),
    "discharge": Endpoint("clinician_a", 60, build_discharge),
    # Measures and outcomes
    "visit_new": Endpoint("clinician_a", 300, build_visit_new),
    "measurement_correct": Endpoint("clinician_a", 250, build_measurement_correct),
    **{
        f"outcome_new_{code}": Endpoint("clinician_a", 100, build_outcome_new(code))
        for code in CODES
    },
    "outcome_assign": Endpoint("clinician_a", 100, build_outcome_assign),
    "report": Endpoint("clinician_a", 40, build_report, report_asked),
    # Patient area
    "patient_log": Endpoint("patient_a1", 300, build_log, seeds=oversized_item_keys("/me/log/")),
    "patient_log_edit": Endpoint(
        "patient_a1", 250, build_log_edit, seeds=oversized_item_keys("/me/log/edit/")
    ),
    "patient_morning": Endpoint("patient_a1", 150, build_morning),
    **{
        f"patient_questionnaire_{code}": Endpoint(
            "patient_a2", 60, build_questionnaire(code), setup=assign_to_a2(code)
        )
        for code in CODES
    },
    # Public pages
    "invitation_accept": Endpoint(
        "anonymous", 150, build_invitation_accept, opens_first=open_invitation_link
    ),
    "clinic_signin": Endpoint("anonymous", 100, build_clinic_signin),
    "account_login": Endpoint("anonymous", 80, build_login),
    "password_reset": Endpoint("anonymous", 150, build_password_reset),
}


@dataclass(frozen=True)
class KnownBug:
    """A bug this fuzzer found. The endpoint's test is a strict xfail until it is fixed.

    Submissions that `matches` are kept out of the random run, so the rest of the
    endpoint is still fuzzed in full; the endpoint's seeds reproduce the bug at the end.
    Remove the entry once the test passes (strict: an unexpected pass fails).
    """

    reason: str
    matches: Callable[[dict], bool]


# Found by this module and fixed: a done_/sets_/reps_ key with thousands of digits made
# SessionForm.clean call int() past Python's digit limit (a 500); the patient_log seeds
# still replay it. Add new finds here as KnownBug(reason, matches) until they are fixed.
KNOWN_BUGS: dict[str, KnownBug] = {}

POSTED: Counter[str] = Counter()
# (endpoint, "ok" or "refused", status) -> examples: shows that both paths were exercised.
OUTCOMES: Counter[tuple[str, str, int]] = Counter()

# Query strings some views read on POST too (the builder's library search and page).
query_strings = st.one_of(
    st.just(""),
    st.just(""),
    st.dictionaries(
        st.sampled_from(("page", "q", "category", "large", "next", "status", "sort")),
        hostile_scalar,
        min_size=1,
        max_size=2,
    ).map(lambda params: "?" + urlencode(params)),
)


def _post(client: Client, url: str, data: dict, urlencoded: bool) -> HttpResponse:
    if urlencoded:
        flat = {k: v.name if isinstance(v, Upload) else v for k, v in data.items()}
        return client.post(
            url, urlencode(flat, doseq=True), content_type="application/x-www-form-urlencoded"
        )
    files = {
        k: SimpleUploadedFile(v.name, v.content) if isinstance(v, Upload) else v
        for k, v in data.items()
    }
    return client.post(url, files)


def _describe(name: str, url: str, data: dict, response: HttpResponse) -> str:
    shown = {_short(key, 80): _short(value, 200) for key, value in data.items()}
    lines = [f"{name}: POST {_short(url, 200)} -> {response.status_code}", f"data: {shown}"]
    if getattr(response, "exc_info", None):
        lines.append("".join(traceback.format_exception(*response.exc_info)))
    body = response.content.decode("utf-8", "replace") if not response.streaming else ""
    lines.append(f"body: {_short(body, 2000)}")
    return "\n".join(lines)


def fuzz(name: str, w: dict) -> None:
    """Post the endpoint's examples; POSTED[name] counts them, even when one fails."""
    endpoint = ENDPOINTS[name]
    user = w["users"][endpoint.persona]
    session_cookie = None
    if user is not None:
        login = Client()
        login.force_login(user)
        session_cookie = login.cookies[django_settings.SESSION_COOKIE_NAME].value
    urls, valid = endpoint.build(w)
    data = submissions(valid, tricky_ids(w))
    if name in KNOWN_BUGS:
        data = data.filter(lambda d: not KNOWN_BUGS[name].matches(d))
    baseline = snapshot()

    def check(url: str, data: dict, urlencoded: bool) -> None:
        POSTED[name] += 1
        cache.clear()  # rate limits live there
        mail.outbox = []
        client = Client(raise_request_exception=False)
        if session_cookie is not None:
            client.cookies[django_settings.SESSION_COOKIE_NAME] = session_cookie
        with transaction.atomic():
            try:
                if endpoint.opens_first is not None:
                    url = endpoint.opens_first(client, url)
                response = _post(client, url, data, urlencoded)
                assert response.status_code < 500, _describe(name, url, data, response)
                if endpoint.persona != "anonymous":
                    # A harness mistake (signed out) must not pass for a refusal.
                    assert "/accounts/login/" not in response.get("Location", ""), name
                ok = endpoint.success(response)
                OUTCOMES[name, "ok" if ok else "refused", response.status_code] += 1
                if ok and response.status_code == 302 and response["Location"].startswith("/"):
                    # What was saved must show too: the page the user lands on works.
                    page = client.get(response["Location"])
                    assert page.status_code < 500, (
                        f"GET {response['Location']} after the successful POST:\n"
                        + _describe(name, url, data, page)
                    )
                if not ok:
                    after = snapshot()
                    assert after == baseline, (
                        "refused submission changed rows:\n"
                        + snapshot_diff(baseline, after)
                        + "\n"
                        + _describe(name, url, data, response)
                    )
            finally:
                transaction.set_rollback(True)

    @settings(
        max_examples=endpoint.examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        url=st.tuples(urls, query_strings).map("".join),
        data=data,
        urlencoded=st.booleans(),
    )
    def post_one(url: str, data: dict, urlencoded: bool) -> None:
        check(url, data, urlencoded)

    post_one()
    for seed in endpoint.seeds(w) if endpoint.seeds else ():
        check(*seed)


# --------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------


def outcome_count(name: str, kind: str) -> int:
    return sum(n for (endpoint, k, _), n in OUTCOMES.items() if endpoint == name and k == kind)


def _cases() -> list:
    cases = []
    for name in ENDPOINTS:
        marks = []
        if name in KNOWN_BUGS:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[name].reason))
        cases.append(pytest.param(name, marks=marks, id=name))
    return cases


@pytest.mark.parametrize("name", _cases())
def test_fuzzed_submissions_never_fail_and_refusals_change_nothing(world, name):
    endpoint = ENDPOINTS[name]
    POSTED[name] = 0
    with transaction.atomic():
        if endpoint.setup is not None:
            endpoint.setup(world)
        fuzz(name, world)
        transaction.set_rollback(True)
    planned = endpoint.examples + len(endpoint.seeds(world) if endpoint.seeds else ())
    assert POSTED[name] >= planned, f"{name}: only {POSTED[name]} of {planned} examples"
    # The allowed persona really got through, and the validation really ran.
    assert outcome_count(name, "ok") >= 1, f"{name}: no submission succeeded"
    if endpoint.refusable:
        assert outcome_count(name, "refused") >= 1, f"{name}: no submission was refused"


def test_snapshot_covers_every_application_table():
    tables = {table for table, _ in SNAPSHOT_TABLES}
    for model in MUST_BE_SNAPSHOTTED:
        assert model._meta.db_table in tables, model
    assert AuditEvent._meta.db_table not in tables


def test_at_least_4000_submissions_are_posted():
    """Each endpoint test checks it posted all its examples; their sum is at least 4,000.

    When every endpoint test ran in this process (not split across xdist workers), the
    real count is checked too, known bugs included (those stop at their first failure).
    """
    planned = sum(endpoint.examples for endpoint in ENDPOINTS.values())
    assert planned >= MIN_TOTAL_EXAMPLES, planned
    if set(POSTED) == set(ENDPOINTS):
        total = sum(POSTED.values())
        print(f"\n{total} fuzzed submissions posted to {len(POSTED)} endpoints:")
        for name, count in POSTED.items():
            ok = outcome_count(name, "ok")
            print(f"  {name:34} {count:4}  ({ok} accepted, {count - ok} refused or failed)")
        assert total >= MIN_TOTAL_EXAMPLES, total
