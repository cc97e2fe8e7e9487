"""Logs you can search without leaking.

- `RequestLogMiddleware` gives each request an id and writes one line when it ends:
  method, route name (never the path: paths can carry link tokens), status, duration,
  the user's opaque id and the clinic's, and the request id.
- `RequestContextFilter` adds the request id, user and clinic to every other log record
  written while the request runs (a context variable, so threads and tasks keep theirs).
- `JsonFormatter` writes one JSON object per line (production); `plain` stays readable
  on a developer's terminal.

Names, e-mail addresses, tokens and query strings are never put in a record here, and
`clinic.log_redaction` scrubs request lines that other loggers write.
"""

from __future__ import annotations

import contextvars
import json
import logging
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from django.http import HttpRequest, HttpResponse

_context: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "limber_log_context", default=None
)

request_logger = logging.getLogger("limber.request")

# Attributes every LogRecord has; anything else on a record was added as an extra.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = uuid.uuid4().hex
        request.request_id = request_id
        token = _context.set({"request_id": request_id})
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response["X-Request-ID"] = request_id
            return response
        finally:
            match = getattr(request, "resolver_match", None)
            fields = {
                "request_id": request_id,
                "method": request.method,
                "route": match.view_name if match else "",
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                **_who(request),
            }
            request_logger.info(
                "%s %s %s", request.method, fields["route"] or "-", status, extra=fields
            )
            _context.reset(token)


def _who(request: HttpRequest) -> dict:
    who = {}
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        who["user"] = str(user.uuid)
    clinic = getattr(request, "clinic", None)
    if clinic is not None:
        who["clinic"] = str(clinic.uuid)
    return who


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in (_context.get() or {}).items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_") and key != "request":
                entry[key] = value if isinstance(value, int | float | str | bool) else str(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
