"""Keeps search terms and one-time secrets out of the logs.

Request lines and paths are logged by the web server (runserver's `django.server`,
gunicorn's access log) and by Django (`django.request`, for 4xx and 5xx answers). Query
strings can hold search terms (patient names); invitation and password-reset links
hold secrets in their path. Both are replaced before a record is written.
"""

from __future__ import annotations

import logging
import re

# /invite/<token>/, /reminders/stop/<token>/ and allauth's
# /accounts/password/reset/key/<uidb36>-<key>/
_SECRET_PATHS = re.compile(r"(/invite/|/reminders/stop/|/password/reset/key/)[^/\s?\"]+")
_QUERY = re.compile(r"\?[^\s\"]*")


def redact(text: str) -> str:
    return _QUERY.sub("?[redacted]", _SECRET_PATHS.sub(r"\1[redacted]", text))


class RedactRequests(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {
                k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()
            }
        return True
