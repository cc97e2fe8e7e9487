"""The error pages.

The "not allowed" and "not found" pages are in the language of the person signed in: a
patient who opened a staff address was answered in English whatever their language
(found by the Spanish review). Their area's views set the language themselves
(clinic.permissions.patient_required), but these pages are drawn after a view has ended,
or with none. Only for these rare answers is the account's language looked up.

A database restart answered every page with the 500 page ("something went wrong"), as if
the fault were ours and lasting (found by the scale-out drill). An outage now gets 503:
try again in a moment.

The API and the FHIR export answer in their own shapes, whatever went wrong: a fault of
ours that no view caught answered an integration with the portal's HTML page (found by
the API review), which its code cannot read as the error it is.
"""

from __future__ import annotations

import sqlite3
import sys

from django import db
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils import translation
from django.views import defaults

from clinic.deadline import NoAnswerInTime


def _in_their_language(request: HttpRequest, draw) -> HttpResponse:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return draw()
    from clinic.adapters import language_for

    with translation.override(language_for(user.email)):
        response = draw()
        if hasattr(response, "render"):
            response.render()
    return response


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _in_their_language(request, lambda: defaults.permission_denied(request, exception))


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _in_their_language(request, lambda: defaults.page_not_found(request, exception))


# A database that is restarting or out of reach answers these. Anything else (a missing
# table, a constraint) is a fault of ours, and stays a 500.
_OUTAGE_SQLSTATE_CLASSES = ("08", "53")  # connection exception; insufficient resources
_OUTAGE_SQLSTATES = {"57P01", "57P02", "57P03"}  # admin or crash shutdown, starting up
_OUTAGE_SQLITE_ERRORS = {"SQLITE_BUSY", "SQLITE_LOCKED"}

# Seconds a browser or an integration is asked to wait: a PostgreSQL restart takes a few.
RETRY_AFTER = 30


def is_database_outage(exc: BaseException | None) -> bool:
    """Whether `exc` says the database could not be reached or is restarting, rather than
    that our code did something wrong."""
    if isinstance(exc, (db.InterfaceError, NoAnswerInTime)):
        return True
    if not isinstance(exc, db.OperationalError):
        return False
    cause = exc.__cause__
    if isinstance(cause, sqlite3.Error):
        return getattr(cause, "sqlite_errorname", None) in _OUTAGE_SQLITE_ERRORS
    if not hasattr(cause, "sqlstate"):  # not the driver's error: not what it said
        return False
    # No state: the driver's own "connection refused" or "server closed the connection"
    # (as clinic.deadline's cut ends a wait).
    sqlstate = cause.sqlstate
    return (
        sqlstate is None
        or sqlstate.startswith(_OUTAGE_SQLSTATE_CLASSES)
        or sqlstate in _OUTAGE_SQLSTATES
    )


def _outage_behind(exc: BaseException | None) -> bool:
    """Whether `exc`, or an error it was raised from or while handling, is an outage: a
    session that could not be saved in one is Django's "session interrupted" (a 400)."""
    seen = 0
    while exc is not None and seen < 10:
        if is_database_outage(exc):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


# The addresses of the API (its error body) and of the FHIR export (an OperationOutcome).
API_PREFIX, FHIR_PREFIX = "/api/", "/fhir/"
FHIR_MIME = "application/fhir+json"
FAULT = "Something went wrong on our side; it has been logged. Try again later."
OUTAGE = (
    "The database cannot be reached just now. Try again after Retry-After seconds; send a "
    "POST again with the same Idempotency-Key, so that it is not saved twice if the first "
    "sending was."
)


def _outage_answer(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: the "try again in a moment" page, or the API's and the FHIR
    export's error shapes under their addresses."""
    if request.path.startswith((API_PREFIX, FHIR_PREFIX)):
        response = _api_error(request, 503)
    else:
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 page, or, when the database is out of reach, a 503 that says so and
    when to try again; under the API's and the FHIR export's addresses, the same in their
    error shapes. Called while the exception is being handled (sys.exc_info()). Reads
    nothing from the database (it may be the fault): the page is drawn without the
    request's context, whose processors would."""
    if _outage_behind(sys.exc_info()[1]):
        return _outage_answer(request)
    if request.path.startswith((API_PREFIX, FHIR_PREFIX)):
        return _api_error(request, 500)
    return defaults.server_error(request)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 400 page (400.html), or the 503 answer when an outage is behind it (the
    scale-out drill's sign-in during a hung database answered "Bad Request")."""
    if _outage_behind(exception):
        return _outage_answer(request)
    return defaults.bad_request(request, exception)


def _api_error(request: HttpRequest, status: int) -> JsonResponse:
    message = OUTAGE if status == 503 else FAULT
    if request.path.startswith(FHIR_PREFIX):
        code = "transient" if status == 503 else "exception"
        outcome = {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": code, "diagnostics": message}],
        }
        response = JsonResponse(outcome, status=status, content_type=FHIR_MIME)
    else:
        code = "unavailable" if status == 503 else "server_error"
        error = {"status": status, "code": code, "message": message, "fields": {}}
        response = JsonResponse({"error": error}, status=status)
    response["Cache-Control"] = "no-store, private, max-age=0"
    return response
