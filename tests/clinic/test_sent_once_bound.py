"""A page's one-save token is bound to who sent it and to what was sent (clinic.once.page_key).

The web's sendings and the API's Idempotency-Key rows share one table. Before the binding,
a web form took any 64-character token the client chose, the API's own hash included, and
answered with what that row held. Found by an attack pass: an anonymous visitor could tell
from a 500 that an integration had sent a key, a clinician of another clinic could block
an integration's create, and a page sent again with other edits was called "saved once".
"""

from __future__ import annotations

import hashlib
import re

from django.test import Client

from clinic.models import ApiToken
from patients.models import Patient
from tests.conftest import api_client, api_token_for, client_for
from tests.programs.test_programs import builder_post

NEW_PATIENT = {"first_name": "Rita", "last_name": "Novak", "date_of_birth": "1970-01-02"}
KEY = "MRN-1001"  # an integration's own record number: a common Idempotency-Key choice


def api_scope_hash(token_pk: int, path: str, key: str) -> str:
    # clinic/api/framework.py created_once: public code, inputs guessable (pk is sequential)
    return hashlib.sha256(f"api\0{token_pk}\0{path}\0{key}".encode()).hexdigest()


def test_an_anonymous_visitor_cannot_read_an_api_created_patient_uuid(clinic_a, admin_a):
    api = api_client(api_token_for(clinic_a, "all", by=admin_a))
    made = api.post(
        "/api/v1/patients/",
        NEW_PATIENT,
        content_type="application/json",
        headers={"Idempotency-Key": KEY},
    )
    assert made.status_code == 201
    pk = ApiToken.objects.get(clinic=clinic_a).pk
    anonymous = Client(raise_request_exception=False)
    answer = anonymous.post("/invite/", {"once": api_scope_hash(pk, "/api/v1/patients/", KEY)})
    # The public page knows nothing of this sending (no invitation: 410). It was a 500
    # (the API row's bare UUID taken for a URL name): whether the key was sent, told apart.
    assert made.json()["id"] not in answer.get("Location", "")
    assert answer.status_code == 410, answer.status_code


def test_another_clinics_web_form_cannot_block_an_integrations_create(
    clinic_a, admin_a, clinician_b
):
    raw = api_token_for(clinic_a, "all", by=admin_a)
    pk = ApiToken.objects.get(clinic=clinic_a).pk
    # Clinic B's clinician saves an ordinary form of their own with the hash as its token.
    poisoned = client_for(clinician_b).post(
        "/portal/templates/new/", {"once": api_scope_hash(pk, "/api/v1/patients/", KEY)}
    )
    assert poisoned.status_code == 302
    made = api_client(raw).post(
        "/api/v1/patients/",
        NEW_PATIENT,
        content_type="application/json",
        headers={"Idempotency-Key": KEY},
    )
    # Clinic A's first sending with this key creates its patient (it was a 404).
    assert made.status_code == 201, (made.status_code, made.content[:200])
    assert Patient.objects.filter(clinic=clinic_a, last_name="Novak").exists()


def test_a_page_sent_again_with_other_edits_is_checked_not_called_saved(
    clinician_a, patient_a1, program_a1
):
    """The Back button after a save, or Save pressed again with a dose changed while the
    first was on its way: the same token, other content. It meets the revision check
    (the conflict page, edits kept), as it did before the token."""
    client = client_for(clinician_a)
    url = f"/portal/patients/{patient_a1.uuid}/programs/{program_a1.uuid}/edit/"
    token = re.search(rb'name="once" value="([^"]+)"', client.get(url).content).group(1)
    sent = builder_post(program_a1, once=token.decode(), title="Week 1")
    assert client.post(url, sent).status_code == 302
    again = client.post(url, {**sent, "title": "Week 1, reps lowered"})
    assert again.status_code == 200
    page = again.content.decode()
    assert "while you were editing" in page
    assert "Week 1, reps lowered" in page
    assert "That form was sent twice" not in page


def test_a_token_sent_by_someone_else_is_not_replayed(clinician_a, clinic_a, clinician_ab):
    """Only the person who sent a page first is answered with where it led."""
    sent = {"once": "a-token-of-the-first-page"}
    first = client_for(clinician_a).post("/portal/templates/new/", sent)
    assert first.status_code == 302
    other = client_for(clinician_ab, clinic_a).post("/portal/templates/new/", sent)
    assert other.status_code == 302
    assert other["Location"] != first["Location"]  # a template of their own
