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


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    django.setup()
    from django.db import connection
    from django.test import Client

    from clinic.actors import Actor
    from clinic.models import Clinic, Membership, User
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
    connection.close()

    barrier = threading.Barrier(THREADS * 2)
    statuses: list[int] = []
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

    threads = []
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
                "errors": errors,
                "sessions": SessionLog.objects.count(),
                "revisions": sorted(p.revision for p in Program.objects.filter(clinic=clinic)),
            }
        )
    )


if __name__ == "__main__":
    sys.exit(main())
