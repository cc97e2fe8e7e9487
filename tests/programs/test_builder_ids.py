"""Every id the builder reads from a POST goes through clinic.parsing: a malformed one is
"not available", never a 500 (found by fuzzing rows_from_post)."""

from __future__ import annotations

import pytest
from django.http import QueryDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from patients.services import patient_program_start
from programs.builder.rows import rows_from_post
from programs.models import Exercise, Program

CAT_COW = "cat-cow"


def posted(value: str) -> QueryDict:
    data = QueryDict(mutable=True)
    data.update({"items-TOTAL_FORMS": "1", "items-0-exercise": value, "items-0-reps": "10"})
    return data


@pytest.fixture
def shared_uuid(db) -> str:
    return str(Exercise.objects.get(slug=CAT_COW, clinic=None).uuid)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(value=st.text(st.characters(exclude_categories=("Cs",)), max_size=120))
def test_any_text_as_an_exercise_id_is_found_or_not_never_an_error(shared_uuid, clinic_a, value):
    row = rows_from_post(posted(value), clinic_a.pk)[0]
    assert row.exercise is None or str(row.exercise.uuid) == value.lower()


@pytest.mark.parametrize(
    "variant",
    [
        "urn:uuid:{u}",
        "{{{u}}}",
        "{u}\x00",
        " {u}",
        "{u}-",
        # Full-width digits: int() reads them, so uuid.UUID() once did too.
        "\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18-1234-1234-1234-123456789012",
        "x" * 5000,
        "",
    ],
)
def test_the_builder_answers_malformed_ids_with_a_message(
    as_clinician_a, patient_a1, clinician_a, shared_uuid, variant
):
    from tests.conftest import actor_of

    program = patient_program_start(
        actor=actor_of(clinician_a),
        patient=patient_a1,
        source=Program.objects.get(template_key="low-back-early-movement"),
    )
    value = variant.format(u=shared_uuid)
    url = f"/portal/patients/{patient_a1.uuid}/programs/{program.uuid}/edit/"
    for action in ("save", f"add:{value}", "down:0"):
        data = {**posted(value).dict(), "action": action, "revision": "1", "title": "T"}
        response = as_clinician_a.post(url, data)
        assert response.status_code == 200, (variant, action)
    assert Program.objects.get(pk=program.pk).revision == 1


def test_the_canonical_id_still_works(as_clinician_a, patient_a1, clinician_a, shared_uuid):
    from tests.conftest import actor_of

    program = patient_program_start(actor=actor_of(clinician_a), patient=patient_a1, source=None)
    url = f"/portal/patients/{patient_a1.uuid}/programs/{program.uuid}/edit/"
    response = as_clinician_a.post(
        url, {"action": f"add:{shared_uuid}", "revision": "1", "items-TOTAL_FORMS": "0"}
    )
    assert response.status_code == 200
    assert "Cat" in response.content.decode()
