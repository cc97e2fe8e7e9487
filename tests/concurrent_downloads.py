"""Ten people asking at once for a handout that is not rendered yet, through the real
views, on a SQLite file (as a clinic runs it; the test database in memory locks
differently). Run by tests/patients/test_background_renders.py in its own process.
Prints one JSON line of results.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from datetime import date

import django

ASKING = 10


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    django.setup()
    from django.db import connection
    from django.test import Client
    from django_tasks_db.models import DBTaskResult

    from clinic.actors import Actor
    from clinic.models import Clinic, Membership, RenderJob, User
    from patients.models import Patient
    from patients.services import patient_program_start
    from programs.models import Program

    clinic = Clinic.objects.create(name="Busy clinic")
    clinician = User.objects.create_user("clin@busy.test", "a long enough passphrase")
    membership = Membership.objects.create(user=clinician, clinic=clinic, role="clinician")
    patient = Patient.objects.create(
        clinic=clinic, first_name="P", last_name="One", date_of_birth=date(1970, 1, 1)
    )
    program = patient_program_start(
        actor=Actor.for_member(membership),
        patient=patient,
        source=Program.objects.get(template_key="low-back-early-movement"),
    )
    # As if its render had never been asked for (no worker runs here).
    RenderJob.objects.all().delete()
    DBTaskResult.objects.all().delete()
    url = f"/portal/patients/{patient.uuid}/programs/{program.uuid}/handout.pdf"
    clients = []
    for _ in range(ASKING):
        client = Client(raise_request_exception=False)
        client.force_login(clinician)
        clients.append(client)
    connection.close()

    barrier = threading.Barrier(ASKING)
    statuses: list[int] = []
    errors: list[str] = []

    def ask(client) -> None:
        try:
            barrier.wait(timeout=60)
            statuses.append(client.get(url).status_code)
        except Exception as error:  # reported in the JSON
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=ask, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    print(
        json.dumps(
            {
                "statuses": sorted(statuses),
                "errors": errors,
                "jobs": RenderJob.objects.count(),
                "tasks": DBTaskResult.objects.filter(
                    task_path="patients.tasks.render_document"
                ).count(),
            }
        )
    )


if __name__ == "__main__":
    sys.exit(main())
