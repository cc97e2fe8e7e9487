"""The clinic's audit log, for clinic admins: read-only, filterable by patient and user.

It lives in `patients` because it shows patient names, which `clinic` must not know about.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from clinic import audit, permissions
from clinic.models import AuditEvent, User
from clinic.parsing import parse_int, parse_uuid
from patients.models import Patient

AUDIT_PAGE_SIZE = 50


@require_GET
@never_cache
@permissions.staff_required("audit.view")
def audit_log(request: HttpRequest) -> HttpResponse:
    clinic = request.clinic
    events = AuditEvent.objects.filter(clinic=clinic).select_related("actor", "target_user")
    patient_filter = parse_uuid(request.GET.get("patient"))
    patient = None
    if patient_filter:
        patient = Patient.objects.filter(clinic=clinic, uuid=patient_filter).first()
        events = events.filter(patient_uuid=patient_filter)
    staff = User.objects.filter(memberships__clinic=clinic).order_by("full_name", "email")
    actor_filter = parse_uuid(request.GET.get("user"))
    if actor_filter and patient_filter:
        # The patient's trail is the smaller set: a few hundred events, against a staff
        # member's millions. SQLite keeps no statistics to tell, and read the member's
        # whole history through the actor index (0.5 s at 3 million events; 7 ms by the
        # patient's); `+ 0` leaves that index out of its choice.
        actor = User.objects.filter(uuid=actor_filter).values("pk")[:1]
        events = events.alias(actor_pk=F("actor_id") + 0).filter(actor_pk=Subquery(actor))
    elif actor_filter:
        events = events.filter(actor__uuid=actor_filter)
    page = _page(events, request.GET)
    # One query for the names of the patients on this page, not one per row.
    uuids = {event.patient_uuid for event in page.events if event.patient_uuid}
    names = {p.uuid: p.full_name for p in Patient.objects.filter(clinic=clinic, uuid__in=uuids)}
    rows = [(event, names.get(event.patient_uuid)) for event in page.events]
    # A patient's trail is a read of their record (who saw it, what changed), audited
    # under their name; the whole clinic's log is audited once per view, as the caseload.
    audit.record(request.actor, "audit.view", patient=patient)
    query = request.GET.copy()
    for key in ("before", "after", "page"):
        query.pop(key, None)
    return render(
        request,
        "clinician/audit_log.html",
        {
            "page": page,
            "rows": rows,
            "patient": patient,
            "staff": staff,
            "actor_filter": actor_filter,
            "querystring": query.urlencode(),
        },
    )


@dataclass(frozen=True)
class Page:
    """A page of the log, newest first, and where the pages beside it start: the
    "Older" link shows the events before `older_than`, the "Newer" link those after
    `newer_than` (None: no such page)."""

    events: list[AuditEvent]
    older_than: int | None
    newer_than: int | None
    first: bool


def _page(events: QuerySet[AuditEvent], query) -> Page:
    """The page before (older than) or after (newer than) an event of `events`, else the
    newest. Pages are found from an event's place in time, through the index, never by
    counting: the log grows with every read of patient data, and counting it to number
    the pages (or skipping to page N) read every event of the clinic, 0.14 s for the
    first page at 3 million events and 0.35 s at page 3,000. An event that is not in
    `events` (another clinic's, or one a filter leaves out) is no place: the newest
    page is shown."""
    if (mark := _event(events, query.get("after"))) is not None:
        newer = events.filter(created_at__gte=mark.created_at).exclude(
            created_at=mark.created_at, id__lte=mark.id
        )
        found = list(newer.order_by("created_at", "id")[: AUDIT_PAGE_SIZE + 1])
        shown = found[:AUDIT_PAGE_SIZE][::-1]
        more = len(found) > AUDIT_PAGE_SIZE
        return Page(
            shown,
            older_than=shown[-1].id if shown else None,
            newer_than=shown[0].id if more else None,
            first=not more,
        )
    if (mark := _event(events, query.get("before"))) is not None:
        events = events.filter(created_at__lte=mark.created_at).exclude(
            created_at=mark.created_at, id__gte=mark.id
        )
    found = list(events[: AUDIT_PAGE_SIZE + 1])
    shown = found[:AUDIT_PAGE_SIZE]
    return Page(
        shown,
        older_than=shown[-1].id if len(found) > AUDIT_PAGE_SIZE else None,
        newer_than=shown[0].id if mark is not None and shown else None,
        first=mark is None,
    )


def _event(events: QuerySet[AuditEvent], value) -> AuditEvent | None:
    pk = parse_int(value, low=1, high=2**63 - 1)  # what a database's integer holds
    if pk is None:
        return None
    return events.select_related(None).only("id", "created_at").filter(pk=pk).first()
