"""Snapshots of every application table, to show that a refused submission changed no row;
and what counts as an endpoint's success."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.db import connection
from django.http import HttpResponse

from clinic.models import AuditEvent, Clinic, Invitation, Membership, SecurityCounter, User
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
from programs.models import (
    Exercise,
    ExerciseCue,
    HandoutPrint,
    Program,
    ProgramItem,
    ProgramRevision,
)

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
