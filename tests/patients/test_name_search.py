"""Finding a patient as staff type the name: accents and case aside, by any part of the
name, the e-mail address or the record number (patients/name_search.py), on the caseload
and through the API, with the searchable text kept current by every way a patient is
written."""

from __future__ import annotations

import importlib
from datetime import date

import pytest
from django.apps import apps

from clinic.actors import Actor
from patients.models import Patient
from patients.name_search import folded
from patients.services import patient_create, patient_update
from tests.conftest import api_client, api_token_for, caseload_search, make_patient


def found(text: str, clinic) -> set[str]:
    return {p.last_name for p in Patient.objects.filter(clinic=clinic).search(text)}


@pytest.mark.parametrize(
    "typed",
    [
        *("muller", "MULLER", "Müller", "zoe", "ZOË muller", "zoe.m", "mrn-7712", "zoe MRN-7712"),
        # As the caseload lists the name (found by the portal review: it found no one).
        *("Müller, Zoë", "muller,zoe", "Müller; Zoë"),
    ],
)
def test_a_patient_is_found_however_their_name_is_typed(clinic_a, typed):
    make_patient(clinic_a, "Zoë", "Müller", email="zoe.m@example.test", external_id="MRN-7712")
    make_patient(clinic_a, "Arlo", "Nguyen")
    assert found(typed, clinic_a) == {"Müller"}


def test_every_word_must_be_found_and_only_in_the_clinic(clinic_a, clinic_b):
    make_patient(clinic_a, "Søren", "O\u2019Brien")
    make_patient(clinic_a, "Soren", "Kim")
    make_patient(clinic_b, "Søren", "O'Brien")
    assert found("soren o'brien", clinic_a) == {"O\u2019Brien"}
    assert found("SOREN", clinic_a) == {"O\u2019Brien", "Kim"}
    # A term's wildcard characters are letters, not wildcards.
    assert found("%", clinic_a) == set()
    assert found("_", clinic_a) == set()
    assert found(",", clinic_a) == found(" ;, ", clinic_a) == set()  # no words: no one


def test_a_renamed_patient_is_found_by_the_new_name_only(clinic_a, membership_a):
    actor = Actor.for_member(membership_a)
    patient = patient_create(
        actor=actor, first_name="Ana", last_name="Peña", date_of_birth=date(1970, 1, 2)
    )
    assert found("pena", clinic_a) == {"Peña"}
    patient_update(actor=actor, patient=patient, last_name="Ibáñez", email="ana@example.test")
    assert found("pena", clinic_a) == set()
    assert found("ibanez ana@example", clinic_a) == {"Ibáñez"}
    # A save of other fields keeps it.
    patient.refresh_from_db()
    patient.phone = "0400 000 000"
    patient.save(update_fields=["phone"])
    patient.save()
    assert found("ibanez", clinic_a) == {"Ibáñez"}


def test_rows_added_in_bulk_are_found(clinic_a):
    Patient.objects.bulk_create(
        [
            Patient(
                clinic=clinic_a,
                first_name="Łucja",
                last_name="Wróbel",
                date_of_birth=date(1990, 3, 4),
            ),
            Patient(
                clinic=clinic_a, first_name="Ærin", last_name="Dahl", date_of_birth=date(1990, 3, 4)
            ),
        ]
    )
    assert found("lucja wrobel", clinic_a) == {"Wróbel"}
    assert found("aerin", clinic_a) == {"Dahl"}


def test_the_migration_fills_the_text_of_patients_added_before_it(clinic_a):
    patient = make_patient(clinic_a, "Zoë", "Müller", external_id="MRN-1")
    Patient.objects.filter(pk=patient.pk).update(search_text="")
    migration = importlib.import_module("patients.migrations.0019_patient_search_text")
    migration.fill(apps, None)
    patient.refresh_from_db()
    assert patient.search_text == "zoe muller zoe.muller@example.test"


def test_the_caseload_and_the_api_search_fold_accents(as_clinician_a, clinic_a, admin_a):
    make_patient(clinic_a, "Zoë", "Müller")
    make_patient(clinic_a, "Arlo", "Nguyen")
    body = as_clinician_a.get(caseload_search(as_clinician_a, "zoe muller")).content.decode()
    assert "Müller" in body and "Nguyen" not in body
    api = api_client(api_token_for(clinic_a, "all", by=admin_a))
    answer = api.post("/api/v1/patients/search/", {"q": "MULLER"}, content_type="application/json")
    assert [row["last_name"] for row in answer.json()["results"]] == ["Müller"]


def test_folding_keeps_letters_and_drops_marks():
    assert folded("Zoë MÜLLER-Łódź") == "zoe muller-lodz"
    assert folded("Straße") == "strasse"


def test_a_record_number_finds_that_patient_and_no_other(clinic_a, admin_a):
    """An integrator finds "your own record number" (README) to sync a patient: MRN-0042
    must not also bring MRN-00420 or XMRN-0042, listed first by name, as the answer."""
    make_patient(clinic_a, "Ruth", "Zimmer", external_id="MRN-0042")
    make_patient(clinic_a, "Ada", "Adams", external_id="MRN-00420")
    make_patient(clinic_a, "Bo", "Berg", external_id="XMRN-0042")
    api = api_client(api_token_for(clinic_a, "all", by=admin_a))
    answer = api.post(
        "/api/v1/patients/search/", {"q": "MRN-0042"}, content_type="application/json"
    )
    assert [row["last_name"] for row in answer.json()["results"]] == ["Zimmer"]


@pytest.mark.parametrize("typed", ["\u0308", "\u00a8", "\u0301 \u0327"])
def test_a_term_of_accents_alone_finds_no_one(clinic_a, admin_a, typed):
    """A stray diaeresis or combining mark folds to nothing: the search is then of no
    words, and it listed every patient of the clinic (the API's first answer a random one)."""
    make_patient(clinic_a, "Zoë", "Müller")
    make_patient(clinic_a, "Arlo", "Nguyen")
    assert found(typed, clinic_a) == set()
    api = api_client(api_token_for(clinic_a, "all", by=admin_a))
    answer = api.post("/api/v1/patients/search/", {"q": typed}, content_type="application/json")
    assert answer.json()["results"] == []


def test_no_bulk_write_leaves_a_patient_findable_by_a_name_corrected_away(clinic_a):
    """save() and bulk_create write search_text; QuerySet.update and bulk_update skip
    pre_save. Both now write it too, in the same transaction."""
    patient = make_patient(clinic_a, "Jon", "Smyth", email="js@example.test")
    other = make_patient(clinic_a, "Jon", "Other", email="jo@example.test")
    patient.last_name = "Smith"
    Patient.objects.bulk_update([patient], ["last_name"])
    assert found("smyth", clinic_a) == set() and found("smith", clinic_a) == {"Smith"}
    assert Patient.objects.filter(pk=patient.pk).update(first_name="John") == 1
    assert found("jon", clinic_a) == {"Other"} and found("john smith", clinic_a) == {"Smith"}
    assert Patient.objects.update(email="") == 2
    assert found("example", clinic_a) == set()
    # Fields that are not searched are updated as before.
    assert Patient.objects.filter(pk=other.pk).update(phone="0400 000 000") == 1
