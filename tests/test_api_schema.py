"""Property-based tests of the REST API against its own OpenAPI schema (schemathesis):
for every operation, generated requests (valid and not) never get a 500, and every answer
matches the schema (status code, content type, headers, body).

Bounded: a few examples per operation, no shrinking deadline; the path ids are those of
real rows of clinic A, so the handlers run past the getters."""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from patients.services import patient_program_start
from programs.models import Exercise, Program
from tests.conftest import actor_of, api_token_for
from tests.factories import FlagFactory

EXAMPLES = 12


def _load_schema():
    """The schema /api/v1/schema/ serves, made by the same generator (no request, no data)."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    document = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(document)))
    loaded.app = WSGIHandler()
    return loaded


schema = _load_schema()


@pytest.fixture
def api_data(settings, personas, clinic_a, admin_a, patient_a1):
    settings.ALLOWED_HOSTS = ["*"]
    settings.API_RATE_LIMIT_PER_MINUTE = 100_000
    # The WSGI handler closes "old" connections around each request, which would end the
    # test's transaction; Django's own test client unhooks them the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    template = Program.objects.get(template_key="low-back-early-movement")
    program = patient_program_start(actor=actor_of(admin_a), patient=patient_a1, source=template)
    flag = FlagFactory(patient=patient_a1, reason="x", raised_on="2026-01-01")
    ids = {
        "patient_uuid": str(patient_a1.uuid),
        "program_uuid": str(program.uuid),
        "flag_uuid": str(flag.uuid),
        "exercise_uuid": str(Exercise.objects.filter(clinic=None).first().uuid),
    }
    yield {
        "token": api_token_for(clinic_a, "all", by=admin_a),
        "ids": ids,
        "template": template,
    }
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_matches_its_schema(case, api_data):
    extra = api_data
    for name, value in extra["ids"].items():
        if name in case.path_parameters:
            # Templates are looked up among templates, programs among the patient's.
            if name == "program_uuid" and case.path.startswith("/api/v1/templates/"):
                value = str(extra["template"].uuid)
            case.path_parameters[name] = value
    case.call_and_validate(
        headers={"Authorization": f"Bearer {extra['token']}"},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_headers_conformance,
            response_schema_conformance,
        ],
    )


def test_the_docs_page_uses_only_our_own_files(client, settings):
    """Swagger UI from our static files (vendored by drf-spectacular-sidecar), no inline
    script or style (the Content-Security-Policy allows neither), no CDN."""
    import re

    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith(("/static/", "/api/v1/docs/")) for s in sources), sources
    assert "<style" not in html and not re.search(r"<script>\s*\S", html)
    script = next(s for s in sources if s.startswith("/api/v1/docs/"))
    init = client.get(script.replace("&amp;", "&"))
    assert init.status_code == 200 and "javascript" in init["Content-Type"]
    assert "/api/v1/schema/" in init.content.decode()
    from django.contrib.staticfiles import finders

    for static in (s for s in sources if s.startswith("/static/")):
        assert finders.find(static.removeprefix("/static/")), static


def test_the_schema_is_served_and_names_the_token_scheme(client):
    schema_json = client.get("/api/v1/schema/", {"format": "json"}).json()
    assert schema_json["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert "/api/v1/patients/search/" in schema_json["paths"]
    assert not any(path.startswith("/fhir/") for path in schema_json["paths"])


def test_the_schema_is_built_once_per_language(client, monkeypatch):
    """Anyone may ask for the schema, and building it costs half a second of CPU: it was
    built again for every request, and for every ?lang= code sent."""
    from drf_spectacular.generators import SchemaGenerator

    from clinic.api.schema import SchemaView

    monkeypatch.setattr(SchemaView, "built", {})
    builds = []
    build = SchemaGenerator.get_schema

    def counted(self, *args, **kwargs):
        builds.append(1)
        return build(self, *args, **kwargs)

    monkeypatch.setattr(SchemaGenerator, "get_schema", counted)
    answers = [
        client.get("/api/v1/schema/", {"format": "json", **lang})
        for lang in ({}, {}, {"lang": "xx"}, {"lang": "zz-yy"}, {"lang": "es"}, {"lang": "es"})
    ]
    assert {answer.status_code for answer in answers} == {200}
    assert answers[0].json() == answers[1].json() == answers[2].json()
    assert len(builds) == len(SchemaView.built) == 2
    assert client.get("/api/v1/schema/").content.startswith(b"openapi:")
    assert len(builds) == 2


def test_a_version_sent_builds_no_schema_of_its_own(client, monkeypatch):
    """The API's version is in its address: each ?version= text sent built and kept a
    schema of its own, for as long as the worker lived."""
    from clinic.api.schema import SchemaView

    monkeypatch.setattr(SchemaView, "built", {})
    for n in range(5):
        assert client.get("/api/v1/schema/", {"format": "json", "version": n}).status_code == 200
    assert len(SchemaView.built) == 1
