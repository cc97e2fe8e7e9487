"""Reading ids, numbers and short text from requests: every object id a view takes from a
URL, a form or an htmx parameter goes through here, so a malformed value is "not found",
never a 500; so does any text a view reads without a form (`parse_text`)."""

from __future__ import annotations

import uuid
from typing import Any

# Longer than any id or number we accept; refuse before parsing anything huge.
MAX_TEXT = 64


def parse_uuid(value: Any) -> uuid.UUID | None:
    """The canonical UUID in `value`, or None. Only the 36-character hyphenated form and
    the 32-digit hex form are accepted (not braces, URNs or non-ASCII digits)."""
    if isinstance(value, uuid.UUID):
        return value
    if not isinstance(value, str) or not value.isascii() or len(value) not in (32, 36):
        return None
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        return None
    return parsed if value.lower() in (str(parsed), parsed.hex) else None


def parse_int(
    value: Any, default: int | None = None, *, low: int | None = None, high: int | None = None
) -> int | None:
    """An int within [low, high] from `value`, else `default`."""
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip() if value is not None else ""
        if not text or len(text) > MAX_TEXT or not text.isascii():
            return default
        try:
            number = int(text)
        except ValueError:
            return default
    if (low is not None and number < low) or (high is not None and number > high):
        return default
    return number


def parse_text(value: Any, max_length: int) -> str:
    """Text a view reads without a form (a search term, a title, a client's token): at most
    `max_length` characters, stripped, without NUL bytes. No one types a NUL, PostgreSQL's
    text columns refuse it (a query or write with one was a 500 there, not on SQLite), and a
    form field's own validator refuses it instead."""
    if not isinstance(value, str):
        return ""
    return value.replace("\x00", "").strip()[:max_length]
