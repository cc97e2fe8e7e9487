"""FHIR R4 export: every resource made for the demo data validates against the R4(B)
models; metadata, reads, searches (patient, _lastUpdated, _count) and $everything."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from clinic.models import AuditEvent, Clinic
from patients import fhir
from patients.models import OutcomeResponse, Patient
from patients.outcomes import outcome_record
from tests.conftest import actor_of, api_client, api_token_for
from tests.factories import MorningCheckFactory, SessionLogFactory
from tests.patients.test_api import four  # noqa: F401 - a fixture

FHIR = "/fhir/R4/"


def _resources(bundle: dict) -> list[dict]:
    return [entry["resource"] for entry in bundle.get("entry", [])]


def _revalidate(resource: dict) -> None:
    """Each resource again, on its own, through the R4B model of its type."""
    from fhir.resources.R4B import get_fhir_model_class

    model = get_fhir_model_class(resource["resourceType"])
    assert model.__module__.startswith("fhir.resources.R4B.")
    model.model_validate(resource)


def test_a_web_worker_loads_the_fhir_models_only_for_a_fhir_answer():
    # They cost about 150 ms and tens of MB at start-up; no portal page needs them.
    import subprocess
    import sys

    code = (
        "import django, sys; django.setup(); "
        "from django.urls import get_resolver; get_resolver().url_patterns; "
        "print(any(name.startswith('fhir.resources') for name in sys.modules))"
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


@pytest.fixture
def demo(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", clinics=1, patients=4, days=21, stdout=open("/dev/null", "w"))  # noqa: SIM115
    return Clinic.objects.get()


def test_every_resource_of_the_demo_data_validates(demo):
    api = api_client(api_token_for(demo, "all"))
    kinds: set[str] = set()
    for patient in Patient.objects.filter(clinic=demo):
        response = api.get(f"{FHIR}Patient/{patient.uuid}/$everything")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/fhir+json"
        for bundle in [response.json(), *_all_pages(api, _link(response.json(), "next"))]:
            Bundle.model_validate(bundle)
            for resource in _resources(bundle):
                _revalidate(resource)
                kinds.add(resource["resourceType"])
                if resource["resourceType"] != "Organization" and "subject" in resource:
                    assert resource["subject"]["reference"] == f"Patient/{patient.uuid}"
    assert {"Patient", "Organization", "CarePlan", "Observation"} <= kinds
    for kind in fhir.SEARCHABLE:
        bundle = api.get(FHIR + kind, {"_count": 200}).json()
        Bundle.model_validate(bundle)
        for resource in _resources(bundle):
            _revalidate(resource)
            read = api.get(f"{FHIR}{kind}/{resource['id']}")
            assert read.status_code == 200, (kind, resource["id"])
            assert read.json() == resource


def test_metadata_is_a_4_0_1_capability_statement(client):
    response = client.get(FHIR + "metadata")
    assert response.status_code == 200 and response["Content-Type"] == "application/fhir+json"
    statement = response.json()
    CapabilityStatement.model_validate(statement)
    assert statement["fhirVersion"] == "4.0.1"
    kinds = {r["type"] for r in statement["rest"][0]["resource"]}
    assert kinds == set(fhir.SEARCHABLE)


@pytest.fixture
def a1_record(admin_a, patient_a1):
    from patients.outcomes import Value, visit_record
    from patients.services import patient_program_start
    from programs.models import Program

    actor = actor_of(admin_a)
    template = Program.objects.get(template_key="low-back-early-movement")
    patient_program_start(actor=actor, patient=patient_a1, source=template)
    visit_record(
        actor=actor,
        patient=patient_a1,
        measured_on=date.today(),
        values=[
            Value(code="lumbar_flexion", side="", value=55),
            Value(code="schober", side="", value=4),
        ],
    )
    for code, answers in (
        ("nprs", {"best": 2, "worst": 6, "now": 4}),
        ("rmdq", [True] * 5 + [False] * 19),
        ("odi", [2] * 10),
    ):
        outcome_record(patient=patient_a1, code=code, answers=answers, completed_on=date.today(),
                       actor=actor, source="clinician")  # fmt: skip
    return patient_a1


def test_observations_carry_ucum_units_and_loinc_where_one_exists(clinic_a, a1_record):
    api = api_client(api_token_for(clinic_a, "all"))
    bundle = api.get(FHIR + "Observation", {"patient": str(a1_record.uuid)}).json()
    by_code = {}
    for resource in _resources(bundle):
        for coding in resource["code"]["coding"]:
            by_code[coding["code"]] = resource
    flexion = by_code["lumbar_flexion"]["valueQuantity"]
    assert flexion == {
        "value": 55.0,
        "unit": "°",
        "system": "http://unitsofmeasure.org",
        "code": "deg",
    }
    assert by_code["schober"]["valueQuantity"]["code"] == "cm"
    assert by_code["nprs"]["code"]["coding"][0]["code"] == "72514-3"
    assert by_code["nprs"]["valueQuantity"]["value"] == 4
    assert by_code["odi"]["valueQuantity"]["unit"] == "%"


def test_questionnaire_responses_only_where_the_wording_may_be_shown(clinic_a, a1_record):
    from patients.instruments import INSTRUMENTS

    api = api_client(api_token_for(clinic_a, "all"))
    bundle = api.get(FHIR + "QuestionnaireResponse", {"patient": str(a1_record.uuid)}).json()
    answered = {r["questionnaire"].split(":")[-1].split("|")[0]: r for r in _resources(bundle)}
    assert set(answered) == {"nprs", "rmdq"}
    rmdq = answered["rmdq"]
    assert rmdq["item"][0]["text"] == INSTRUMENTS["rmdq"].items[0]
    assert rmdq["item"][0]["answer"] == [{"valueBoolean": True}]
    odi = OutcomeResponse.objects.get(code="odi")
    assert api.get(f"{FHIR}QuestionnaireResponse/{odi.uuid}").status_code == 404
    everything = api.get(f"{FHIR}Patient/{a1_record.uuid}/$everything").content.decode()
    # ODI is exported as a score; none of its sections' answers travel as items.
    assert "section_" not in everything and f"QuestionnaireResponse/{odi.uuid}" not in everything


def test_next_morning_pain_is_an_observation_with_a_readable_id(clinic_a, patient_a1):
    MorningCheckFactory(patient=patient_a1, checked_on=date(2026, 3, 4), compared="worse", pain=5)
    api = api_client(api_token_for(clinic_a, ["clinical.view"]))
    bundle = api.get(FHIR + "Observation", {"patient": str(patient_a1.uuid)}).json()
    (check,) = _resources(bundle)
    assert check["id"] == f"c-{patient_a1.uuid}-20260304"
    assert check["valueQuantity"]["value"] == 5
    assert api.get(f"{FHIR}Observation/{check['id']}").json() == check
    for bad in (f"c-{patient_a1.uuid}-20261399", f"c-{patient_a1.uuid}", "c-x", "zzz"):
        assert api.get(f"{FHIR}Observation/{bad}").status_code == 404, bad


def test_search_by_last_updated_and_count(clinic_a, patient_a1, patient_a2):
    api = api_client(api_token_for(clinic_a, ["patients.view"]))
    later = timezone.now() + timedelta(hours=1)
    Patient.objects.filter(pk=patient_a2.pk).update(updated_at=later)
    since = (later - timedelta(minutes=1)).isoformat().replace("+00:00", "Z")
    found = api.get(FHIR + "Patient", {"_lastUpdated": f"ge{since}"}).json()
    assert [r["id"] for r in _resources(found)] == [str(patient_a2.uuid)]
    first = api.get(FHIR + "Patient", {"_count": 1}).json()
    assert first["total"] == 2 and len(first["entry"]) == 1
    assert [link["relation"] for link in first["link"]] == ["self", "next"]
    bad = api.get(FHIR + "Patient", {"_count": 0})
    assert bad.status_code == 400 and bad.json()["resourceType"] == "OperationOutcome"
    assert api.get(FHIR + "Patient", {"_lastUpdated": "soon"}).status_code == 400


@pytest.mark.parametrize(
    "kind", ["Patient", "Observation", "CarePlan", "Practitioner", "Organization"]
)
def test_it_pages_searches_by_the_next_link_not_by_offset(clinic_a, patient_a1, kind):
    """_offset was read past every row before it, and lost rows that moved meanwhile: a
    search goes on by its `next` link's cursor. _offset=0 (a first page) is taken still."""
    api = api_client(api_token_for(clinic_a, ["patients.view", "clinical.view"]))
    assert api.get(FHIR + kind, {"_offset": 0}).status_code == 200
    deep = api.get(FHIR + kind, {"_offset": 2})
    assert deep.status_code == 400 and "next" in deep.json()["issue"][0]["diagnostics"]
    altered = api.get(FHIR + kind, {"_cursor": "WyJ4Il0:abc"})
    assert altered.status_code == 400 and altered.json()["resourceType"] == "OperationOutcome"


@pytest.mark.parametrize(
    "search",
    [
        "Patient?_id={a1}",
        "Patient?identifier=MRN-1",
        "Patient?name=Okafor",
        "Observation?subject=Patient/{a1}",
        "CarePlan?subject=Patient/{a1}",
        "QuestionnaireResponse?patient={a1}&status=completed",
        "Patient/{a1}/$everything?_since=2026-01-01",
    ],
)
def test_a_search_by_a_parameter_this_server_does_not_support_is_refused(
    clinic_a, a1_record, patient_a2, search
):
    """Found by the attack review: unknown parameters were dropped, so a lookup of one
    patient by identifier, or of their observations by `subject`, answered with every
    patient of the clinic (each audited as exported). A client that took the first entry
    had the wrong patient."""
    api = api_client(api_token_for(clinic_a, "all"))
    response = api.get(FHIR + search.format(a1=a1_record.uuid))
    assert response.status_code == 400
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert "does not search by" in outcome["issue"][0]["diagnostics"]
    assert not AuditEvent.objects.filter(action="export.fhir").exists()


def test_a_searchset_says_what_was_searched(clinic_a, a1_record, patient_a2):
    api = api_client(api_token_for(clinic_a, "all"))
    found = api.get(FHIR + "Observation", {"patient": str(a1_record.uuid), "_format": "json"})
    (self_link,) = [link["url"] for link in found.json()["link"] if link["relation"] == "self"]
    assert self_link.endswith(f"/fhir/R4/Observation?patient={a1_record.uuid}&_format=json")


def test_another_clinics_token_sees_nothing(clinic_b, a1_record):
    api = api_client(api_token_for(clinic_b, "all"))
    response = api.get(f"{FHIR}Patient/{a1_record.uuid}/$everything")
    assert response.status_code == 404
    assert response.json()["issue"][0]["code"] == "not-found"
    assert "Okafor" not in response.content.decode()
    empty = api.get(FHIR + "Observation", {"patient": str(a1_record.uuid)}).json()
    assert empty["total"] == 0
    assert api.get(f"{FHIR}Organization/{a1_record.clinic.uuid}").status_code == 404


def test_everything_needs_both_patient_and_clinical_scope(clinic_a, a1_record):
    url = f"{FHIR}Patient/{a1_record.uuid}/$everything"
    assert api_client(api_token_for(clinic_a, ["patients.view"])).get(url).status_code == 403
    assert api_client(api_token_for(clinic_a, ["clinical.view"])).get(url).status_code == 403
    both = api_client(api_token_for(clinic_a, ["patients.view", "clinical.view"]))
    assert both.get(url).status_code == 200
    assert AuditEvent.objects.filter(action="export.fhir", patient_uuid=a1_record.uuid).exists()
    assert api_client(None).get(url).json()["issue"][0]["code"] == "login"


@pytest.mark.parametrize(
    "value", ["ge0057-10-06T11:04:21+21:40", "lt0001-01-01T00:00:00+23:00", "2026-02-30", "ge"]
)
def test_odd_last_updated_values_are_a_400_or_a_filter_never_a_500(clinic_a, patient_a1, value):
    api = api_client(api_token_for(clinic_a, ["patients.view"]))
    assert api.get(FHIR + "Patient", {"_lastUpdated": value}).status_code in {200, 400}


def test_observation_pages_cover_every_observation_once(clinic_a, a1_record):
    MorningCheckFactory(patient=a1_record, checked_on=date.today(), compared="same", pain=2)
    api = api_client(api_token_for(clinic_a, ["clinical.view"]))
    everything = _resources(api.get(FHIR + "Observation", {"_count": 200}).json())
    assert len(everything) == 2 + 3 + 1  # two measures, three scores, one morning check
    first = api.get(FHIR + "Observation", {"_count": 2}).json()
    pages = [first, *_all_pages(api, _link(first, "next"))]
    assert len(pages) == 3 and {page["total"] for page in pages} == {len(everything)}
    assert [r["id"] for page in pages for r in _resources(page)] == [r["id"] for r in everything]


def test_it_sends_every_unchanged_patient_to_a_sync_while_another_changes(
    clinic_a,
    four,  # noqa: F811 - the fixture imported above
):
    """Found by the API review: paged by _offset, a patient changed during a sync moved to
    the end and the next one slid into the page already read (Cy never came)."""
    api = api_client(api_token_for(clinic_a, ["patients.view", "patients.edit"]))
    first = api.get(FHIR + "Patient", {"_count": 2, "_lastUpdated": "ge2000-01-01"}).json()
    patch = {"phone": "+1 555 0199"}
    changed = api.patch(f"/api/v1/patients/{four[0].uuid}/", patch, content_type="application/json")
    assert changed.status_code == 200
    pages = [first, *_all_pages(api, _link(first, "next"))]
    assert [r["id"] for page in pages for r in _resources(page)] == [
        str(p.uuid) for p in (*four, four[0])
    ]
    # The next links keep the search and the page size; they name no row number.
    assert "_lastUpdated=ge2000-01-01" in _link(first, "next") and "_offset" not in str(pages)


def test_it_sends_every_unchanged_observation_while_one_changes(clinic_a, patient_a1, patient_a2):
    """The same through the four kinds of observation in one order: a next-morning answer
    changed while a system pages comes again later; none of the others is missed."""
    from patients.models import MorningCheck

    start = timezone.now() - timedelta(hours=1)
    for n in range(6):
        check = MorningCheckFactory(
            patient=(patient_a1, patient_a2)[n % 2],
            checked_on=date(2026, 1, 1) + timedelta(days=n),
            compared="same",
            pain=2,
        )
        MorningCheck.objects.filter(pk=check.pk).update(updated_at=start + timedelta(minutes=n))
    api = api_client(api_token_for(clinic_a, ["clinical.view"]))
    before = [r["id"] for r in _resources(api.get(FHIR + "Observation").json())]
    first = api.get(FHIR + "Observation", {"_count": 2}).json()
    MorningCheck.objects.filter(patient=patient_a1, checked_on=date(2026, 1, 1)).update(
        pain=6, updated_at=timezone.now()
    )
    pages = [first, *_all_pages(api, _link(first, "next"))]
    assert [r["id"] for page in pages for r in _resources(page)] == [*before, before[0]]


def test_a_last_updated_date_is_the_whole_day_and_paging_keeps_both_ends(
    clinic_a, patient_a1, patient_a2
):
    """FHIR reads a date as a whole day: "le" a date takes that day too (it took up to its
    first instant). And the next page keeps both ends of a _lastUpdated range (it kept
    one, so later pages came from a wider search)."""
    from datetime import UTC, datetime
    from urllib.parse import parse_qs, urlsplit

    api = api_client(api_token_for(clinic_a, ["patients.view"]))
    Patient.objects.filter(pk=patient_a1.pk).update(
        updated_at=datetime(2026, 11, 10, 12, tzinfo=UTC)
    )
    Patient.objects.filter(pk=patient_a2.pk).update(
        updated_at=datetime(2026, 11, 12, 9, tzinfo=UTC)
    )
    assert api.get(FHIR + "Patient", {"_lastUpdated": "le2026-11-10"}).json()["total"] == 1
    assert api.get(FHIR + "Patient", {"_lastUpdated": "gt2026-11-10"}).json()["total"] == 1
    assert api.get(FHIR + "Patient", {"_lastUpdated": "ge2026-11-10"}).json()["total"] == 2
    both = "_lastUpdated=ge2026-11-01&_lastUpdated=le2026-11-30&_count=1"
    first = api.get(f"{FHIR}Patient?{both}").json()
    assert first["total"] == 2
    following = next(link["url"] for link in first["link"] if link["relation"] == "next")
    assert sorted(parse_qs(urlsplit(following).query)["_lastUpdated"]) == [
        "ge2026-11-01",
        "le2026-11-30",
    ]


def test_a_corrected_value_is_withdrawn_in_both_exports_not_left_beside_its_correction(
    clinic_a, patient_a1, clinician_a
):
    """A correction is a new row: a sync that got only it held the old value beside it, a
    second current value of one visit. The REST row names the value it replaces; in FHIR
    the replaced value comes again, from the moment it was replaced, as
    "entered-in-error"."""
    from decimal import Decimal

    from patients.outcomes import Value, measurement_correct, visit_record

    visit = visit_record(
        actor=actor_of(clinician_a),
        patient=patient_a1,
        measured_on=date.today(),
        values=[Value(code="lumbar_flexion", side="", value=Decimal("80"))],
    )
    wrong = visit.measurements.get()
    api = api_client(api_token_for(clinic_a, ["clinical.view"]))
    since = (timezone.now() - timedelta(seconds=1)).isoformat().replace("+00:00", "Z")
    measurement_correct(
        actor=actor_of(clinician_a),
        measurement=wrong,
        new=Value(code="", side="", value=Decimal("30")),
    )
    found = _resources(api.get(FHIR + "Observation", {"_lastUpdated": f"ge{since}"}).json())
    statuses = {r["id"]: (r["status"], r["valueQuantity"]["value"]) for r in found}
    assert statuses[f"m-{wrong.uuid}"] == ("entered-in-error", 80.0)
    assert ("final", 30.0) in statuses.values()
    read = api.get(f"{FHIR}Observation/m-{wrong.uuid}").json()
    assert read["status"] == "entered-in-error"
    _revalidate(read)
    rows = api.get(f"/api/v1/patients/{patient_a1.uuid}/measurements/").json()["results"]
    assert [(r["value"], r["replaces"]) for r in rows] == [(30.0, str(wrong.uuid))]


@pytest.mark.parametrize(
    ("dose", "repeat"),
    [
        ({"days_per_week": 3}, {"frequency": 3, "period": 1, "periodUnit": "wk"}),
        ({"days_per_week": 7}, {"frequency": 1, "period": 1, "periodUnit": "d"}),
        (
            {"weekdays": [0, 2, 4]},
            {"frequency": 1, "period": 1, "periodUnit": "d", "dayOfWeek": ["mon", "wed", "fri"]},
        ),
    ],
)
def test_a_careplans_timing_says_how_often_as_the_handout_does(
    membership_a, patient_a1, dose, repeat
):
    """'3 days a week' went out as once a day, every day: a system reading the timing
    would schedule more than twice the strengthening prescribed."""
    from tests.patients.test_adherence import scheduled_program

    program = scheduled_program(membership_a, patient_a1, **dose)
    (activity,) = fhir.careplan(program, patient_a1)["activity"]
    assert activity["detail"]["scheduledTiming"]["repeat"] == repeat
    _revalidate(fhir.careplan(program, patient_a1))


def test_a_clinician_who_left_still_resolves_as_an_inactive_practitioner(
    clinic_a, admin_a, clinician_a, patient_a1, program_a1
):
    """A patient's clinician, a program's author: references that outlive the membership.
    Deactivated, the clinician answered 404 to the reference the Patient still held, and
    $everything called them active."""
    from clinic.models import Membership
    from tests.conftest import client_for

    membership = Membership.objects.get(user=clinician_a, clinic=clinic_a)
    client_for(admin_a).post(
        f"/portal/staff/{membership.uuid}/", {"action": "deactivate", "confirm": "1"}
    )
    client = api_client(api_token_for(clinic_a, "all"))
    patient = client.get(f"/fhir/R4/Patient/{patient_a1.uuid}").json()
    references = [r["reference"] for r in patient["generalPractitioner"]]
    assert references == [f"Practitioner/{clinician_a.uuid}"]
    followed = client.get(f"/fhir/R4/{references[0]}")
    assert followed.status_code == 200 and followed.json()["active"] is False
    bundle = client.get(f"/fhir/R4/Patient/{patient_a1.uuid}/$everything").json()
    (listed,) = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Practitioner"
    ]
    assert (listed["id"], listed["active"]) == (str(clinician_a.uuid), False)
    search = client.get("/fhir/R4/Practitioner").json()
    active = {e["resource"]["id"]: e["resource"]["active"] for e in search["entry"]}
    assert active[str(clinician_a.uuid)] is False and active[str(admin_a.uuid)] is True


def _history(patient, days: int, start: date = date(2024, 1, 1)) -> None:
    """A session with a pain rating and a next-morning check on each of `days` days."""
    from patients.models import MorningCheck
    from programs.models import Program

    program = Program.objects.filter(assignment__patient=patient).latest("pk")
    revision = program.revisions.get(number=program.revision)
    last = MorningCheck.objects.filter(patient=patient).order_by("-checked_on").first()
    for n in range(days):
        day = (last.checked_on if last else start) + timedelta(days=n)
        SessionLogFactory(
            patient=patient,
            program=program,
            revision=revision,
            performed_on=day,
            exercises_done=1,
            pain=n % 10,
        )
        MorningCheckFactory(
            patient=patient, checked_on=day + timedelta(days=1), compared="same", pain=2
        )


def _link(bundle: dict, relation: str) -> str | None:
    return next((x["url"] for x in bundle.get("link", []) if x["relation"] == relation), None)


def _ids(bundle: dict) -> list[str]:
    return [f"{r['resourceType']}/{r['id']}" for r in _resources(bundle)]


def _all_pages(api, url: str | None) -> list[dict]:
    pages = []
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.content[:500]
        pages.append(response.json())
        url = _link(pages[-1], "next")
    return pages


def test_everything_comes_a_page_at_a_time_each_resource_once(clinic_a, a1_record):
    """$everything was one bundle of the whole record: years of daily sessions made an
    answer without bound. It is a searchset now, _count resources a page (at most 200),
    with `self` and `next` links, in a stable order: followed to the end, the pages hold
    every resource once."""
    from urllib.parse import parse_qs, urlsplit

    _history(a1_record, 30)
    api = api_client(api_token_for(clinic_a, "all"))
    url = f"{FHIR}Patient/{a1_record.uuid}/$everything"
    whole = api.get(url, {"_count": 200}).json()
    Bundle.model_validate(whole)
    expected = _ids(whole)
    # The patient, the clinic, her clinician, the program, 2 measures, 30 sessions, 30
    # morning checks, 3 scores and the 2 questionnaires whose wording may be shown.
    assert len(expected) == 1 + 1 + 1 + 1 + 2 + 30 + 30 + 3 + 2 and _link(whole, "next") is None
    assert expected[:2] == [f"Patient/{a1_record.uuid}", f"Organization/{clinic_a.uuid}"]

    before = AuditEvent.objects.filter(action="export.fhir", patient_uuid=a1_record.uuid).count()
    pages = _all_pages(api, f"{url}?_count=7")
    assert len(pages) == -(-len(expected) // 7)
    for page in pages:
        Bundle.model_validate(page)
        assert page["type"] == "searchset" and len(page["entry"]) <= 7
        assert {e["search"]["mode"] for e in page["entry"]} == {"match"}
        # Only what paging needs travels in the links: the page size and an opaque cursor,
        # no name, no row number (any other parameter is refused).
        for relation in ("self", "next"):
            link = _link(page, relation)
            if link is None:
                continue
            assert set(parse_qs(urlsplit(link).query)) <= {"_count", "_cursor"}, link
            assert "Okafor" not in link and "Amara" not in link
    assert [len(p["entry"]) for p in pages[:-1]] == [7] * (len(pages) - 1)
    assert [i for page in pages for i in _ids(page)] == expected
    assert _link(pages[-1], "next") is None
    # Each page is a read of her record, audited as one.
    after = AuditEvent.objects.filter(action="export.fhir", patient_uuid=a1_record.uuid).count()
    assert after - before == len(pages)
    # Asked with no _count: 50 a page.
    assert len(api.get(url).json()["entry"]) == 50


def test_everything_pages_neither_overlap_nor_skip_while_the_record_changes(clinic_a, a1_record):
    """A session logged, and sessions removed, while a system pages through the export:
    counted by position, every later page would start off by one (a resource twice, or
    one never sent)."""
    from patients.models import SessionLog

    _history(a1_record, 12)
    api = api_client(api_token_for(clinic_a, "all"))
    url = f"{FHIR}Patient/{a1_record.uuid}/$everything"
    before = _ids(api.get(url, {"_count": 200}).json())
    first = api.get(url, {"_count": 10}).json()
    seen = _ids(first)
    sessions = {f"Observation/s-{s.uuid}": s for s in SessionLog.objects.filter(patient=a1_record)}
    sent = next(sessions[i] for i in seen if i in sessions)
    unsent = next(sessions[i] for i in reversed(before) if i in sessions)
    sent.delete()
    unsent.delete()
    _history(a1_record, 1)
    new = SessionLog.objects.filter(patient=a1_record).latest("pk")
    for page in _all_pages(api, _link(first, "next")):
        seen += _ids(page)
    assert len(seen) == len(set(seen))
    # Everything there throughout came once; what was added meanwhile may come or not.
    added = {
        f"Observation/s-{new.uuid}",
        f"Observation/c-{a1_record.uuid}-{new.performed_on + timedelta(days=1):%Y%m%d}",
    }
    assert set(before) - {f"Observation/s-{unsent.uuid}"} <= set(seen)
    assert set(seen) <= set(before) | added


def test_an_everything_page_link_is_refused_when_altered_or_for_another_patient(
    clinic_a, a1_record, patient_a2
):
    _history(a1_record, 5)
    api = api_client(api_token_for(clinic_a, "all"))
    url = f"{FHIR}Patient/{a1_record.uuid}/$everything"
    following = _link(api.get(url, {"_count": 5}).json(), "next")
    assert api.get(following).status_code == 200
    altered = api.get(following[:-3] + "abc")
    assert altered.status_code == 400 and altered.json()["resourceType"] == "OperationOutcome"
    elsewhere = following.replace(str(a1_record.uuid), str(patient_a2.uuid))
    assert api.get(elsewhere).status_code == 400
    for count in ("0", "201", "x"):
        assert api.get(url, {"_count": count}).status_code == 400, count


# The token and its rate limit (3), the patient, the audit write, her clinician, then one
# query per part of the record the page reaches (the programs two: their exercises with
# them). A page that holds none of the first part (the patient) reads fewer.
EVERYTHING_PAGE_QUERIES = 13


def test_everything_pages_queries_are_pinned_whatever_the_history(
    clinic_a, a1_record, django_assert_num_queries, django_assert_max_num_queries
):
    api = api_client(api_token_for(clinic_a, "all"))
    url = f"{FHIR}Patient/{a1_record.uuid}/$everything"
    _history(a1_record, 2)
    with django_assert_num_queries(EVERYTHING_PAGE_QUERIES):
        assert _link(api.get(url, {"_count": 200}).json(), "next") is None
    _history(a1_record, 150)
    following = f"{url}?_count=200"
    while following:
        with django_assert_max_num_queries(EVERYTHING_PAGE_QUERIES):
            following = _link(api.get(following).json(), "next")


@pytest.mark.parametrize("value", ["gt9999-12-31", "le9999-12-31"])
@pytest.mark.parametrize("kind", ["Patient", "Observation", "CarePlan", "QuestionnaireResponse"])
def test_a_last_updated_past_the_last_moment_is_a_400_operation_outcome(
    clinic_a, patient_a1, kind, value
):
    """The end of 9999-12-31 is past what a moment can hold: it was a 500, in HTML (found
    by the API review)."""
    api = api_client(api_token_for(clinic_a, "all"))
    response = api.get(FHIR + kind, {"_lastUpdated": value})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/fhir+json"
    assert "_lastUpdated" in response.json()["issue"][0]["diagnostics"]


@pytest.mark.parametrize(
    "search",
    [
        "Observation?patient={a1}&patient={a2}",
        "CarePlan?patient={a1}&patient={a2}",
        "QuestionnaireResponse?patient={a1}&patient={a1}",
        "Patient?_lastUpdated=ge2026-01-01&_lastUpdated=le2026-12-31&_lastUpdated=ge2026-06-01",
        "Patient?_count=1&_count=200",
        "Patient/{a1}/$everything?_count=5&_count=6",
    ],
)
def test_it_refuses_a_parameter_repeated_past_what_it_takes(
    clinic_a, patient_a1, patient_a2, search
):
    """Found by the API review: `Observation?patient=A&patient=B` answered B's alone, as if
    A had not been sent, and a third _lastUpdated was dropped without a word."""
    api = api_client(api_token_for(clinic_a, "all"))
    MorningCheckFactory(patient=patient_a2, checked_on=date.today(), compared="same", pain=5)
    response = api.get(FHIR + search.format(a1=patient_a1.uuid, a2=patient_a2.uuid))
    assert response.status_code == 400
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert "This server takes" in outcome["issue"][0]["diagnostics"]
    assert not AuditEvent.objects.filter(action="export.fhir").exists()
