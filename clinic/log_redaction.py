"""Keeps search terms and one-time secrets out of the logs.

Request lines and paths are logged by the web server (runserver's `django.server`,
gunicorn's access log) and by Django (`django.request`, for 4xx and 5xx answers). Query
strings can hold search terms (patient names); invitation and password-reset links
hold secrets in their path. Both are replaced before a record is written.

WeasyPrint names an image it could not load by its URL, and a data: URL is the whole
picture, megabytes of base64 that could be a clinic's upload: only its type and size are
kept.
"""

from __future__ import annotations

import logging
import re

# /invite/<token>/, /reminders/stop/<token>/ and allauth's
# /accounts/password/reset/key/<uidb36>-<key>/
_SECRET_PATHS = re.compile(r"(/invite/|/reminders/stop/|/password/reset/key/)[^/\s?\"]+")
_QUERY = re.compile(r"\?[^\s\"]*")
_DATA_URL = re.compile(r"\bdata:([\w.+-]+/[\w.+-]+)[;,][^\s'\"]*")


def _data_url(match: re.Match[str]) -> str:
    return f"data:{match.group(1)}[{len(match.group(0))} characters]"


def redact(text: str) -> str:
    text = _DATA_URL.sub(_data_url, text)
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
