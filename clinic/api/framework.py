"""The REST framework glue every API endpoint shares.

- `ClinicApiView`: the base of every endpoint; its `capabilities` name what each method
  needs, and its `shows` what every answer shows (checked by
  clinic.api.auth.TokenCapability against the token's scope).
- `error_handler`: one error body for every refusal, `{"error": {"status", "code",
  "message", "fields"}}`.
- `created_once`: a POST that creates, done once per `Idempotency-Key`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponsePermanentRedirect
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_naive, make_aware
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView, exception_handler

from clinic import audit, once
from clinic.capabilities import CAPABILITIES
from clinic.error_pages import OUTAGE, RETRY_AFTER, is_database_outage

# Who a view is for, in the permission matrix's terms (clinic.permissions).
API = "api"


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "clinic.api.auth.TokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A clinic API token."}


class Conflict(exceptions.APIException):
    """A clinical safeguard refused the change (as the portal would block or warn)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "A clinical safeguard refused this change."


class Invalid(exceptions.ValidationError):
    """A form of the portal refused the data: its messages, field by field."""

    @classmethod
    def from_form(cls, form) -> Invalid:
        fields = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
        return cls(fields)


IDEMPOTENCY_KEY = "Idempotency-Key"
KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,255}")  # visible ASCII, as the header's draft says
IDEMPOTENT = OpenApiParameter(
    IDEMPOTENCY_KEY,
    str,
    location=OpenApiParameter.HEADER,
    description=(
        "Your own unique key for this request (a UUID, say). Sent again with the same key, "
        "the request creates nothing more and answers 200 with what the first one created. "
        "The same key with a different body is refused (422): a key names one request."
    ),
)


def _sending(request: Request) -> str:
    """The key of this sending ("" without an Idempotency-Key): per token and address, so
    two integrations, or one on two patients, never share a key."""
    key = request.headers.get(IDEMPOTENCY_KEY)
    if key is None:
        return ""
    if not KEY_PATTERN.fullmatch(key):
        raise Invalid({IDEMPOTENCY_KEY: ["Use 1 to 255 visible ASCII characters."]})
    scope = f"api\0{request.auth.pk}\0{request.path}\0{key}"
    return hashlib.sha256(scope.encode()).hexdigest()


def is_replay(request: Request) -> bool:
    """Whether this request sends again one that was saved: answered as the first sending
    was, so nothing that changed since (an archived record) refuses it."""
    token = _sending(request)
    return bool(token) and once.led_to(token) is not None


# Between the record's id and the body's digest in what a sending led to (clinic.once).
_BODY = "#"


def _body(request: Request) -> str:
    """A digest of what was sent, whatever the order of its keys."""
    data = request.data
    if hasattr(data, "lists"):  # a form body
        data = dict(data.lists())
    sent = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(sent.encode()).hexdigest()[:32]


class KeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = (
        "This Idempotency-Key was sent before with a different body. Use a new key for a "
        "new request."
    )
    default_code = "idempotency_key_reused"


def created_once(
    request: Request,
    create: Callable[[], Response],
    again: Callable[[str], Response],
    refuse: Callable[[], Response | None] | None = None,
) -> Response:
    """`create()` (it writes and answers 201 with the new record's `id`) once per
    Idempotency-Key: an integration that sends the same request again, because its first
    answer was lost on the way, gets the record the first sending made from `again(uuid)`
    (200, `Idempotent-Replayed: true`) instead of a second copy of it. Two sendings at
    once are settled by clinic.once. Without the header each sending creates.

    A key names one request: sent again with another body (a key reused by mistake for
    the next patient), it is refused, 422, rather than answered with the first record
    (Bob's data would then be filed under Ann's id).

    `refuse()` holds the checks that may refuse with an audited denial or a clinical
    safeguard: it runs after the replay is looked up (a resend is answered as the first
    sending was, not refused by the record that sending made) and before the write's
    transaction, so the audit rows of a refusal are not rolled back with it."""
    token = _sending(request)
    body = _body(request) if token else ""

    def answer_again(led_to: str) -> Response:
        uuid, _, sent = led_to.partition(_BODY)
        # A sending saved before bodies were kept ("" here) is answered as it was.
        if sent and sent != body:
            raise KeyReused()
        return _replayed(again(uuid))

    if token and (done := once.led_to(token)) is not None:
        return answer_again(done)
    if refuse is not None and (refusal := refuse()) is not None:
        return refusal
    if not token:
        with transaction.atomic():  # as with a key: all of the write or none of it
            return create()
    made: list[Response] = []

    def write() -> str:
        made.append(create())
        return f"{made[0].data['id']}{_BODY}{body}"

    led_to, first = once.send_once(token, write)
    return made[0] if first else answer_again(led_to)


def _replayed(response: Response) -> Response:
    response["Idempotent-Replayed"] = "true"
    return response


class DatabaseOutage(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "unavailable"
    default_detail = OUTAGE  # as an outage outside the view says it (clinic.error_pages)
    wait = RETRY_AFTER  # DRF sends it as Retry-After


def error_handler(exc: Exception, context: dict) -> Response | None:
    if is_database_outage(exc):
        exc = DatabaseOutage()
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    fields: dict = {}
    message = ""
    detail = getattr(exc, "detail", None)
    if isinstance(exc, exceptions.ValidationError):
        if isinstance(detail, dict):
            fields = _field_messages({k: v for k, v in detail.items() if k != "__all__"})
            general = detail.get("__all__", [])
            message = " ".join(str(m) for m in general) or "The data sent is not valid."
        else:
            message = " ".join(str(m) for m in (detail if isinstance(detail, list) else [detail]))
    else:
        message = str(detail) if detail is not None else str(exc)
    code = getattr(exc, "default_code", "error")
    if isinstance(detail, str) and hasattr(detail, "code") and detail.code:
        code = detail.code
    response.data = {
        "error": {
            "status": response.status_code,
            "code": code,
            "message": message,
            "fields": fields,
        }
    }
    return response


def _field_messages(detail, name: str = "") -> dict[str, list[str]]:
    """DRF's errors, nested as the data was (a list of rows gives {0: {"value": [...]}}),
    as plain sentences keyed by where each was found: "values[0].value"."""
    if isinstance(detail, dict):
        found: dict[str, list[str]] = {}
        for key, value in detail.items():
            where = f"{name}[{key}]" if isinstance(key, int) else f"{name}.{key}" if name else key
            found.update(_field_messages(value, where))
        return found
    if isinstance(detail, list) and any(isinstance(item, (dict, list)) for item in detail):
        # A list of rows, some of them refused (DRF puts {} for the rows that passed).
        found = {}
        for index, item in enumerate(detail):
            found.update(_field_messages(item, f"{name}[{index}]"))
        return found
    messages = detail if isinstance(detail, list) else [detail]
    return {name: [str(message) for message in messages]} if messages else {}


UPDATED_SINCE = OpenApiParameter(
    "updated_since",
    datetime,
    description="Only rows created or changed at or after this moment (ISO 8601), for sync.",
)


def updated_since(request: Request) -> datetime | None:
    value = request.query_params.get("updated_since")
    if not value:
        return None
    moment = to_utc(value)
    if moment is None:
        raise exceptions.ValidationError(
            {"updated_since": ["Give a date and time in ISO 8601, e.g. 2026-01-31T08:00:00Z."]}
        )
    return moment


def to_utc(value: str) -> datetime | None:
    """An ISO 8601 moment in UTC (no offset given: UTC), or None when it is not one.

    In UTC because PostgreSQL refuses offsets beyond ±15:59 that Python accepts."""
    try:
        moment = parse_datetime(value) if len(value) <= 40 else None
        if moment is None:
            return None
        return make_aware(moment, UTC) if is_naive(moment) else moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def _names(capability: str | tuple[str, ...]) -> tuple[str, ...]:
    return (capability,) if isinstance(capability, str) else tuple(capability)


class NoSuchAddress(APIView):
    """Any address under the API's prefix that no endpoint has (a typo, an id that is not
    one): refused with the API's own error body, which an integrator's code reads, not the
    portal's page. It needs no token: which addresses exist is public (the schema)."""

    authentication_classes: list = []
    permission_classes: list = []
    schema = None  # not an operation of the API
    message = "The API has no such address: its addresses are listed at /api/v1/docs/."
    # Each of the API's addresses ends with one. Django's redirect to the address with
    # the slash (APPEND_SLASH) answers only addresses no route matches, and this route
    # matches every one: so it is done here.
    ends_with_slash = True

    def get(self, request, *args, **kwargs):
        if self._slash_left_off(request):
            return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))
        raise self._not_found(request)

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise self._not_found(request)

    def _not_found(self, request) -> exceptions.NotFound:
        if self._slash_left_off(request):
            return exceptions.NotFound(f"{self.message} Did you mean {request.path}/?")
        return exceptions.NotFound(self.message)

    def _slash_left_off(self, request) -> bool:
        if not self.ends_with_slash or request.path.endswith("/"):
            return False
        try:
            match = resolve(request.path_info + "/")
        except Resolver404:
            return False
        return getattr(match.func, "view_class", None) is not type(self)


class ClinicApiView(APIView):
    """Base of every endpoint: token, capability per method, no caching of answers."""

    # Method -> the capability it needs (or a tuple of capabilities, all needed).
    capabilities: dict[str, str | tuple[str, ...]] = {}
    # What the view's answers show. A write answers with what it wrote, so every method
    # needs this too: otherwise a token that may change patients but not see them reads
    # any patient through an empty change (PATCH {}). Every view that writes says it.
    shows: str | tuple[str, ...] | None = None

    # For a list of many patients' rows: the patient a row is about. Every patient on a
    # page is then recorded as read (one audit event each, `read_action`), so an export of
    # hundreds of records shows in each patient's own audit trail.
    patient_of: Callable[[Any], Any] | None = None
    read_action = "patient.view"

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None and self.patient_of is not None:
            patient_of = type(self).patient_of  # a plain function, not a method of the view
            audit.record_reads(
                self.request.actor,
                self.read_action,
                (patient_of(row) for row in page),
                object_type="api",
            )
        return page

    @classmethod
    def needs(cls, method: str) -> tuple[str, ...] | None:
        """Every capability `method` needs (its own, then what the answer shows), or None
        for a method the view does not name."""
        if method not in cls.capabilities:
            return None
        return tuple(dict.fromkeys((*_names(cls.capabilities[method]), *_names(cls.shows or ()))))

    @classmethod
    def as_view(cls, **initkwargs):
        if cls.shows is None and set(cls.capabilities) - {"GET"}:
            raise ValueError(f"{cls.__name__} writes: say what its answers show (`shows`).")
        for method in cls.capabilities:
            for name in cls.needs(method) or ():
                if name not in CAPABILITIES:
                    raise ValueError(f"{cls.__name__}.{method}: unknown capability {name!r}")
        view = super().as_view(**initkwargs)
        view.audience = API
        view.api_capabilities = {method: cls.needs(method) for method in cls.capabilities}
        return view

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Known once the token is: the clinic's own day ("today" in the forms the API
        # shares with the portal) and clock (the offsets of the times it answers with).
        timezone.activate(request.clinic.tzinfo)

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        finally:
            timezone.deactivate()  # the next request on this thread starts clean

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "no-store, private, max-age=0"
        return response
