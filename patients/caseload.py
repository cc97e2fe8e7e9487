"""The caseload's figures, stored on each patient row so that every sort is an indexed read.

The caseload sorts a clinic's patients (10,000 in a large one) by adherence over the 7
full days before the patient's today, by open flags and by last activity, with patients
who reported an urgent symptom first. Computing those figures for every patient on every
request, before sorting and taking 25 rows, cost 100 ms at that size. So each patient row
carries them, with `figures_until`: the instant they stop being true, which is the
patient's next midnight (their own time zone, else the clinic's; patients.adherence's
`patient_today` is the one definition of their day).

They are written, in the transaction of the change, by every write that moves them
(a logged or corrected session, a program change through the per-day plan, a flag raised,
updated or reviewed, a new time zone), and recomputed after midnight by the hourly
sweep (`refresh_stale`), which the caseload also runs before it reads, for the rows whose
day has ended since (normally none, so it costs one indexed lookup). What a day prescribes
still comes only from the stored per-day plan (PrescribedDay, owned by patients.adherence);
what was done, from the session logs' (patient, performed_on) index.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db import connection
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from clinic.capabilities import IN_CHARGE, roles_that_can
from clinic.models import Clinic, Membership, User
from patients.models import (
    ADHERENCE_DAYS,
    FIGURES_NEVER,
    NO_ADHERENCE,
    Flag,
    Patient,
    PrescribedDay,
    SessionLog,
)


def in_charge_of():
    """For a Membership row (clinic.models.MEMBER_FIGURES): how many of its clinic's active
    patients name the member as the clinician in charge. The staff page shows it before a
    deactivation: those patients stay, and their handouts name the clinic instead
    (Patient.clinician_to_contact)."""
    counted = (
        Patient.objects.active()
        .filter(clinic_id=OuterRef("clinic_id"), clinician_id=OuterRef("user_id"))
        .order_by()
        .values("clinician_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


# Rows per UPDATE in a bulk refresh: well under every database's parameter limit.
BATCH = 500


def _figures_sql(today) -> str:
    """SET clauses for the stored columns of each updated row, over the ADHERENCE_DAYS
    full days before `today`.

    Written as SQL rather than ORM expressions because the caseload runs this UPDATE on
    every request (matching no rows on all but the first after a midnight): compiling the
    equivalent nested Subquery/Case expressions took longer than the rest of the page.
    Plain SQL that SQLite and PostgreSQL read alike; the only values put into it are dates
    and numbers made here, never anything a user typed.
    """
    first, last = today - timedelta(days=ADHERENCE_DAYS), today - timedelta(days=1)
    patient = Patient._meta.db_table
    done = (
        f"COALESCE((SELECT SUM(s.exercises_done) FROM {SessionLog._meta.db_table} s "  # noqa: S608
        f"WHERE s.patient_id = {patient}.id "
        f"AND s.performed_on BETWEEN '{first.isoformat()}' AND '{last.isoformat()}'), 0)"
    )
    prescribed = (
        f"COALESCE((SELECT SUM(d.sessions) FROM {PrescribedDay._meta.db_table} d "  # noqa: S608
        f"WHERE d.patient_id = {patient}.id "
        f"AND d.day BETWEEN '{first.isoformat()}' AND '{last.isoformat()}'), 0.0)"
    )
    flags = (
        f"FROM {Flag._meta.db_table} f WHERE f.patient_id = {patient}.id AND f.reviewed_at IS NULL"
    )
    urgent = ", ".join(f"'{kind}'" for kind in Flag.URGENT_KINDS)
    percent = f"{done} * 100.0 / {prescribed}"
    # adherence_7d is None when nothing was prescribed on the days counted (a program
    # started today, paused, or none): "new", not 0 %, and sorted last (NO_ADHERENCE).
    return (
        f"done_7d = {done}, prescribed_7d = {prescribed}, "
        f"adherence_7d = CASE WHEN {prescribed} > 0 THEN {percent} ELSE NULL END, "
        f"adherence_sort = CASE WHEN {prescribed} > 0 THEN {percent} ELSE {NO_ADHERENCE!r} END, "
        f"open_flags = (SELECT COUNT(*) {flags}), "
        f"urgent = EXISTS(SELECT 1 {flags} AND f.kind IN ({urgent})), "
        f"quiet = EXISTS(SELECT 1 {flags} AND f.kind = '{Flag.Kind.INACTIVE.value}')"
    )


def _next_midnight(today, tz) -> datetime:
    # Midnight may not exist on a day the clocks change (some zones change at 00:00):
    # fold and normalisation through UTC give the first instant of the new day.
    local = datetime.combine(today + timedelta(days=1), time.min, tzinfo=tz)
    return local.astimezone(zoneinfo.ZoneInfo("UTC"))


def _zone(name: str):
    # As Patient.tzinfo and Clinic.tzinfo, from the names alone (no rows loaded).
    try:
        return zoneinfo.ZoneInfo(name) if name else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def _write(where: str, params: list, tz, now, active_at: datetime | None = None) -> int:
    """One UPDATE of the rows matching `where` (SQL with %s parameters), for the day of
    time zone `tz` at `now`; `active_at` stamps last_activity_at in the same UPDATE.
    Returns the number of rows written."""
    today = timezone.localtime(now, tz).date()
    adapt = connection.ops.adapt_datetimefield_value
    stamp, stamped = ("last_activity_at = %s, ", [adapt(active_at)]) if active_at else ("", [])
    sql = (
        f"UPDATE {Patient._meta.db_table} SET {stamp}figures_until = %s, "  # noqa: S608 - see _figures_sql
        f"{_figures_sql(today)} WHERE {where}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*stamped, adapt(_next_midnight(today, tz)), *params])
        return cursor.rowcount


def _ids(pks: list[int]) -> tuple[str, list]:
    return f"id IN ({', '.join(['%s'] * len(pks))})", list(pks)


def refresh(patients) -> int:
    """Recompute the stored figures of `patients` (a Patient queryset), each for their own
    today. Returns how many rows were written: one SELECT, then one UPDATE per time zone
    and batch."""
    now = timezone.now()
    groups: dict[object, list[int]] = defaultdict(list)
    rows = patients.order_by().values_list("pk", "timezone", "clinic__timezone")
    for pk, own, clinic in rows:
        groups[_zone(own) or _zone(clinic) or zoneinfo.ZoneInfo("UTC")].append(pk)
    written = 0
    for tz, pks in groups.items():
        for start in range(0, len(pks), BATCH):
            written += _write(*_ids(pks[start : start + BATCH]), tz, now)
    return written


def refresh_one(patient: Patient, *, active: bool = False) -> None:
    """After a write that moves one patient's figures, in the same transaction: one UPDATE.
    `active`: the write was the patient's own (a session, a morning check, a sign told),
    stamped as their last activity by the same UPDATE (one write of the row, not two on
    every session logged)."""
    now = timezone.now()
    _write("id = %s", [patient.pk], patient.tzinfo, now, active_at=now if active else None)


def refresh_stale() -> int:
    """Rows of every clinic whose day has ended since they were computed (or never
    computed): the hourly sweep. The caseload refreshes its own clinic's before it reads
    (refresh_stale_for_caseload)."""
    return refresh(Patient.objects.filter(figures_until__lte=timezone.now()))


@dataclass(frozen=True)
class BeforeTheCaseload:
    """What refresh_stale_for_caseload found, for the caseload's "Whose patients"."""

    # The user asked about is the clinician in charge of an active patient of the clinic.
    in_charge: bool
    # A patient of the clinic with the listed status has an urgent sign and no clinician of
    # the clinic in charge (none set, or theirs left): such patients are on every
    # clinician's own list, a term the list's query needs only when there are any.
    urgent_unowned: bool


def refresh_stale_for_caseload(
    clinic: Clinic, *, user_id: int | None, status: str
) -> BeforeTheCaseload:
    """The clinic's rows whose day has ended since they were computed, refreshed before the
    caseload reads; and what its "Whose patients" needs to know (BeforeTheCaseload), for
    the user id `user_id` (not asked when None) and the listed patient `status`.

    All asked in one statement (the caseload's query count is pinned), each an indexed
    lookup (caseload_figures_stale, patients_in_charge, caseload_by_name), in SQL written
    here: built by the ORM, the three subqueries cost more CPU to compile than the whole
    statement takes to run. On nearly every request nothing is stale and nothing is
    written (a GET takes no write lock). After a midnight, two statements whatever the
    clinic's size: one UPDATE for the patients who live by the clinic's time zone (nearly
    all), one SELECT for those with their own (then an UPDATE per zone)."""
    now = timezone.now()
    # Table names from the models; every value is a parameter.
    patients, members, users = (m._meta.db_table for m in (Patient, Membership, User))
    stale = f"SELECT 1 FROM {patients} WHERE clinic_id = %s AND figures_until <= %s"  # noqa: S608
    clinical = roles_that_can(IN_CHARGE)
    in_charge_here = (
        f"SELECT m.user_id FROM {members} m INNER JOIN {users} u ON u.id = m.user_id "  # noqa: S608
        "WHERE m.clinic_id = %s AND m.is_active AND u.is_active "
        f"AND m.role IN ({', '.join(['%s'] * len(clinical))})"
    )
    urgent_unowned = (
        f"SELECT 1 FROM {patients} WHERE clinic_id = %s AND status = %s AND urgent "  # noqa: S608
        f"AND (clinician_id IS NULL OR clinician_id NOT IN ({in_charge_here}))"
    )
    asks = [f"EXISTS ({stale})", f"EXISTS ({urgent_unowned})"]
    params: list = [clinic.pk, connection.ops.adapt_datetimefield_value(now)]
    params += [clinic.pk, status, clinic.pk, *clinical]
    if user_id is not None:
        own = f"SELECT 1 FROM {patients} WHERE clinic_id = %s AND status = %s AND clinician_id = %s"  # noqa: S608
        asks.append(f"EXISTS ({own})")
        params += [clinic.pk, Patient.Status.ACTIVE, user_id]
    sql = f"SELECT {', '.join(asks)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        any_stale, any_urgent_unowned, *in_charge = cursor.fetchone()
    if any_stale:
        _refresh_clinic(clinic, now)
        # Read before the refresh: the urgent term is kept, whatever was found.
        any_urgent_unowned = True
    return BeforeTheCaseload(in_charge=any(in_charge), urgent_unowned=bool(any_urgent_unowned))


def _refresh_clinic(clinic: Clinic, now) -> int:
    stale = Patient.objects.filter(figures_until__lte=now, clinic=clinic)
    written = _write(
        "clinic_id = %s AND timezone = '' AND figures_until <= %s",
        [clinic.pk, connection.ops.adapt_datetimefield_value(now)],
        clinic.tzinfo,
        now,
    )
    return written + refresh(stale.exclude(timezone=""))


def stale_after_clinic_updated(clinic: Clinic) -> None:
    """Marks stale the figures of the clinic's patients who live by the clinic's time zone,
    when that zone changed (their figures then end at another midnight); the caseload
    recomputes them. Nothing is written when the zone is the same."""
    tz = clinic.tzinfo
    until = _next_midnight(timezone.localtime(timezone.now(), tz).date(), tz)
    Patient.objects.filter(clinic=clinic, timezone="").exclude(figures_until=until).update(
        figures_until=FIGURES_NEVER
    )
