"""The OpenAPI schema's shared parts: the one error body, documented on every operation
with the answers every endpoint may give (so integrators, and the schema tests, know them).
"""

from __future__ import annotations

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
                    "description": "Field name: what is wrong with it.",
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
    return result
