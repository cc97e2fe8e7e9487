"""Real threads writing at once to a SQLite file, through the real views.

Run by tests/clinic/test_sqlite_concurrency.py in its own process, against its own
database file (pytest-django's SQLite test database lives in memory, where locking does
not behave like the file a clinic runs on). Prints one JSON line of results.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from datetime import date

import django

THREADS = 8
INVITATIONS = 4  # each accepted by two browsers at once (a double tap, a forwarded link)
NEW_PASSWORD = "quiet harbour lantern 2718"


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    django.setup()
    from django.db import connection
    from django.test import Client

    from clinic.actors import Actor
    from clinic.invitations import invitation_issue
    from clinic.models import Clinic, Invitation, Membership, User
    from patients.models import Patient, SessionLog
    from patients.services import patient_program_start
    from programs.models import Program

    clinic = Clinic.objects.create(name="Threads clinic")
    clinician = User.objects.create_user("clin@threads.test", "a long enough passphrase")
    membership = Membership.objects.create(user=clinician, clinic=clinic, role="clinician")
    patients = []
    for n in range(THREADS):
        user = User.objects.create_user(f"p{n}@threads.test", "a long enough passphrase")
        patient = Patient.objects.create(
            clinic=clinic,
            first_name="P",
            last_name=str(n),
            date_of_birth=date(1970, 1, 1),
            email=user.email,
            user=user,
        )
        program = patient_program_start(
            actor=Actor.for_member(membership),
            patient=patient,
            source=Program.objects.get(template_key="low-back-early-movement"),
        )
        patients.append((patient, program))
    tokens = []
    for n in range(INVITATIONS):
        invited = Patient.objects.create(
            clinic=clinic,
            first_name="I",
            last_name=str(n),
            date_of_birth=date(1970, 1, 1),
            email=f"i{n}@threads.test",
        )
        _invitation, token = invitation_issue(
            actor=Actor.for_member(membership),
            kind=Invitation.Kind.PATIENT,
            channel=Invitation.Channel.PRINT,
            email=invited.email,
            clinic=clinic,
            patient_uuid=invited.uuid,
        )
        tokens.append(token)
    connection.close()

    barrier = threading.Barrier(THREADS * 2 + INVITATIONS * 2)
    statuses: list[int] = []
    accepts: list[str] = []
    errors: list[str] = []

    def log(patient, program) -> None:
        client = Client(raise_request_exception=False)
        client.force_login(patient.user)
        item = program.items.first()
        barrier.wait()
        for n in range(3):
            response = client.post(
                "/me/log/",
                {"client_token": f"t{patient.pk}-{n}", f"done_{item.pk}": "on", "pain": "2"},
            )
            statuses.append(response.status_code)
        connection.close()

    def save_program(patient, program) -> None:
        client = Client(raise_request_exception=False)
        client.force_login(clinician)
        item = program.items.first()
        barrier.wait()
        response = client.post(
            f"/portal/patients/{patient.uuid}/programs/{program.uuid}/edit/",
            {
                "action": "save",
                "revision": "1",
                "title": "Saved at once",
                "status": "active",
                "items-TOTAL_FORMS": "1",
                "items-INITIAL_FORMS": "0",
                "items-0-id": str(item.pk),
                "items-0-exercise": str(item.exercise.uuid),
                "items-0-sets": "1",
                "items-0-reps": "10",
                "items-0-hold_seconds": "0",
                "items-0-rest_seconds": "0",
                "items-0-times_per_day": "1",
                "items-0-days_per_week": "7",
                "items-0-side": "both",
            },
        )
        statuses.append(response.status_code)
        connection.close()

    def accept(token: str) -> None:
        client = Client(raise_request_exception=False)
        client.get(f"/invite/{token}/")  # the token moves into the session
        barrier.wait()
        response = client.post(
            "/invite/", {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        )
        # Where the browser ends up, and whether it is signed in there.
        landed = client.get(response["Location"]) if response.status_code == 302 else response
        signed_in = "_auth_user_id" in client.session
        accepts.append(f"{response.status_code} {landed.status_code} {signed_in}")
        connection.close()

    threads = [
        threading.Thread(target=accept, args=(token,)) for token in tokens for _twice in (1, 2)
    ]
    for patient, program in patients:
        threads.append(threading.Thread(target=log, args=(patient, program)))
        threads.append(threading.Thread(target=save_program, args=(patient, program)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    print(
        json.dumps(
            {
                "statuses": sorted(statuses),
                "accepts": sorted(accepts),
                "linked": Patient.objects.filter(
                    clinic=clinic, first_name="I", user__isnull=False
                ).count(),
                "errors": errors,
                "sessions": SessionLog.objects.count(),
                "revisions": sorted(p.revision for p in Program.objects.filter(clinic=clinic)),
            }
        )
    )


if __name__ == "__main__":
    sys.exit(main())
