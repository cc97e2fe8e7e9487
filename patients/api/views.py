"""API: the clinic's patients and their record, for the clinic's other systems.

Each endpoint is the portal's page in other clothes: the same getters (a row of another
clinic is the same audited 404), the same forms on the same data, the same services, the
same audit actions (with the token noted on each event), and the same clinical
safeguards (a positive red-flag screen or a precaution conflict answers 409 with the
reason the portal would show).
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from clinic import audit, permissions
from clinic.api.framework import (
    IDEMPOTENT,
    UPDATED_SINCE,
    ClinicApiView,
    Conflict,
    Invalid,
    created_once,
    is_replay,
    updated_since,
)
from clinic.models import User
from patients.api.serializers import (
    FlagResolveSerializer,
    FlagSerializer,
    MeasurementSerializer,
    MorningCheckSerializer,
    MorningCheckWriteSerializer,
    OutcomeFeedSerializer,
    OutcomeSerializer,
    OutcomeWriteSerializer,
    PatientPageSerializer,
    PatientSearchSerializer,
    PatientSerializer,
    PatientUpdateSerializer,
    PatientWriteSerializer,
    ProgramStartSerializer,
    SessionSerializer,
    SessionWriteSerializer,
    VisitSerializer,
    VisitWriteSerializer,
)
from patients.forms.measures import OutcomeForm, VisitForm
from patients.forms.patient_area import MorningCheckForm, SessionForm
from patients.forms.records import PatientForm
from patients.intake import precaution_keep, program_conflicts
from patients.measures import BY_CODE, slot_key
from patients.models import (
    Flag,
    Measurement,
    MorningCheck,
    OutcomeResponse,
    Patient,
    SessionLog,
    Visit,
)
from patients.outcomes import carried_forward, visit_record
from patients.practice_log import (
    BeforeProgram,
    FlagNoteNeeded,
    LogRefused,
    TokenReused,
    current_program,
    flag_review,
    morning_check_record,
)
from patients.screening import ScreeningBlocks, program_start_blocked
from patients.services import (
    EmailTaken,
    patient_create,
    patient_program_start,
    patient_update,
)
from programs.api.serializers import ProgramDetailSerializer, ProgramSerializer
from programs.models import Program, ProgramItem


def _patient(request, patient_uuid) -> Patient:
    """The portal's getter: this clinic's patient or an audited 404; and, as there, an
    archived record takes no change (409) until it is restored in Limber."""
    patient = permissions.get_in_clinic_or_404(
        request, Patient.objects.select_related("clinic", "clinician"), patient_uuid
    )
    if request.method not in SAFE_METHODS and not patient.is_active and not is_replay(request):
        raise Conflict(
            "This patient is archived: their record is read-only until restored.",
            code="archived",
        )
    return patient


def _since(rows, request, *fields: str):
    since = updated_since(request)
    if since is None:
        return rows
    query = Q()
    for name in fields:
        query |= Q(**{f"{name}__gte": since})
    return rows.filter(query)


# --- Patients -------------------------------------------------------------------------


def _form_data(patient: Patient | None, data: dict, clinic) -> dict:
    """The portal form's fields from the API's data (on update, unchanged fields are the
    record's own). The clinician is named by public id; the form takes its row id."""
    current = {}
    if patient is not None:
        current = {
            "first_name": patient.first_name,
            "last_name": patient.last_name,
            "date_of_birth": patient.date_of_birth.isoformat(),
            "email": patient.email,
            "phone": patient.phone,
            "preferred_language": patient.preferred_language,
            "large_print": patient.large_print,
            "clinician": patient.clinician_id or "",
            "external_id": patient.external_id,
        }
    else:
        current = {"preferred_language": "en", "large_print": False, "clinician": ""}
    merged = {**current, **{k: v for k, v in data.items() if k != "clinician"}}
    if "date_of_birth" in data:
        merged["date_of_birth"] = data["date_of_birth"].isoformat()
    if "clinician" in data:
        wanted = data["clinician"]
        if wanted is None:
            merged["clinician"] = ""
        else:
            user = User.objects.filter(uuid=wanted, memberships__clinic=clinic).first()
            # An unknown or foreign id is refused by the form's own clinician choices.
            merged["clinician"] = user.pk if user else "0"
    if not merged.get("large_print"):
        merged.pop("large_print", None)
    return merged


def _patient_form(request, patient: Patient | None, data: dict) -> PatientForm:
    # A token is no member: nobody to put in charge by default (PatientForm reads the role).
    membership = SimpleNamespace(clinic=request.clinic, user_id=None, role="")
    form = PatientForm(
        _form_data(patient, data, request.clinic), instance=patient, membership=membership
    )
    if not form.is_valid():
        raise Invalid.from_form(form)
    return form


def _saved(form: PatientForm, save: Callable[[], Patient]) -> Patient:
    """`save()`, or the form's answer for an e-mail another request took meanwhile."""
    try:
        return save()
    except EmailTaken:
        form.email_taken_meanwhile()
        raise Invalid.from_form(form) from None


def _itself(patient: Patient) -> Patient:
    return patient


def _its_patient(row) -> Patient:
    return row.patient


class PatientList(ClinicApiView, ListAPIView):
    capabilities = {"GET": "patients.view", "POST": "patients.edit"}
    shows = "patients.view"
    patient_of = _itself
    serializer_class = PatientSerializer

    def get_queryset(self):
        rows = Patient.objects.filter(clinic=self.request.clinic).select_related("clinician")
        return _since(rows, self.request, "updated_at").order_by("updated_at", "id")

    @extend_schema(parameters=[UPDATED_SINCE], operation_id="patients_list")
    def get(self, request, *args, **kwargs):
        audit.record(request.actor, "caseload.view")
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=PatientWriteSerializer,
        responses={201: PatientSerializer, 200: PatientSerializer},
        operation_id="patients_create",
        parameters=[IDEMPOTENT],
    )
    def post(self, request, *args, **kwargs):
        """A new patient; with an Idempotency-Key, once."""

        def create() -> Response:
            shape = PatientWriteSerializer(data=request.data)
            shape.is_valid(raise_exception=True)
            form = _patient_form(request, None, shape.validated_data)
            patient = _saved(form, lambda: patient_create(actor=request.actor, **form.cleaned_data))
            return Response(PatientSerializer(patient).data, status=status.HTTP_201_CREATED)

        def again(uuid: str) -> Response:
            patient = _patient(request, uuid)
            audit.record(request.actor, "patient.view", patient=patient)
            return Response(PatientSerializer(patient).data)

        return created_once(request, create, again)


class PatientSearch(ClinicApiView, GenericAPIView):
    capabilities = {"POST": "patients.view"}
    shows = "patients.view"
    patient_of = _itself
    serializer_class = PatientSerializer
    # In order of names, which stay out of the page links (clinic.api.paging).
    cursor_sealed = True

    @extend_schema(
        request=PatientSearchSerializer,
        responses={200: PatientPageSerializer},
        operation_id="patients_search",
    )
    def post(self, request, *args, **kwargs):
        shape = PatientSearchSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        self._term = shape.validated_data["q"]
        audit.record(request.actor, "patient.search")
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(PatientSerializer(page, many=True).data)

    def get_queryset(self):
        return (
            Patient.objects.filter(clinic=self.request.clinic)
            .search(getattr(self, "_term", ""))
            .select_related("clinician")
            .order_by("last_name", "first_name", "id")
        )


class PatientDetail(ClinicApiView):
    capabilities = {"GET": "patients.view", "PATCH": "patients.edit"}
    shows = "patients.view"

    @extend_schema(responses=PatientSerializer, operation_id="patients_read")
    def get(self, request, patient_uuid):
        patient = _patient(request, patient_uuid)
        audit.record(request.actor, "patient.view", patient=patient, obj=patient)
        return Response(PatientSerializer(patient).data)

    @extend_schema(
        request=PatientUpdateSerializer, responses=PatientSerializer, operation_id="patients_update"
    )
    def patch(self, request, patient_uuid):
        patient = _patient(request, patient_uuid)
        shape = PatientUpdateSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        form = _patient_form(request, patient, shape.validated_data)
        # Only the fields sent are changed: the form is filled with the record's others,
        # as read before the service locks the row, and a change a colleague saved
        # meanwhile (a corrected e-mail) was written back over without a word.
        sent = {name: form.cleaned_data[name] for name in shape.validated_data}
        patient = _saved(form, lambda: patient_update(actor=request.actor, patient=patient, **sent))
        return Response(PatientSerializer(patient).data)


# --- Programs -------------------------------------------------------------------------


def _programs(patient: Patient):
    return Program.objects.filter(assignment__patient=patient).prefetch_related(
        Prefetch("items", ProgramItem.objects.select_related("exercise"))
    )


class ProgramList(ClinicApiView, ListAPIView):
    capabilities = {"GET": "clinical.view", "POST": "programs.edit"}
    shows = "clinical.view"
    serializer_class = ProgramSerializer

    def get_queryset(self):
        rows = _programs(self.patient)
        return _since(rows, self.request, "updated_at").order_by("created_at", "id")

    @extend_schema(parameters=[UPDATED_SINCE], operation_id="programs_list")
    def get(self, request, patient_uuid):
        self.patient = _patient(request, patient_uuid)
        audit.record(request.actor, "program.history", patient=self.patient)
        return self.list(request)

    @extend_schema(
        request=ProgramStartSerializer,
        responses={
            201: ProgramDetailSerializer,
            200: ProgramDetailSerializer,
            409: OpenApiResponse(description="A clinical safeguard refused: see the message."),
        },
        operation_id="programs_start",
        parameters=[IDEMPOTENT],
    )
    def post(self, request, patient_uuid):
        """Start a program from a template, with the portal's safeguards: a positive
        red-flag screen without a decision, or a template exercise that conflicts with the
        patient's precautions and has no keep decision, answers 409. With an
        Idempotency-Key, once: a resend gets the program the first sending started, where
        it would otherwise (with replace_current) complete that program and start another."""
        patient = _patient(request, patient_uuid)
        start: dict = {}

        def refuse() -> Response | None:
            refusal, start["source"], start["keep"] = self._checked(request, patient)
            return refusal

        def create() -> Response:
            program = self._start(request, patient, start["source"], start["keep"])
            return Response(ProgramDetailSerializer(program).data, status=status.HTTP_201_CREATED)

        def again(uuid: str) -> Response:
            program = get_object_or_404(_programs(patient).prefetch_related("revisions"), uuid=uuid)
            audit.record(request.actor, "program.view", patient=patient, obj=program)
            return Response(ProgramDetailSerializer(program).data)

        return created_once(request, create, again, refuse)

    def _checked(self, request, patient: Patient) -> tuple[Response | None, Program, dict]:
        """(a 409 naming the undecided precaution conflicts or None, the template, the
        keep decisions by (exercise uuid, precaution)); the other refusals raise."""
        shape = ProgramStartSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        data = shape.validated_data
        source = (
            Program.objects.templates_for(request.clinic.pk).filter(uuid=data["template"]).first()
        )
        if source is None:
            audit.denied(request.actor, object_type="program", object_id=str(data["template"]))
            raise Invalid({"template": ["That template is not available."]})
        blocked = program_start_blocked(patient)
        if blocked:
            raise Conflict(blocked, code="red_flag_screen")
        current = Program.objects.current_for(patient).first()
        if current is not None and not data["replace_current"]:
            raise Conflict(
                f"The patient's current program, “{current.title}”, would be completed. "
                "Send replace_current: true to go ahead.",
                code="current_program",
            )
        exercises = [item.exercise for item in source.items.select_related("exercise")]
        found, _decided = program_conflicts(patient, source, exercises=exercises)
        keep = {
            (str(k.get("exercise", "")), k.get("precaution", "")): k.get("reason", "").strip()
            for k in data.get("keep", [])
        }
        undecided = [c for c in found if not keep.get((str(c.exercise_uuid), c.precaution))]
        if not undecided:
            return None, source, keep
        conflicts = Response(
            {
                "error": {
                    "status": 409,
                    "code": "precaution_conflict",
                    "message": "; ".join(
                        f"{c.exercise_name}: {c.precaution_label}. {c.advice}" for c in undecided
                    ),
                    "fields": {},
                    "conflicts": [
                        {
                            "exercise": str(c.exercise_uuid),
                            "exercise_name": c.exercise_name,
                            "precaution": c.precaution,
                            "advice": c.advice,
                        }
                        for c in undecided
                    ],
                }
            },
            status=status.HTTP_409_CONFLICT,
        )
        return conflicts, source, keep

    def _start(self, request, patient: Patient, source: Program, keep: dict) -> Program:
        """The start and its keep decisions, in one transaction with the key (if any)."""
        try:
            program = patient_program_start(actor=request.actor, patient=patient, source=source)
        except ScreeningBlocks as error:  # decided between the check and the start
            raise Conflict(str(error), code="red_flag_screen") from error
        kept, _ = program_conflicts(patient, program)
        for conflict in kept:
            reason = keep.get((str(conflict.exercise_uuid), conflict.precaution))
            if reason:
                precaution_keep(
                    actor=request.actor,
                    patient=patient,
                    program=program,
                    conflict=conflict,
                    reason=reason,
                )
        return _programs(patient).prefetch_related("revisions").get(pk=program.pk)


class ProgramDetail(ClinicApiView):
    capabilities = {"GET": "clinical.view"}

    @extend_schema(responses=ProgramDetailSerializer, operation_id="programs_read")
    def get(self, request, patient_uuid, program_uuid):
        patient = _patient(request, patient_uuid)
        program = permissions.get_in_clinic_or_404(
            request, _programs(patient).prefetch_related("revisions"), program_uuid
        )
        audit.record(request.actor, "program.view", patient=patient, obj=program)
        return Response(ProgramDetailSerializer(program).data)


# --- Sessions and morning checks ------------------------------------------------------


class ClientTokenReused(exceptions.APIException):
    """As KeyReused (clinic.api.framework) for an Idempotency-Key: a token names one
    session, and answering another with it would drop the new one without a word."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "client_token_reused"


class SessionList(ClinicApiView, ListAPIView):
    capabilities = {"GET": "clinical.view", "POST": "clinical.record"}
    shows = "clinical.view"
    serializer_class = SessionSerializer

    def get_queryset(self):
        rows = (
            SessionLog.objects.filter(patient=self.patient)
            .select_related("program", "revision")
            .prefetch_related("entries__exercise")
        )
        return _since(rows, self.request, "updated_at").order_by("logged_at", "id")

    @extend_schema(parameters=[UPDATED_SINCE], operation_id="sessions_list")
    def get(self, request, patient_uuid):
        self.patient = _patient(request, patient_uuid)
        audit.record(request.actor, "sessions.view", patient=self.patient)
        return self.list(request)

    @extend_schema(
        request=SessionWriteSerializer,
        responses={
            201: SessionSerializer,
            200: SessionSerializer,
            409: OpenApiResponse(description="The program is paused or the day is to come."),
            422: OpenApiResponse(
                description="The client_token was saved before with another session "
                "(client_token_reused)."
            ),
        },
        operation_id="sessions_log",
    )
    def post(self, request, patient_uuid):
        """Log a session against the patient's current program (a clinic's kiosk or app).
        The same client_token twice returns the first session with 200; with another
        session (other pain, comment, exercises or day) it is refused, 422."""
        patient = _patient(request, patient_uuid)
        shape = SessionWriteSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        data = shape.validated_data
        program = current_program(patient)
        if program is None:
            raise Conflict("The patient has no current program to log against.", code="no_program")
        items = list(program.items.select_related("exercise"))
        form_data = {
            "client_token": data["client_token"],
            "pain": str(data["pain"]),
            "effort": "" if data.get("effort") is None else str(data["effort"]),
            "comment": data.get("comment", ""),
        }
        for done in data["exercises"]:
            form_data[f"done_{done['item']}"] = "on"
            for key in ("sets", "reps"):
                if done.get(key) is not None:
                    form_data[f"{key}_{done['item']}"] = str(done[key])
        form = SessionForm(form_data, items=items)
        if not form.is_valid():
            raise Invalid.from_form(form)
        try:
            session, created = form.log(
                patient=patient,
                program=program,
                actor=request.actor,
                performed_on=data.get("performed_on"),
                exact_resend=True,
            )
        except TokenReused as error:
            raise ClientTokenReused(str(error)) from error
        except BeforeProgram as error:
            raise Invalid({"performed_on": [str(error)]}) from error
        except LogRefused as error:
            raise Conflict(str(error), code="log_refused") from error
        if not created:
            # Answered with the session saved before: a read of it, as a replay's again().
            audit.record(request.actor, "session.view", patient=patient, obj=session)
        return Response(
            SessionSerializer(session).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class MorningCheckList(ClinicApiView, ListAPIView):
    capabilities = {"GET": "clinical.view", "POST": "clinical.record"}
    shows = "clinical.view"
    serializer_class = MorningCheckSerializer

    def get_queryset(self):
        rows = MorningCheck.objects.filter(patient=self.patient)
        # One a day: the day orders them on its own (and names the row in a page's cursor).
        return _since(rows, self.request, "updated_at").order_by("checked_on")

    @extend_schema(parameters=[UPDATED_SINCE], operation_id="morning_checks_list")
    def get(self, request, patient_uuid):
        self.patient = _patient(request, patient_uuid)
        audit.record(request.actor, "sessions.view", patient=self.patient)
        return self.list(request)

    @extend_schema(
        request=MorningCheckWriteSerializer,
        responses={201: MorningCheckSerializer},
        operation_id="morning_checks_record",
    )
    def post(self, request, patient_uuid):
        """Today's next-morning check (one a day: a second one replaces it, as in the
        patient area)."""
        patient = _patient(request, patient_uuid)
        shape = MorningCheckWriteSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        form = MorningCheckForm(
            {
                "compared": shape.validated_data["compared"],
                "pain": str(shape.validated_data["pain"]),
            }
        )
        if not form.is_valid():
            raise Invalid.from_form(form)
        check = morning_check_record(
            patient=patient,
            compared=form.cleaned_data["compared"],
            pain=form.cleaned_data["pain"],
            actor=request.actor,
        )
        return Response(MorningCheckSerializer(check).data, status=status.HTTP_201_CREATED)


# --- Measures, questionnaires, flags --------------------------------------------------


class MeasurementList(ClinicApiView, ListAPIView):
    capabilities = {"GET": "clinical.view", "POST": "clinical.record"}
    shows = "clinical.view"
    serializer_class = MeasurementSerializer

    def get_queryset(self):
        rows = (
            Measurement.objects.current()
            .filter(visit__patient=self.patient)
            .select_related("visit", "replaces")
        )
        return _since(rows, self.request, "created_at").order_by("created_at", "id")

    @extend_schema(parameters=[UPDATED_SINCE], operation_id="measurements_list")
    def get(self, request, patient_uuid):
        self.patient = _patient(request, patient_uuid)
        audit.record(request.actor, "measures.view", patient=self.patient)
        return self.list(request)

    @extend_schema(
        request=VisitWriteSerializer,
        responses={201: VisitSerializer, 200: VisitSerializer},
        operation_id="measurements_record",
        parameters=[IDEMPOTENT],
    )
    def post(self, request, patient_uuid):
        """One visit's measures, checked by the portal's visit form (bounds per measure);
        with an Idempotency-Key, once."""
        patient = _patient(request, patient_uuid)

        def again(uuid: str) -> Response:
            visit = get_object_or_404(Visit, uuid=uuid, patient=patient)
            audit.record(request.actor, "measures.view", patient=patient)
            return Response(_visit_data(visit))

        return created_once(request, lambda: self._record(request, patient), again)

    def _record(self, request, patient: Patient) -> Response:
        shape = VisitWriteSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        data = shape.validated_data
        form_data = {
            "measured_on": data["measured_on"].isoformat(),
            "notes": data.get("notes", ""),
        }
        if data.get("sit_reach_zero") is not None:
            form_data["sit_reach_zero"] = str(data["sit_reach_zero"])
        for value in data["values"]:
            measure = BY_CODE[value["code"]]
            side = value.get("side", "") if measure.sided else ""
            if measure.sided and not side:
                raise Invalid({"values": [f"{measure.label}: give the side, left or right."]})
            key = slot_key(measure, side)
            form_data[key] = str(value["value"])
            if value.get("pain_limited"):
                form_data[f"{key}_pain"] = "on"
            if value.get("method"):
                form_data[f"{measure.code}_method"] = value["method"]
            if value.get("symptoms") and measure.code == "slr":
                form_data[f"{key}_symptoms"] = value["symptoms"]
        form = VisitForm(form_data)
        if not form.is_valid():
            raise Invalid.from_form(form)
        visit = visit_record(
            actor=request.actor,
            patient=patient,
            measured_on=form.cleaned_data["measured_on"],
            values=form.values(),
            notes=form.cleaned_data["notes"],
        )
        return Response(_visit_data(visit), status=status.HTTP_201_CREATED)


def _visit_data(visit: Visit) -> dict:
    rows = list(visit.measurements.select_related("visit").order_by("id"))
    return VisitSerializer(
        {"uuid": visit.uuid, "measured_on": visit.measured_on, "notes": visit.notes,
         "measurements": rows}
    ).data  # fmt: skip


class OutcomeList(ClinicApiView, ListAPIView):
    capabilities = {"GET": "clinical.view", "POST": "clinical.record"}
    shows = "clinical.view"
    serializer_class = OutcomeSerializer

    def get_queryset(self):
        rows = OutcomeResponse.objects.filter(patient=self.patient)
        return _since(rows, self.request, "created_at").order_by("completed_on", "id")

    @extend_schema(parameters=[UPDATED_SINCE], operation_id="outcomes_list")
    def get(self, request, patient_uuid):
        self.patient = _patient(request, patient_uuid)
        audit.record(request.actor, "outcomes.view", patient=self.patient)
        return self.list(request)

    @extend_schema(
        request=OutcomeWriteSerializer,
        responses={201: OutcomeSerializer, 200: OutcomeSerializer},
        operation_id="outcomes_record",
        parameters=[IDEMPOTENT],
    )
    def post(self, request, patient_uuid):
        """A questionnaire, checked and scored as the portal's form does; with an
        Idempotency-Key, once."""
        patient = _patient(request, patient_uuid)

        def again(uuid: str) -> Response:
            response = get_object_or_404(OutcomeResponse, uuid=uuid, patient=patient)
            audit.record(request.actor, "outcomes.view", patient=patient)
            return Response(OutcomeSerializer(response).data)

        return created_once(request, lambda: self._record(request, patient), again)

    def _record(self, request, patient: Patient) -> Response:
        shape = OutcomeWriteSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        data = shape.validated_data
        code = data["code"]
        fields = {k: v for k, v in data["fields"].items() if k != "completed_on"}
        # A ticked RMDQ item arrives as "true"; Django's checkbox takes "false" as unticked.
        form = OutcomeForm(
            {**fields, "completed_on": data["completed_on"].isoformat()},
            code=code,
            activities=carried_forward(patient, code),
        )
        if not form.is_valid():
            raise Invalid.from_form(form)
        try:
            response = form.record(patient=patient, actor=request.actor)
        except ValueError as error:
            raise Invalid({"fields": [str(error)]}) from error
        return Response(OutcomeSerializer(response).data, status=status.HTTP_201_CREATED)


class OutcomeFeed(ClinicApiView, ListAPIView):
    """Every patient's questionnaires in the clinic, oldest first: with updated_since, what
    is new since the last sync (scores for referrers, payers and dashboards)."""

    capabilities = {"GET": "clinical.view"}
    serializer_class = OutcomeFeedSerializer
    patient_of = _its_patient
    read_action = "outcomes.view"

    def get_queryset(self):
        rows = OutcomeResponse.objects.filter(patient__clinic=self.request.clinic)
        rows = _since(rows, self.request, "created_at").select_related("patient__clinic")
        return rows.order_by("created_at", "id")

    @extend_schema(parameters=[UPDATED_SINCE], operation_id="outcomes_feed")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class FlagList(ClinicApiView, ListAPIView):
    capabilities = {"GET": "clinical.view"}
    serializer_class = FlagSerializer

    def get_queryset(self):
        rows = Flag.objects.filter(patient=self.patient)
        since = updated_since(self.request)
        if since is not None:
            rows = rows.filter(updated_at__gte=since)
        return rows.order_by("raised_on", "id")

    @extend_schema(parameters=[UPDATED_SINCE], operation_id="flags_list")
    def get(self, request, patient_uuid):
        self.patient = _patient(request, patient_uuid)
        audit.record(request.actor, "flags.view", patient=self.patient)
        return self.list(request)


class FlagResolve(ClinicApiView):
    capabilities = {"POST": "clinical.record"}
    shows = "clinical.view"

    @extend_schema(
        request=FlagResolveSerializer,
        responses={
            200: FlagSerializer,
            409: OpenApiResponse(description="An urgent flag sent without a note (note_required)."),
        },
        operation_id="flags_resolve",
    )
    def post(self, request, patient_uuid, flag_uuid):
        """Mark the flag reviewed, with what was done about it, as the chart's button does
        (an urgent flag needs the note); again: no change."""
        patient = _patient(request, patient_uuid)
        flag = permissions.get_in_clinic_or_404(
            request, Flag.objects.filter(patient=patient), flag_uuid, clinic_field="patient__clinic"
        )
        shape = FlagResolveSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        try:
            flag, reviewed = flag_review(
                actor=request.actor, flag=flag, note=shape.validated_data.get("note", "")
            )
        except FlagNoteNeeded as needed:
            raise Conflict(str(needed), code="note_required") from needed
        if not reviewed:
            # Reviewed before (this call sent again, or a colleague): answered with the
            # flag as it is, a read of it.
            audit.record(request.actor, "flags.view", patient=patient, obj=flag)
        return Response(FlagSerializer(flag).data)
