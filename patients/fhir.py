"""FHIR R4 resources for a clinic's record, built and validated with fhir.resources.

Every resource is checked against the R4B models (which match R4 for the resources used
here) before it leaves: `_valid` builds the model from our dictionary, so a wrong shape
fails here, in our tests, and never reaches an EHR. Content is served as FHIR 4.0.1.

Codes: LOINC where one exists with the same meaning (the 0-10 pain rating), our own code
systems (`urn:limber:fhir:...`) otherwise; units in UCUM. Questionnaire responses are
given only for instruments whose item wording may be shown (NPRS, PSFS, RMDQ, LEFS); the
licensed ones (ODI, NDI, STarT Back) are given as scores only.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from clinic.models import Clinic, User
from patients.due_days import per_week
from patients.instruments import INSTRUMENTS, Instrument
from patients.instruments.nprs import PAIN_SEVERITY_LOINC
from patients.measures import BY_CODE
from patients.models import Measurement, MorningCheck, OutcomeResponse, Patient, SessionLog
from programs.dosage import describe_dosage, weekday_list
from programs.models import Program

FHIR_VERSION = "4.0.1"
MIME = "application/fhir+json"
UCUM = "http://unitsofmeasure.org"
LOINC = "http://loinc.org"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
PATIENT_ID = "urn:limber:fhir:patient"
EXTERNAL_ID = "urn:limber:fhir:external-id"
MEASURE = "urn:limber:fhir:measure"
OUTCOME = "urn:limber:fhir:outcome"
EXERCISE = "urn:limber:fhir:exercise"
PAIN = "urn:limber:fhir:pain"
QUESTIONNAIRE = "urn:limber:fhir:questionnaire:"
# Pain ratings of sessions are on the NPRS's scale, and coded as it is.
LOINC_PAIN = {"system": LOINC, **PAIN_SEVERITY_LOINC}
# Questionnaires whose item wording may be shown: only these have QuestionnaireResponses.
SHOWN = tuple(code for code, i in INSTRUMENTS.items() if not i.item_text_licensed)
UCUM_UNITS = {"°": "deg", "cm": "cm"}
WEEKDAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CAREPLAN_STATUS = {"active": "active", "paused": "on-hold", "completed": "completed"}


def _valid(data: dict) -> dict:
    """The resource as JSON-ready data, after the R4B model has accepted it.

    fhir.resources is imported here, on the first FHIR answer: its models take about
    150 ms and tens of MB to load, which no other page of a web worker needs."""
    from fhir.resources.R4B import get_fhir_model_class

    model = get_fhir_model_class(data["resourceType"]).model_validate(data)
    return model.model_dump(mode="json", exclude_none=True)


def _instant(moment: datetime | date | None) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, datetime):
        return moment.isoformat().replace("+00:00", "Z")
    return datetime.combine(moment, time.min).isoformat() + "Z"


def _meta(moment: datetime | None, version: int | None = None) -> dict:
    meta: dict[str, Any] = {}
    if moment is not None:
        meta["lastUpdated"] = _instant(moment)
    if version is not None:
        meta["versionId"] = str(version)
    return meta


def ref(kind: str, key: Any) -> dict:
    return {"reference": f"{kind}/{key}"}


# --- Who and where ----------------------------------------------------------------------


def organization(clinic: Clinic) -> dict:
    data: dict[str, Any] = {
        "resourceType": "Organization",
        "id": str(clinic.uuid),
        "meta": _meta(clinic.updated_at),
        "active": True,
        "name": clinic.name,
    }
    telecom = [{"system": "phone", "value": clinic.phone}] if clinic.phone else []
    if clinic.email:
        telecom.append({"system": "email", "value": clinic.email})
    if telecom:
        data["telecom"] = telecom
    if clinic.address:
        data["address"] = [{"text": clinic.address}]
    return _valid(data)


def practitioner(user: User, *, on_staff: bool) -> dict:
    """`on_staff`: they work at the clinic now (an active membership of an active account);
    one who has left is still who wrote a program or took a measurement."""
    return _valid(
        {
            "resourceType": "Practitioner",
            "id": str(user.uuid),
            "active": on_staff,
            "name": [{"text": user.full_name or user.email}],
        }
    )


def patient(record: Patient) -> dict:
    identifiers = [{"system": PATIENT_ID, "value": str(record.uuid)}]
    if record.external_id:
        identifiers.append({"system": EXTERNAL_ID, "value": record.external_id})
    data: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(record.uuid),
        "meta": _meta(record.updated_at),
        "identifier": identifiers,
        "active": record.status == Patient.Status.ACTIVE,
        "name": [{"use": "official", "family": record.last_name, "given": [record.first_name]}],
        "birthDate": record.date_of_birth.isoformat(),
        "managingOrganization": ref("Organization", record.clinic.uuid),
    }
    telecom = []
    if record.email:
        telecom.append({"system": "email", "value": record.email})
    if record.phone:
        telecom.append({"system": "phone", "value": record.phone})
    if telecom:
        data["telecom"] = telecom
    if record.preferred_language:
        data["communication"] = [
            {
                "language": {
                    "coding": [{"system": "urn:ietf:bcp:47", "code": record.preferred_language}]
                },
                "preferred": True,
            }
        ]
    if record.clinician_id:
        data["generalPractitioner"] = [ref("Practitioner", record.clinician.uuid)]
    return _valid(data)


# --- Programs ---------------------------------------------------------------------------


def careplan(program: Program, record: Patient) -> dict:
    """The program as it stands (its current revision), one activity per exercise."""
    activities = []
    for item in program.items.all():
        repeat: dict[str, Any] = {"frequency": item.times_per_day, "period": 1, "periodUnit": "d"}
        days = weekday_list(item.weekdays or 0)
        if days:
            repeat["dayOfWeek"] = [WEEKDAY_CODES[day] for day in days]
        elif (item.days_per_week or 7) < 7:
            # "N days a week", the days left to the patient: N times the day's sessions a
            # week. Said per day, a reader would schedule it every day.
            repeat.update(frequency=per_week(item), periodUnit="wk")
        activities.append(
            {
                "detail": {
                    "kind": "ServiceRequest",
                    "code": {
                        "coding": [
                            {
                                "system": EXERCISE,
                                "code": str(item.exercise.uuid),
                                "display": item.exercise.name,
                            }
                        ],
                        "text": item.exercise.name,
                    },
                    "status": "in-progress" if program.status == "active" else "on-hold",
                    "scheduledTiming": {"repeat": repeat},
                    "description": describe_dosage(item)
                    + (f". {item.notes}" if item.notes else ""),
                }
            }
        )
    if program.status == Program.Status.COMPLETED:
        for activity in activities:
            activity["detail"]["status"] = "completed"
    data: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": str(program.uuid),
        "meta": _meta(program.updated_at, program.revision),
        "status": CAREPLAN_STATUS.get(program.status, "unknown"),
        "intent": "plan",
        "title": program.title,
        "subject": ref("Patient", record.uuid),
        "created": _instant(program.created_at),
    }
    if program.goal:
        data["description"] = program.goal
    if program.start_date or program.review_date:
        period = {}
        if program.start_date:
            period["start"] = program.start_date.isoformat()
        if program.review_date:
            period["end"] = program.review_date.isoformat()
        data["period"] = period
    if program.created_by_id and program.created_by:
        data["author"] = ref("Practitioner", program.created_by.uuid)
    if activities:
        data["activity"] = activities
    return _valid(data)


# --- Observations -------------------------------------------------------------------------


def _category(code: str) -> list[dict]:
    return [{"coding": [{"system": CATEGORY, "code": code}]}]


def measurement_observation(row: Measurement, record: Patient) -> dict:
    measure = BY_CODE.get(row.code)
    unit = measure.unit if measure else ""
    quantity: dict[str, Any] = {"value": float(Decimal(row.value)), "unit": unit}
    if unit in UCUM_UNITS:
        quantity.update(system=UCUM, code=UCUM_UNITS[unit])
    data: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"m-{row.uuid}",
        "meta": _meta(row.replaced_at or row.created_at),
        # A corrected value is a new resource; the value it replaced stays, withdrawn.
        "status": "entered-in-error" if row.replaced_at else "final",
        "category": _category("exam"),
        "code": {
            "coding": [
                {
                    "system": MEASURE,
                    "code": row.code,
                    "display": measure.label if measure else row.code,
                }
            ],
            "text": measure.label if measure else row.code,
        },
        "subject": ref("Patient", record.uuid),
        "effectiveDateTime": row.visit.measured_on.isoformat(),
        "valueQuantity": quantity,
    }
    if row.side:
        data["bodySite"] = {"text": row.side}
    if row.method:
        data["method"] = {"text": row.method}
    notes = []
    if row.pain_limited:
        notes.append("Pain-limited.")
    if row.symptoms:
        notes.append(f"Symptoms: {row.symptoms}")
    if row.zero_point is not None:
        notes.append(f"Protocol zero point {row.zero_point} cm.")
    if notes:
        data["note"] = [{"text": " ".join(notes)}]
    if row.recorded_by_id:
        data["performer"] = [ref("Practitioner", row.recorded_by.uuid)]
    return _valid(data)


def session_pain_observation(session: SessionLog, record: Patient) -> dict:
    return _valid(
        {
            "resourceType": "Observation",
            "id": f"s-{session.uuid}",
            "meta": _meta(session.updated_at),
            "status": "final",
            "category": _category("survey"),
            "code": {
                "coding": [
                    LOINC_PAIN,
                    {"system": PAIN, "code": "during-exercise", "display": "Pain during exercise"},
                ],
                "text": "Pain during exercise (0-10)",
            },
            "subject": ref("Patient", record.uuid),
            "effectiveDateTime": session.performed_on.isoformat(),
            "issued": _instant(session.logged_at),
            "valueQuantity": {
                "value": session.pain,
                "unit": "{score}",
                "system": UCUM,
                "code": "{score}",
            },
        }
    )


def morning_check_id(check: MorningCheck, record: Patient) -> str:
    """Checks have no public id of their own: one a day per patient, so the patient and
    the day name it (never the row's sequential key)."""
    return f"c-{record.uuid}-{check.checked_on:%Y%m%d}"


def morning_pain_observation(check: MorningCheck, record: Patient) -> dict:
    """The next-morning pain rating (the 24-hour response that matters most)."""
    return _valid(
        {
            "resourceType": "Observation",
            "id": morning_check_id(check, record),
            "meta": _meta(check.updated_at),
            "status": "final",
            "category": _category("survey"),
            "code": {
                "coding": [
                    LOINC_PAIN,
                    {"system": PAIN, "code": "next-morning", "display": "Pain the next morning"},
                ],
                "text": "Pain the next morning (0-10)",
            },
            "subject": ref("Patient", record.uuid),
            "effectiveDateTime": check.checked_on.isoformat(),
            "valueQuantity": {
                "value": check.pain,
                "unit": "{score}",
                "system": UCUM,
                "code": "{score}",
            },
            "note": [{"text": f"Compared with before exercising: {check.get_compared_display()}."}],
        }
    )


def outcome_observation(response: OutcomeResponse, record: Patient) -> dict:
    instrument = INSTRUMENTS.get(response.code)
    name = instrument.name if instrument else response.code
    coding = [{"system": OUTCOME, "code": response.code, "display": name}]
    if instrument is not None and instrument.loinc is not None:
        coding.insert(0, {"system": LOINC, **instrument.loinc})
    data: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"o-{response.uuid}",
        "meta": _meta(response.created_at),
        "status": "final",
        "category": _category("survey"),
        "code": {"coding": coding, "text": name},
        "subject": ref("Patient", record.uuid),
        "effectiveDateTime": response.completed_on.isoformat(),
    }
    if response.value is not None and response.valid:
        percent = instrument is not None and instrument.unit == "%"
        unit = "%" if percent else "{score}"
        data["valueQuantity"] = {
            "value": response.value,
            "unit": unit,
            "system": UCUM,
            "code": unit,
        }
    else:
        data["dataAbsentReason"] = {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/data-absent-reason",
                    "code": "error",
                }
            ],
            "text": "Too many items unanswered to score.",
        }
    if response.band:
        data["interpretation"] = [{"text": response.band}]
    if response.code in SHOWN:
        data["derivedFrom"] = [ref("QuestionnaireResponse", response.uuid)]
    return _valid(data)


# --- Questionnaire responses ---------------------------------------------------------------


def _wording(instrument: Instrument, response: OutcomeResponse) -> tuple[str, ...]:
    """The item wording the response was given with, when it may be shown and is the one
    we hold (responses on an older form keep their answers, without text)."""
    if response.version != instrument.form_version:
        return ()
    return instrument.items


def questionnaire_response(response: OutcomeResponse, record: Patient) -> dict | None:
    """Only for instruments whose item wording may be shown; None for the licensed ones."""
    if response.code not in SHOWN:
        return None
    instrument = INSTRUMENTS[response.code]
    texts = _wording(instrument, response)
    items: list[dict] = []
    for n, answer in enumerate(instrument.answer_shape().answer_list(response.answers), start=1):
        item: dict[str, Any] = {"linkId": answer.link_id}
        text = (
            answer.text if answer.text is not None else (texts[n - 1] if n <= len(texts) else None)
        )
        if text is not None:
            item["text"] = text[:200]
        if isinstance(answer.value, bool):
            item["answer"] = [{"valueBoolean": answer.value}]
        elif answer.value is not None:
            item["answer"] = [{"valueInteger": int(answer.value)}]
        items.append(item)
    data: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": str(response.uuid),
        "meta": _meta(response.created_at),
        "questionnaire": f"{QUESTIONNAIRE}{response.code}|{response.version}",
        "status": "completed",
        "subject": ref("Patient", record.uuid),
        "authored": response.completed_on.isoformat(),
    }
    if items:
        data["item"] = items
    return _valid(data)


# --- Bundles and the capability statement ---------------------------------------------------


def bundle(resources: Iterable[dict], *, kind: str, base: str, total: int | None = None,
           next_url: str | None = None, self_url: str | None = None) -> dict:  # fmt: skip
    entries = [
        {
            "fullUrl": f"{base}{resource['resourceType']}/{resource['id']}",
            "resource": resource,
            **({"search": {"mode": "match"}} if kind == "searchset" else {}),
        }
        for resource in resources
    ]
    data: dict[str, Any] = {"resourceType": "Bundle", "type": kind, "entry": entries}
    if total is not None:
        data["total"] = total
    links = [("self", self_url), ("next", next_url)]
    if any(url for _relation, url in links):
        data["link"] = [{"relation": relation, "url": url} for relation, url in links if url]
    if not entries:
        del data["entry"]
    return _valid(data)


SEARCHABLE = {
    "Patient": ["_lastUpdated", "_count"],
    "Practitioner": ["_count"],
    "Organization": ["_count"],
    "CarePlan": ["patient", "_lastUpdated", "_count"],
    "Observation": ["patient", "_lastUpdated", "_count"],
    "QuestionnaireResponse": ["patient", "_lastUpdated", "_count"],
}


def capability_statement(base: str, when: datetime) -> dict:
    resources = []
    for kind, params in SEARCHABLE.items():
        entry: dict[str, Any] = {
            "type": kind,
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "searchParam": [
                {
                    "name": name,
                    "type": {"patient": "reference", "_lastUpdated": "date", "_count": "number"}[
                        name
                    ],
                }
                for name in params
            ],
        }
        if kind == "Patient":
            entry["operation"] = [
                {
                    "name": "everything",
                    "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
                    "documentation": (
                        "A searchset Bundle a page at a time: `_count` resources a page "
                        "(default 50, at most 200); follow the `next` link to the end."
                    ),
                }
            ]
        resources.append(entry)
    return _valid(
        {
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": _instant(when),
            "publisher": "Limber",
            "kind": "instance",
            "software": {"name": "Limber"},
            "implementation": {"description": "Limber FHIR R4 export (read-only)", "url": base},
            "fhirVersion": FHIR_VERSION,
            "format": [MIME, "json"],
            "rest": [
                {
                    "mode": "server",
                    "security": {
                        "description": "A clinic API token: Authorization: Bearer <token>.",
                    },
                    "resource": resources,
                }
            ],
        }
    )
