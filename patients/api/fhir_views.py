"""FHIR R4 (read-only) under /fhir/R4/: metadata, reads, searches by patient,
_lastUpdated and _count, and Patient/<id>/$everything. JSON only (application/fhir+json).

The same tokens, scopes, getters and audit as the REST API (clinic.api); errors are
OperationOutcome resources. Every resource is built and validated in patients.fhir.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from django.db.models import Exists, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import urlencode
from django.views.decorators.http import require_GET
from rest_framework import exceptions
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic import audit, permissions
from clinic.api import framework as api_framework
from clinic.api import paging
from clinic.api.framework import ClinicApiView, to_utc
from clinic.models import Membership, User
from clinic.parsing import parse_uuid
from patients import fhir
from patients.models import Measurement, MorningCheck, OutcomeResponse, Patient, SessionLog
from programs.models import Program, ProgramItem

# FHIR search prefixes (eq on an instant is taken as "from then on").
PREFIXES = {"eq": "gte", "ge": "gte", "gt": "gt", "le": "lte", "lt": "lt"}
# How many times a search parameter may come (once, unless named here).
REPEATS = {"_lastUpdated": 2}
MAX_COUNT = 200
DEFAULT_COUNT = 50


class FhirRenderer(JSONRenderer):
    media_type = fhir.MIME
    format = "json"


class AlwaysFhir(BaseContentNegotiation):
    """JSON is the only format served, whatever the Accept header says."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


ISSUE_CODES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    429: "throttled",
    503: "transient",
}


class AnswersInFhir(APIView):
    """Answers in FHIR's JSON, and refusals as an OperationOutcome, as FHIR says."""

    renderer_classes = [FhirRenderer]
    content_negotiation_class = AlwaysFhir
    schema = None  # not part of the REST API's OpenAPI schema

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        error = (response.data or {}).get("error", {})
        response.data = {
            "resourceType": "OperationOutcome",
            "issue": [
                {
                    "severity": "error",
                    "code": ISSUE_CODES.get(response.status_code, "processing"),
                    "diagnostics": error.get("message") or "Refused.",
                }
            ],
        }
        return response


class NoSuchAddress(AnswersInFhir, api_framework.NoSuchAddress):
    """Any address under /fhir/R4/ this server does not serve (a resource type it does
    not have, an id of another server's): an OperationOutcome, which a FHIR client reads."""

    message = "This server has no such address: /fhir/R4/metadata lists what it serves."
    ends_with_slash = False


class FhirView(AnswersInFhir, ClinicApiView):
    # --- search parameters -----------------------------------------------------------

    def page_size(self) -> int:
        """_count: from 1 to MAX_COUNT, DEFAULT_COUNT when not given."""
        try:
            count = int(self.request.query_params.get("_count", str(DEFAULT_COUNT))[:6])
        except ValueError as error:
            raise exceptions.ValidationError("_count is a whole number.") from error
        if not 1 <= count <= MAX_COUNT:
            raise exceptions.ValidationError(f"_count is from 1 to {MAX_COUNT}.")
        return count

    # The resource type a search view searches (fhir.SEARCHABLE names its parameters).
    searches = ""
    # Ours, on every search: the cursor of its `next` links (clinic.api.paging; _offset
    # only for a first page), and the format (JSON only).
    ALWAYS = frozenset({"_cursor", "_offset", "_format"})

    def only_known_params(self, known: Iterable[str]) -> None:
        """A parameter this server does not search by is refused, 400, as FHIR lets a
        server do: left out, `Patient?identifier=MRN-1` or `Observation?subject=…`
        answered with every patient of the clinic, and a client that took the first entry
        as its match had the wrong patient (found by the attack review)."""
        unknown = sorted(set(self.request.query_params) - set(known) - self.ALWAYS)
        if unknown:
            raise exceptions.ValidationError(
                f"This server does not search by {', '.join(p[:40] for p in unknown[:5])}: "
                "/fhir/R4/metadata lists the parameters it supports."
            )
        # FHIR ANDs a repeated parameter: `patient=A&patient=B` answered B's alone, and a
        # third _lastUpdated was dropped (found by the API review). Only a range repeats.
        for name, values in self.request.query_params.lists():
            most = REPEATS.get(name, 1)
            if len(values) > most:
                raise exceptions.ValidationError(
                    f"This server takes {name[:40]} "
                    + ("once." if most == 1 else f"at most {most} times (a range's two ends).")
                )

    def page_count(self) -> int:
        """The search's own parameters checked, and its page size (_count)."""
        self.only_known_params(fhir.SEARCHABLE[self.searches])
        if paging.offset_refused(self.request, "_offset"):
            raise exceptions.ValidationError(f"_offset: {paging.OFFSET_GONE}")
        return self.page_size()

    # A search in order of people's names seals its cursors (clinic.api.paging.Cursor).
    cursor_sealed = False

    def cursor(self) -> paging.Cursor:
        return paging.Cursor(f"limber.fhir.search:{self.request.path}", sealed=self.cursor_sealed)

    def sent_cursor(self) -> list | None:
        """Where the page goes on from (the `next` link's _cursor), None on a first page."""
        if "_cursor" not in self.request.query_params:
            return None
        return self.cursor().read(self.request.query_params["_cursor"])

    def page_of(self, rows, count: int) -> tuple[list, list | None]:
        """Up to `count` rows of `rows` after the sent cursor, and the position of the last
        one when there are more (for the `next` link)."""
        order = paging.ordering(rows)
        sent = self.sent_cursor()
        if sent is not None:
            rows = paging.after(rows, sent)
        found = list(rows[: count + 1])  # one more: whether there is a next page
        page = found[:count]
        if len(found) <= count:
            return page, None
        return page, paging.position(page[-1], order)

    def filtered(self, rows, field: str):
        """_lastUpdated=[ge|gt|le|lt|eq]<date or dateTime> on `field`; two make a range."""
        for value in self.request.query_params.getlist("_lastUpdated"):
            prefix = value[:2] if value[:2] in PREFIXES else "ge"
            moment = _moment(value.removeprefix(prefix)[:40], prefix)
            if moment is None:
                raise exceptions.ValidationError(
                    "_lastUpdated takes a date or dateTime, from the year 1 to 9998."
                )
            rows = rows.filter(**{f"{field}__{PREFIXES[prefix]}": moment})
        return rows

    def patient_param(self) -> Patient | bool | None:
        """The `patient` search parameter: the patient, False when it names none of this
        clinic's (an empty result, never a 404 that would tell), None when absent."""
        value = self.request.query_params.get("patient")
        if value is None:
            return None
        key = parse_uuid(value.removeprefix("Patient/")[:64])
        found = (
            Patient.objects.filter(clinic=self.request.clinic, uuid=key).first() if key else None
        )
        return found or False

    def searchset(
        self,
        resources: list[dict],
        total: int,
        following: list | None,
        *,
        patients: list[Patient] | tuple[()],
        about: str,
    ) -> Response:
        """The page as a searchset Bundle. `patients`: whose data the page holds (each is
        recorded as exported, once), so no search can leave that out; `about` names the
        resource type in those audit events."""
        audit.record_reads(self.request.actor, "export.fhir", patients, object_type=about)
        base = self.request.build_absolute_uri("/fhir/R4/")
        next_url = None
        if following is not None:
            # Every value of a repeated parameter (both ends of a _lastUpdated range).
            params = [(k, v) for k, vs in self.request.query_params.lists() for v in vs]
            params = [(k, v) for k, v in params if k not in ("_offset", "_cursor")]
            params.append(("_cursor", self.cursor().sign(following)))
            next_url = self.request.build_absolute_uri(self.request.path) + "?" + urlencode(params)
        # What was searched, every parameter of it applied (only_known_params).
        self_url = self.request.build_absolute_uri()
        return Response(
            fhir.bundle(
                resources,
                kind="searchset",
                base=base,
                total=total,
                next_url=next_url,
                self_url=self_url,
            )
        )


def _moment(value: str, prefix: str = "ge") -> datetime | None:
    """A FHIR dateTime in UTC, or a date: the whole day (UTC), so "le" and "gt" a date
    compare with its end and "ge" and "lt" with its start; None if neither."""
    if len(value) == 10:
        try:
            day = parse_date(value)
        except ValueError:
            return None
        if day is None:
            return None
        start = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
        if prefix not in ("le", "gt"):
            return start
        try:
            return start + timedelta(days=1) - timedelta(microseconds=1)
        except OverflowError:  # the end of 9999-12-31: past what a moment can hold
            return None
    return to_utc(value)


def _check_day(key: str):
    """The day in a morning check's id ("<patient uuid>-YYYYMMDD"), or None."""
    if len(key) != 45 or key[36] != "-" or not key[37:].isdigit():
        return None
    try:
        return date(int(key[37:41]), int(key[41:43]), int(key[43:45]))
    except ValueError:
        return None


def _patients(request):
    return Patient.objects.filter(clinic=request.clinic).select_related("clinic", "clinician")


def _patient(request, patient_uuid) -> Patient:
    return permissions.get_in_clinic_or_404(request, _patients(request), patient_uuid)


@require_GET
@permissions.public
def metadata(request: HttpRequest) -> JsonResponse:
    """The CapabilityStatement: what this server does. No clinic data, no token needed."""
    statement = fhir.capability_statement(request.build_absolute_uri("/fhir/R4/"), timezone.now())
    return JsonResponse(statement, content_type=fhir.MIME)


# --- Patient ------------------------------------------------------------------------------


class PatientSearch(FhirView):
    searches = "Patient"
    capabilities = {"GET": "patients.view"}

    def get(self, request):
        count = self.page_count()
        rows = self.filtered(_patients(request), "updated_at").order_by("updated_at", "id")
        total = rows.count()
        page, following = self.page_of(rows, count)
        return self.searchset(
            [fhir.patient(p) for p in page], total, following, patients=page, about="patient"
        )


class PatientRead(FhirView):
    capabilities = {"GET": "patients.view"}

    def get(self, request, patient_uuid):
        record = _patient(request, patient_uuid)
        audit.record(request.actor, "export.fhir", patient=record, obj=record)
        return Response(fhir.patient(record))


def _programs(record: Patient):
    return (
        Program.objects.filter(assignment__patient=record)
        .select_related("created_by")
        .prefetch_related(Prefetch("items", ProgramItem.objects.select_related("exercise")))
    )


# $everything is paged by a cursor, not an offset: each page goes on from the last resource
# sent, so a session logged or removed while a system pages through the record moves no
# later page (by position, one resource would come twice, or never). The parts of the
# record come in a fixed order, the rows of each in the order of their public key (the
# uuid in the resource's id; a morning check's day), which never changes. The cursor is
# the part and the last resource's key, nothing the page did not already show (never a
# row's sequential key), signed for this one patient so it cannot be altered or used for
# another record.
EVERYTHING_CURSOR = "patients.fhir.everything"
Cursor = tuple[int, str]


def _everything_parts(record: Patient) -> tuple:
    """(rows, their key, resource of a row) for each part of the record after the first
    (the patient, the clinic and the clinician)."""
    outcomes = OutcomeResponse.objects.filter(patient=record)
    return (
        (_programs(record), "uuid", lambda p: fhir.careplan(p, record)),
        (
            Measurement.objects.current()
            .filter(visit__patient=record)
            .select_related("visit", "recorded_by"),
            "uuid",
            lambda m: fhir.measurement_observation(m, record),
        ),
        (
            SessionLog.objects.filter(patient=record, pain__isnull=False),
            "uuid",
            lambda s: fhir.session_pain_observation(s, record),
        ),
        (
            MorningCheck.objects.filter(patient=record),
            "checked_on",
            lambda c: fhir.morning_pain_observation(c, record),
        ),
        (outcomes, "uuid", lambda r: fhir.outcome_observation(r, record)),
        # Only the instruments whose wording may be shown (fhir.questionnaire_response).
        (
            outcomes.filter(code__in=fhir.SHOWN),
            "uuid",
            lambda r: fhir.questionnaire_response(r, record),
        ),
    )


def _everything_first(record: Patient) -> list[dict]:
    resources = [fhir.patient(record), fhir.organization(record.clinic)]
    clinician = _staff(record.clinic).filter(pk=record.clinician_id).first()
    if clinician is not None:
        resources.append(fhir.practitioner(clinician, on_staff=clinician.on_staff))
    return resources


def _everything_page(
    record: Patient, count: int, cursor: Cursor | None
) -> tuple[list[dict], Cursor | None]:
    """Up to `count` resources after `cursor` ((part, last key sent), None for the
    first page), and the cursor of the next page (None on the last)."""
    part, after = cursor or (0, "")
    want = count + 1  # one more than the page: whether there is a next page
    found: list[tuple[int, str, dict]] = []
    if part == 0:
        first = [(0, str(n), r) for n, r in enumerate(_everything_first(record))]
        found += [row for row in first if not after or int(row[1]) > int(after)][:want]
    for n, (rows, key, resource) in enumerate(_everything_parts(record), start=1):
        if n < part or len(found) >= want:
            continue
        if n == part:
            rows = rows.filter(**{f"{key}__gt": after})
        for row in rows.order_by(key)[: want - len(found)]:
            found.append((n, str(getattr(row, key)), resource(row)))
    page = found[:count]
    following = (page[-1][0], page[-1][1]) if len(found) > count else None
    return [r for _part, _key, r in page], following


class PatientEverything(FhirView):
    """The patient's whole record as a searchset Bundle, a page at a time (`_count`, and
    the `next` link's cursor)."""

    capabilities = {"GET": ("patients.view", "clinical.view")}

    def get(self, request, patient_uuid):
        record = _patient(request, patient_uuid)
        # Not _since, start or end: this server gives the whole record, and says so.
        self.only_known_params(("_count", "_cursor"))
        count = self.page_size()
        signer = paging.Cursor(f"{EVERYTHING_CURSOR}:{record.uuid}")
        cursor = None
        if "_cursor" in request.query_params:
            sent = signer.read(request.query_params["_cursor"])
            try:
                part, key = sent
                cursor = (int(part), str(key))
            except (TypeError, ValueError) as error:
                raise exceptions.ValidationError(paging.NOT_A_PAGE_LINK) from error
        audit.record(request.actor, "export.fhir", patient=record, obj=record)
        resources, following = _everything_page(record, count, cursor)
        here = request.build_absolute_uri(request.path)

        def link(to: Cursor | None) -> str:
            params: dict = {"_count": count}
            if to is not None:
                params["_cursor"] = signer.sign(to)
            return f"{here}?{urlencode(params)}"

        return Response(
            fhir.bundle(
                resources,
                kind="searchset",
                base=request.build_absolute_uri("/fhir/R4/"),
                self_url=link(cursor),
                next_url=link(following) if following else None,
            )
        )


# --- Practitioner, Organization -------------------------------------------------------------


def _staff(clinic):
    """Everyone who is or was on the clinic's staff, with `on_staff` for who works there
    now: the references to them (a patient's clinician, a program's author, a value's
    recorder) outlive their membership, and each must resolve."""
    now = Membership.objects.active().filter(clinic=clinic, user=OuterRef("pk"))
    return User.objects.filter(memberships__clinic=clinic).annotate(on_staff=Exists(now))


class PractitionerSearch(FhirView):
    searches = "Practitioner"
    capabilities = {"GET": "patients.view"}
    cursor_sealed = True

    def get(self, request):
        count = self.page_count()
        audit.record(request.actor, "staff.view", object_type="practitioner")
        rows = _staff(request.clinic).order_by("full_name", "id")
        total = rows.count()
        page, following = self.page_of(rows, count)
        return self.searchset(
            [fhir.practitioner(u, on_staff=u.on_staff) for u in page],
            total,
            following,
            patients=(),
            about="",
        )


class PractitionerRead(FhirView):
    capabilities = {"GET": "patients.view"}

    def get(self, request, user_uuid):
        found = _staff(request.clinic).filter(uuid=parse_uuid(user_uuid)).first()
        if found is None:
            raise permissions.not_found(request, "practitioner", user_uuid)
        audit.record(request.actor, "staff.view", obj=found, target_user=found)
        return Response(fhir.practitioner(found, on_staff=found.on_staff))


class OrganizationSearch(FhirView):
    searches = "Organization"
    capabilities = {"GET": "patients.view"}

    def get(self, request):
        self.page_count()
        audit.record(request.actor, "clinic.view", obj=request.clinic)
        # The clinic is the one row: a page after it has none.
        rows = [request.clinic] if self.sent_cursor() is None else []
        return self.searchset([fhir.organization(c) for c in rows], 1, None, patients=(), about="")


class OrganizationRead(FhirView):
    capabilities = {"GET": "patients.view"}

    def get(self, request, clinic_uuid):
        if parse_uuid(clinic_uuid) != request.clinic.uuid:
            raise permissions.not_found(request, "organization", clinic_uuid)
        audit.record(request.actor, "clinic.view", obj=request.clinic)
        return Response(fhir.organization(request.clinic))


# --- CarePlan -------------------------------------------------------------------------------


class CarePlanSearch(FhirView):
    searches = "CarePlan"
    capabilities = {"GET": "clinical.view"}

    def get(self, request):
        count = self.page_count()
        rows = Program.objects.filter(assignment__patient__clinic=request.clinic)
        wanted = self.patient_param()
        if wanted is False:
            rows = rows.none()
        elif wanted is not None:
            rows = rows.filter(assignment__patient=wanted)
        rows = (
            self.filtered(rows, "updated_at")
            .select_related("created_by", "assignment__patient__clinic")
            .prefetch_related(Prefetch("items", ProgramItem.objects.select_related("exercise")))
            .order_by("updated_at", "id")
        )
        total = rows.count()
        page, following = self.page_of(rows, count)
        return self.searchset(
            [fhir.careplan(p, p.assignment.patient) for p in page],
            total,
            following,
            patients=[p.assignment.patient for p in page],
            about="careplan",
        )


class CarePlanRead(FhirView):
    capabilities = {"GET": "clinical.view"}

    def get(self, request, program_uuid):
        program = permissions.get_in_clinic_or_404(
            request,
            Program.objects.filter(assignment__isnull=False)
            .select_related("created_by", "assignment__patient__clinic")
            .prefetch_related(Prefetch("items", ProgramItem.objects.select_related("exercise"))),
            program_uuid,
        )
        record = program.assignment.patient
        audit.record(request.actor, "export.fhir", patient=record, obj=program)
        return Response(fhir.careplan(program, record))


# --- Observation ----------------------------------------------------------------------------


def _observation_sources(request, wanted):
    """(measurements, sessions, morning checks, outcome responses) of the clinic, or of
    one patient."""
    clinic = request.clinic
    # Corrected values too, as "entered-in-error" from the moment they were replaced: a
    # system that took the old value learns to drop it (the correction is a new resource).
    measurements = Measurement.objects.filter(visit__patient__clinic=clinic).annotate(
        changed_at=Coalesce("replaced_at", "created_at")
    )
    sessions = SessionLog.objects.filter(patient__clinic=clinic, pain__isnull=False)
    checks = MorningCheck.objects.filter(patient__clinic=clinic)
    outcomes = OutcomeResponse.objects.filter(patient__clinic=clinic)
    if wanted is False:
        return measurements.none(), sessions.none(), checks.none(), outcomes.none()
    if wanted is not None:
        measurements = measurements.filter(visit__patient=wanted)
        sessions = sessions.filter(patient=wanted)
        checks = checks.filter(patient=wanted)
        outcomes = outcomes.filter(patient=wanted)
    return measurements, sessions, checks, outcomes


# An observation's place in a search: (moment, kind, row), its kinds in this order. A
# cursor names the row by its public key (an id's part after the kind), as its id does.
_KEYS = {"c": ("patient__uuid", "checked_on"), "m": ("uuid",), "o": ("uuid",), "s": ("uuid",)}


def _observation_key(kind: str, values: tuple) -> str:
    if kind == "c":
        patient_uuid, day = values
        return f"{patient_uuid}-{day:%Y%m%d}"
    return str(values[0])


def _observations_after(kind: str, field: str, rows, sent: list):
    """The rows of one kind of observation after the cursor's (moment, kind, key)."""
    try:
        when, last_kind, key = sent
        moment = to_utc(when)
        if moment is None or last_kind not in _KEYS:
            raise ValueError(sent)
        if kind != last_kind:
            return rows.filter(**{f"{field}__gte" if kind > last_kind else f"{field}__gt": moment})
        if kind == "c":
            day = _check_day(key)
            if day is None:
                raise ValueError(key)
            the_row = rows.model._base_manager.filter(patient__uuid=key[:36], checked_on=day)
        else:
            the_row = rows.model._base_manager.filter(uuid=parse_uuid(key))
    except (TypeError, ValueError) as error:
        raise exceptions.ValidationError(paging.NOT_A_PAGE_LINK) from error
    # A row deleted since: the rows of its moment come again, rather than some not at all.
    last = Coalesce(Subquery(the_row.values("pk")[:1]), 0)
    return rows.filter(
        Q(**{f"{field}__gt": moment}) | Q(**{field: moment, "pk__gt": last}),
        **{f"{field}__gte": moment},
    )


class ObservationSearch(FhirView):
    searches = "Observation"
    capabilities = {"GET": "clinical.view"}

    def get(self, request):
        count = self.page_count()
        sent = self.sent_cursor()
        sources = _observation_sources(request, self.patient_param())
        measurements, sessions, checks, outcomes = sources
        measurements = self.filtered(measurements, "changed_at").select_related(
            "visit__patient__clinic", "recorded_by"
        )
        sessions = self.filtered(sessions, "updated_at").select_related("patient__clinic")
        outcomes = self.filtered(outcomes, "created_at").select_related("patient__clinic")
        checks = self.filtered(checks, "updated_at").select_related("patient__clinic")
        # Four sources, one order (moment, kind, row): the first count + 1 rows of each
        # after the cursor hold every row of the page and whether there is a next, so no
        # more than their keys are read of any, and only the page's rows in full.
        sources = (
            ("m", "changed_at", measurements),
            ("s", "updated_at", sessions),
            ("o", "created_at", outcomes),
            ("c", "updated_at", checks),
        )
        keyed, total = [], 0
        for kind, field, rows in sources:
            total += rows.count()
            if sent is not None:
                rows = _observations_after(kind, field, rows, sent)
            head = rows.order_by(field, "pk").values_list(field, "pk", *_KEYS[kind])
            keyed += [(when, kind, pk, key) for when, pk, *key in head[: count + 1]]
        keyed.sort(key=lambda row: row[:3])
        page = keyed[:count]
        following = None
        if len(keyed) > count:
            when, kind, _pk, key = page[-1]
            following = [when.isoformat(), kind, _observation_key(kind, tuple(key))]
        full = {
            kind: rows.in_bulk([pk for _when, k, pk, _key in page if k == kind])
            for kind, _field, rows in sources
        }
        resources, patients = [], []
        for _when, kind, pk, _key in page:
            row = full[kind][pk]
            if kind == "m":
                record = row.visit.patient
                resources.append(fhir.measurement_observation(row, record))
            elif kind == "s":
                record = row.patient
                resources.append(fhir.session_pain_observation(row, record))
            elif kind == "c":
                record = row.patient
                resources.append(fhir.morning_pain_observation(row, record))
            else:
                record = row.patient
                resources.append(fhir.outcome_observation(row, record))
            patients.append(record)
        return self.searchset(resources, total, following, patients=patients, about="observation")


class ObservationRead(FhirView):
    capabilities = {"GET": "clinical.view"}

    def get(self, request, observation_id: str):
        kind, _, key = observation_id.partition("-")
        uuid = parse_uuid(key[:36])
        measurements, sessions, checks, outcomes = _observation_sources(request, None)
        resource = record = None
        if uuid is not None and kind == "m":
            row = measurements.filter(uuid=uuid).select_related("visit__patient__clinic").first()
            if row:
                record = row.visit.patient
                resource = fhir.measurement_observation(row, record)
        elif uuid is not None and kind == "s":
            row = sessions.filter(uuid=uuid).select_related("patient__clinic").first()
            if row:
                record = row.patient
                resource = fhir.session_pain_observation(row, record)
        elif uuid is not None and kind == "c":
            day = _check_day(key)
            row = checks.filter(patient__uuid=uuid, checked_on=day).first() if day else None
            if row:
                record = row.patient
                resource = fhir.morning_pain_observation(row, record)
        elif uuid is not None and kind == "o":
            row = outcomes.filter(uuid=uuid).select_related("patient__clinic").first()
            if row:
                record = row.patient
                resource = fhir.outcome_observation(row, record)
        if resource is None:
            raise permissions.not_found(request, "observation", observation_id)
        audit.record(request.actor, "export.fhir", patient=record, object_type="observation",
                     object_id=observation_id)  # fmt: skip
        return Response(resource)


# --- QuestionnaireResponse ------------------------------------------------------------------


class QuestionnaireResponseSearch(FhirView):
    searches = "QuestionnaireResponse"
    capabilities = {"GET": "clinical.view"}

    def get(self, request):
        count = self.page_count()
        rows = OutcomeResponse.objects.filter(
            patient__clinic=request.clinic, code__in=fhir.SHOWN
        ).select_related("patient__clinic")
        wanted = self.patient_param()
        if wanted is False:
            rows = rows.none()
        elif wanted is not None:
            rows = rows.filter(patient=wanted)
        rows = self.filtered(rows, "created_at").order_by("created_at", "id")
        total = rows.count()
        page, following = self.page_of(rows, count)
        resources = [fhir.questionnaire_response(r, r.patient) for r in page]
        return self.searchset(
            resources,
            total,
            following,
            patients=[r.patient for r in page],
            about="questionnaireresponse",
        )


class QuestionnaireResponseRead(FhirView):
    capabilities = {"GET": "clinical.view"}

    def get(self, request, response_uuid):
        row = permissions.get_in_clinic_or_404(
            request,
            OutcomeResponse.objects.filter(code__in=fhir.SHOWN).select_related("patient__clinic"),
            response_uuid,
            clinic_field="patient__clinic",
        )
        audit.record(request.actor, "export.fhir", patient=row.patient, obj=row)
        return Response(fhir.questionnaire_response(row, row.patient))
