"""Paging by cursor (keyset), for every list of the API and every FHIR search.

A page by position (`offset=50`) lost rows for good: a sync reads the patients changed
since its last run in `updated_at` order, and a patient changed while it pages moves to
the end, so the one after it slides into the page already read and never comes (found by
the API review). Each page now goes on from the last row sent, by the list's own order:
a row changed meanwhile comes again later, and none that was there throughout is missed.

The cursor in a `next` link is the last row's place in that order, signed for the list it
came from (so it cannot be altered or used for another list or patient): the moments or
days it was sorted by, which the page showed, and its public id (uuid), never its
sequential key. The database compares with that row's key, read in the page's own query.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import Q, Subquery
from django.db.models.functions import Coalesce
from rest_framework import exceptions
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

# Room for the longest position a list's order can make (names of 200 characters, each
# written as \\uXXXX when not ASCII, then base64): a longer text is refused unread. Cut
# short to 400, a page ending on an exercise with a Greek name of 80 letters could not be
# continued (found by the review of the day's diff).
CURSOR_LENGTH = 4096
NOT_A_PAGE_LINK = "That page link is not valid: start again from the first page."


class Cursor:
    """A signed position: made by `sign` for a page's `next` link, read back by `read`.
    The salt names what the cursor is for (a list's address, a patient's record): one
    made for another is refused. `sealed`: encrypted as well, for a list in order of
    people's names, which stay out of links and logs; a cursor that named only the last
    person sent lost everyone after them when that person was renamed between two pages
    (found by the review of the day's diff)."""

    def __init__(self, salt: str, *, sealed: bool = False) -> None:
        self.salt = salt
        self.sealed = sealed
        self.signer = signing.Signer(salt=salt)

    @staticmethod
    def _fernet() -> Fernet:
        digest = hashlib.sha256(f"limber.cursor:{settings.SECRET_KEY}".encode()).digest()
        return Fernet(base64.urlsafe_b64encode(digest))

    def sign(self, position: Sequence[Any]) -> str:
        if self.sealed:
            text = json.dumps([self.salt, *position], separators=(",", ":"))
            return self._fernet().encrypt(text.encode()).decode()
        return self.signer.sign_object(list(position))

    def read(self, text: str) -> list:
        try:
            if len(text) > CURSOR_LENGTH:
                raise ValueError(len(text))
            if self.sealed:
                salt, *position = json.loads(self._fernet().decrypt(text.encode()))
                if salt != self.salt:
                    raise ValueError(salt)
            else:
                position = self.signer.unsign_object(text)
        except (signing.BadSignature, InvalidToken, TypeError, ValueError) as error:
            raise exceptions.ValidationError(NOT_A_PAGE_LINK) from error
        if not isinstance(position, list):
            raise exceptions.ValidationError(NOT_A_PAGE_LINK)
        return position


def ordering(rows: models.QuerySet) -> tuple[str, ...]:
    """The list's order: ascending fields of its own model, ending with `id` unless the
    fields before make it unique (a patient's morning checks, one a day)."""
    order = tuple(rows.query.order_by)
    if not order or not all(isinstance(f, str) and f.isidentifier() for f in order):
        raise ValueError(f"A paged list needs an ascending order of its own fields: {order}")
    if order[-1] == "id" and not _has_uuid(rows.model):
        raise ValueError(f"{rows.model.__name__} has no public id for a cursor.")
    return order


def _has_uuid(model) -> bool:
    return any(field.name == "uuid" for field in model._meta.concrete_fields)


def position(row: models.Model, order: Sequence[str]) -> list:
    """Where `row` is in `order`, for a cursor: the values it was sorted by (its uuid in
    place of its id)."""
    values: list = [_dumped(getattr(row, name)) for name in order if name != "id"]
    if order[-1] == "id":
        values.append(str(row.uuid))  # type: ignore[attr-defined]
    return values


def _dumped(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def after(rows: models.QuerySet, sent: list) -> models.QuerySet:
    """The rows of `rows` after the `position` `sent` in its order."""
    order = ordering(rows)
    model = rows.model
    try:
        if len(sent) != len(order):
            raise ValueError(sent)
        values: list = [
            model._meta.get_field(name).to_python(value)
            for name, value in zip(order, sent, strict=True)
            if name != "id"
        ]
        if order[-1] == "id":
            the_row = model._base_manager.filter(uuid=UUID(str(sent[-1])))
            # A row deleted since: the rows of its moment come again, rather than some of
            # them not at all.
            values.append(Coalesce(Subquery(the_row.values("pk")[:1]), 0))
    except (DjangoValidationError, LookupError, TypeError, ValueError) as error:
        raise exceptions.ValidationError(NOT_A_PAGE_LINK) from error
    later, same = Q(), Q()
    for name, value in zip(order, values, strict=True):
        later |= same & Q(**{f"{name}__gt": value})
        same &= Q(**{name: value})
    # The first field's bound on its own too: the database reads on from there in its index.
    return rows.filter(Q(**{f"{order[0]}__gte": values[0]}), later)


OFFSET_GONE = (
    "Pages are not numbered: follow each answer's `next` link until there is none (a page "
    "goes on from the last row of the one before)."
)


def offset_refused(request: Request, name: str) -> bool:
    """Whether `offset` (`_offset` in FHIR) asks for a page past the first: 0 is taken, as
    integrations made before cursors send it; any other is refused, saying what to do,
    rather than answered with a first page the integration would take for the one it
    asked for."""
    value = request.query_params.get(name)
    return value is not None and value != "0"


class Page(LimitOffsetPagination):
    """Every list of the REST API: `limit` rows (50 unless asked, at most 200), `count` of
    the whole list, and a `next` link with a cursor. `previous` is always null: a list is
    read forward."""

    default_limit = 50
    max_limit = 200
    cursor_query_param = "cursor"
    offset_query_param = "offset"  # for a first page only (offset_refused)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.limit = self.get_limit(request)
        if offset_refused(request, self.offset_query_param):
            raise exceptions.ValidationError({self.offset_query_param: [OFFSET_GONE]})
        self.count = queryset.count()
        self.following: list | None = None
        # People's names (the search's order) stay out of the links: sealed.
        sealed = getattr(view, "cursor_sealed", False)
        self.cursor = Cursor(f"limber.api.page:{request.path}", sealed=sealed)
        order = ordering(queryset)
        rows = queryset
        if self.cursor_query_param in request.query_params:
            sent = self.cursor.read(request.query_params[self.cursor_query_param])
            rows = after(queryset, sent)
        found = list(rows[: self.limit + 1])  # one more: whether there is a next page
        page = found[: self.limit]
        if len(found) > self.limit:
            self.following = position(page[-1], order)
        return page

    def get_paginated_response(self, data):
        return Response(
            {"count": self.count, "next": self.get_next_link(), "previous": None, "results": data}
        )

    def get_next_link(self) -> str | None:
        if self.following is None:
            return None
        url = self.request.build_absolute_uri()
        url = remove_query_param(url, self.offset_query_param)
        url = replace_query_param(url, self.limit_query_param, self.limit)
        return replace_query_param(url, self.cursor_query_param, self.cursor.sign(self.following))

    def get_previous_link(self) -> None:
        return None

    def get_paginated_response_schema(self, schema):
        answer = super().get_paginated_response_schema(schema)
        answer["properties"]["next"] = {
            "type": "string",
            "nullable": True,
            "format": "uri",
            "description": "The next page, until there is none: follow it as it is.",
            "example": "https://limber.example.org/api/v1/patients/?limit=50&cursor=WyIyMDI2…",
        }
        answer["properties"]["previous"] = {
            "type": "string",
            "nullable": True,
            "format": "uri",
            "description": "Always null: a list is read forward, by its `next` links.",
        }
        return answer

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.limit_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows a page ({self.default_limit} unless asked, at most "
                f"{self.max_limit}).",
                "schema": {"type": "integer"},
            },
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Where the page goes on from: only as found in a `next` link.",
                "schema": {"type": "string"},
            },
            {
                "name": self.offset_query_param,
                "required": False,
                "in": "query",
                "deprecated": True,
                "description": "Only 0 (the first page), as before cursors; any other "
                f"is refused (400). {OFFSET_GONE}",
                "schema": {"type": "integer", "enum": [0]},
            },
        ]
