"""The OpenAPI schema's shared parts: the one error body, documented on every operation
with the answers every endpoint may give (so integrators, and the schema tests, know them).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.utils import translation
from drf_spectacular.views import SpectacularAPIView
from rest_framework.response import Response

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "code", "message", "fields"],
            "properties": {
                "status": {"type": "integer"},
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                    "description": (
                        "Field name: what is wrong with it. A field inside a list is "
                        "named by its row, from 0: values[0].value."
                    ),
                },
                "conflicts": {
                    "type": "array",
                    "description": "Precaution conflicts (409 precaution_conflict only).",
                    "items": {
                        "type": "object",
                        "properties": {
                            "exercise": {"type": "string", "format": "uuid"},
                            "exercise_name": {"type": "string"},
                            "precaution": {"type": "string"},
                            "advice": {"type": "string"},
                        },
                    },
                },
            },
        }
    },
}

ANSWERS = {
    "400": "The data sent is not valid: see error.fields.",
    "401": "No token, or a token that is unknown, expired or revoked.",
    "403": "The token's scope lacks the capability this call needs.",
    "404": "No such row in the token's clinic.",
    "405": "The method is not allowed here.",
    "409": "A clinical safeguard refused the change: see error.message.",
    "429": "The token's calls per minute are used up: wait Retry-After seconds.",
    "500": "A fault of ours (it is logged): the same error body, code server_error.",
    "503": "The database is restarting or out of reach: try again after Retry-After seconds.",
}


def add_error_answers(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for code, text in ANSWERS.items():
                if code == "409" and method not in {"post", "patch"}:
                    continue
                if code not in responses or "content" not in responses[code]:
                    responses[code] = {
                        "description": responses.get(code, {}).get("description") or text,
                        "content": ref,
                    }
            # A refusal an operation documents itself (a 422) has the same one body.
            for code, answer in responses.items():
                if code.startswith("4") and "content" not in answer:
                    answer["content"] = ref
    return result


class SchemaView(SpectacularAPIView):
    """The schema, built once per process and language. Anyone may ask for it, and
    building it walks every view and serializer (half a second of CPU on a new worker,
    40 ms after): a loop of anonymous requests kept workers busy. It holds no clinic data
    and changes only with a deploy."""

    built: ClassVar[dict[tuple[Any, str], dict]] = {}

    def _get_version_parameter(self, request):
        # The API's version is in its address (/api/v1/): a ?version= of any text would
        # build, and keep, a schema per text sent.
        return None

    def _get_schema_response(self, request) -> Response:
        version = self.api_version or request.version or self._get_version_parameter(request)
        try:
            language = translation.get_supported_language_variant(translation.get_language())
        except LookupError:
            # ?lang= names any code: an unknown one reads as the default, and must not
            # add an entry per code sent.
            language = settings.LANGUAGE_CODE
        key = (version, language)
        if key not in self.built:
            self.built[key] = super()._get_schema_response(request).data
        return Response(
            data=self.built[key],
            headers={
                "Content-Disposition": f'inline; filename="{self._get_filename(request, version)}"'
            },
        )
