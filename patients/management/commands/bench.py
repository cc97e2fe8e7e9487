"""Server-side timings of the portal's heavy pages. Prints figures; asserts nothing.

Run through `make bench`, which uses a throwaway SQLite file unless DATABASE_URL is
set. Each page is requested in-process through the full middleware stack (no
network), warmed up first, then timed over --runs requests: median and 95th
percentile, with the number of SQL queries per request.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from clinic.models import Clinic, Membership, User
from patients.models import Patient, SessionLog
from patients.services import patient_program_start
from patients.sessions import current_program
from programs.models import Exercise, Program
from programs.services import program_save

BENCH_CLINIC = "Benchmark clinic"
LIBRARY_SIZE = 2000


class Command(BaseCommand):
    help = "Time the library search and program builder pages (and more as they arrive)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--runs", type=int, default=30)
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")
        parser.add_argument(
            "--logging-only",
            action="store_true",
            help="only the patient Today / log / caseload figures (needs seed_demo data)",
        )
        parser.add_argument("--handouts-only", action="store_true", help="only the handout figures")

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("bench writes test data; with DEBUG off, add --force.")
        runs = max(5, min(options["runs"], 1000))
        self._cpu_reference()
        if options["logging_only"]:
            self._logging(runs)
            return
        clinician, patient, program = self._data()
        client = Client()
        client.force_login(clinician)
        if options["handouts_only"]:
            self._handouts(client, patient, program, runs)
            return
        edit = f"/portal/patients/{patient.uuid}/programs/{program.uuid}/edit/"
        self.stdout.write(
            f"Database: {connection.vendor}; library: "
            f"{Exercise.objects.count()} exercises; program: {program.items.count()} items"
        )
        self._time(
            "library search (page 2, filtered)",
            runs,
            lambda: client.get("/portal/library/?q=exercise&region=low_back&page=2"),
        )
        self._time("builder page (GET)", runs, lambda: client.get(edit))
        self._time(
            "builder action (POST move)", runs, lambda: client.post(edit, _move_post(program))
        )
        self._handouts(client, patient, program, runs)

    def _cpu_reference(self) -> None:
        """A fixed pure-Python loop: shared machines vary in speed from day to day (we have
        seen 2x on the same kind), so figures from different days compare only through it."""
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            total = 0
            for i in range(1_000_000):
                total += i
            timings.append((time.perf_counter() - started) * 1000)
        self.stdout.write(
            f"CPU reference (1M-step Python loop): median {statistics.median(timings):.0f} ms, "
            f"best {min(timings):.0f} ms"
        )

    def _handouts(self, client: Client, patient: Patient, program: Program, runs: int) -> None:
        """Cold (first in this process), warm and cached handout timings, and peak memory."""
        from patients.handouts import handout_people
        from programs.handouts import render_handout

        revision = program.revisions.get(number=program.revision)
        kwargs = {
            "program": program,
            "revision": revision,
            "clinic": patient.clinic,
            "people": handout_people(patient, base_url="http://bench.test", actor=None),
            "large_print": False,
            "issued_on": timezone.localdate(),
        }
        started = time.perf_counter()
        first = render_handout(**kwargs)
        cold = (time.perf_counter() - started) * 1000
        warm = []
        for _ in range(min(runs, 15)):
            started = time.perf_counter()
            render_handout(**kwargs)
            warm.append((time.perf_counter() - started) * 1000)
        self.stdout.write(
            f"handout, {program.items.count()} exercises: cold {cold:.0f} ms (first in process), "
            f"warm median {statistics.median(warm):.0f} ms (best {min(warm):.0f} ms), "
            f"{len(first.pdf) // 1024} KB, "
            f"renderer peak memory {first.peak_memory_mb:.0f} MB"
        )
        url = f"/portal/patients/{patient.uuid}/programs/{program.uuid}/handout.pdf"
        self._time("handout download, cached (GET)", runs, lambda: client.get(url))
        big = self._long_program(patient.clinic)
        result = render_handout(
            **{**kwargs, "program": big, "revision": big.revisions.get(number=big.revision)}
        )
        self.stdout.write(
            f"handout, {big.items.count()} exercises: {result.seconds * 1000:.0f} ms, "
            f"renderer peak memory {result.peak_memory_mb:.0f} MB"
        )

    def _logging(self, runs: int) -> None:
        """Today page, session POST and caseload on seed_demo data (the bigger the better)."""
        patient_user = User.objects.filter(email="patient@demo.test").first()
        clinician = User.objects.filter(email="clinician@demo.test").first()
        if patient_user is None or clinician is None:
            raise CommandError("Run seed_demo first (e.g. --patients 10000 --days 90).")
        patient = patient_user.patient_profile
        self.stdout.write(
            f"Caseload: {Patient.objects.filter(clinic=patient.clinic).count()} patients, "
            f"{SessionLog.objects.count()} session logs in the database"
        )
        as_patient, as_clinician = Client(), Client()
        as_patient.force_login(patient_user)
        as_clinician.force_login(clinician)
        self._time("patient Today page (GET /me/)", runs, lambda: as_patient.get("/me/"))
        program = current_program(patient)
        item = program.items.first()
        tokens = iter(range(10**6))

        def log() -> object:
            response = as_patient.post(
                "/me/log/",
                {"client_token": f"bench-{time.time_ns()}-{next(tokens)}", f"done_{item.pk}": "on"},
            )
            assert response.status_code == 302, response.status_code
            return response

        self._time("log a session (POST /me/log/)", runs, log)
        SessionLog.objects.filter(patient=patient, client_token__startswith="bench-").delete()  # noqa: S106
        for label, url in [
            ("caseload, by name", "/portal/"),
            ("caseload, by adherence", "/portal/?sort=adherence"),
            ("caseload, needs attention", "/portal/?attention=1&sort=flags"),
            ("caseload, page 200 by activity", "/portal/?sort=activity&page=200"),
        ]:
            self._time(label, runs, lambda url=url: as_clinician.get(url))

    def _long_program(self, clinic: Clinic) -> Program:
        membership = Membership.objects.get(user__email="bench-clinician@bench.test", clinic=clinic)
        patient, _ = Patient.objects.get_or_create(
            clinic=clinic,
            first_name="Long",
            last_name="Program",
            defaults={"date_of_birth": "1960-01-01"},
        )
        program = Program.objects.filter(assignment__patient=patient).first()
        if program is None:
            program = patient_program_start(membership=membership, patient=patient, source=None)
            shared = list(Exercise.objects.filter(clinic=None).order_by("name")[:30])
            program = program_save(
                program=program,
                membership=membership,
                expected_revision=program.revision,
                fields={},
                items=[{"exercise": exercise, "reps": 10} for exercise in shared],
            )
        return program

    def _data(self) -> tuple[User, Patient, Program]:
        with transaction.atomic():
            # Full contact details, so the page header is as busy as a real clinic's.
            clinic, _ = Clinic.objects.get_or_create(
                name=BENCH_CLINIC,
                defaults={"phone": "01632 960 123", "address": "12 Station Road\nBenchton"},
            )
            clinician, _ = User.objects.get_or_create(
                email="bench-clinician@bench.test", defaults={"full_name": "Bench Clinician"}
            )
            membership, _ = Membership.objects.get_or_create(user=clinician, clinic=clinic)
            missing = LIBRARY_SIZE - Exercise.objects.filter(clinic=clinic).count()
            Exercise.objects.bulk_create(
                Exercise(
                    clinic=clinic,
                    name=f"Bench exercise {i:04}",
                    lay_name="A generated exercise",
                    category="mobility",
                    position="standing",
                    style="dynamic",
                    regions=["low_back"],
                    equipment=["none"],
                    reps=10,
                )
                for i in range(max(0, missing))
            )
            patient, _ = Patient.objects.get_or_create(
                clinic=clinic,
                first_name="Bench",
                last_name="Patient",
                defaults={"date_of_birth": "1970-01-01"},
            )
            program = Program.objects.filter(assignment__patient=patient).first()
            if program is None:
                template = Program.objects.get(template_key="low-back-core-stability")
                program = patient_program_start(
                    membership=membership, patient=patient, source=template
                )
                shared = list(Exercise.objects.filter(clinic=None)[:6])
                items = [{"id": i.pk, "exercise": i.exercise} for i in program.items.all()]
                items += [{"exercise": exercise} for exercise in shared]
                program = program_save(
                    program=program,
                    membership=membership,
                    expected_revision=program.revision,
                    fields={},
                    items=items,
                )
        return clinician, patient, program

    def _time(self, label: str, runs: int, request: Callable) -> None:
        for _ in range(3):
            request()
        timings = []
        # Counted with an execute wrapper: Django clears its own query log at the start
        # of every request, which would hide the request's queries from a capture.
        executed = []
        with connection.execute_wrapper(
            lambda run, sql, *rest: executed.append(sql) or run(sql, *rest)
        ):
            response = request()
        for _ in range(runs):
            start = time.perf_counter()
            response = request()
            timings.append((time.perf_counter() - start) * 1000)
        if response.status_code >= 400:
            raise CommandError(f"{label}: HTTP {response.status_code}")
        timings.sort()
        p95 = timings[min(len(timings) - 1, round(0.95 * len(timings)) - 1)]
        self.stdout.write(
            f"{label:<40} median {statistics.median(timings):7.1f} ms   "
            f"p95 {p95:7.1f} ms   {len(executed):3d} queries"
        )


def _move_post(program: Program) -> dict:
    """A builder 'move down' submission for the saved program (nothing is written)."""
    data = {
        "action": "down:0",
        "revision": str(program.revision),
        "title": program.title,
        "status": program.status,
        "items-INITIAL_FORMS": "0",
    }
    items = list(program.items.select_related("exercise"))
    data["items-TOTAL_FORMS"] = str(len(items))
    for i, item in enumerate(items):
        data[f"items-{i}-id"] = str(item.pk)
        data[f"items-{i}-exercise"] = str(item.exercise.uuid)
        data[f"items-{i}-reps"] = str(item.reps or "")
        data[f"items-{i}-sets"] = str(item.sets)
    return data
