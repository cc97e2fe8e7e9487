"""Demo data: clinics, staff, patients. Safe to re-run: it tops up, never duplicates.

Logins (password `limber-demo`): clinic 1 admin@demo.test, clinician@demo.test,
patient@demo.test; clinic k >= 2 admin{k}@demo.test, clinician{k}@demo.test,
patient{k}@demo.test.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from clinic.models import Clinic, Membership, User
from patients import caseload, demo_history
from patients.models import Patient

DEMO_PASSWORD = "limber-demo"  # noqa: S105 - documented demo credential, refused without DEBUG
BATCH = 2000

CLINIC_NAMES = [
    ("Riverside Physiotherapy", "12 Mill Lane\nRiverside", "+1 555 010 0100"),
    ("Northgate Spine & Sports Clinic", "400 Northgate Avenue, Suite 3", "+1 555 010 0200"),
    ("Harbour Street Physical Therapy", "7 Harbour Street", "+1 555 010 0300"),
]
FIRST_NAMES = (
    "Olivia Liam Emma Noah Amelia Oliver Sophia Elijah Mia James Aisha Mateo Chloe Lucas "
    "Fatima Henry Grace Daniel Priya Samuel Zoe Arjun Hannah Diego Leila Thomas Nora Kenji "
    "Maria Omar Ruth Pablo Ingrid Tariq Julia Marcus Ana Wei Helen Kofi Lucia David Sara Ivan"
).split()
LAST_NAMES = (
    "Smith Garcia Johnson Nguyen Brown Martinez Patel Wilson Kim Lopez Anderson Okafor Taylor "
    "Silva Thomas Moore Hernandez Jackson Chen Martin Lee Perez Walker Khan Hall Rossi Young "
    "Schmidt Allen Novak King Costa Wright Haddad Scott Torres Green Murphy Baker Adams Ito"
).split()


def demo_email(role: str, k: int) -> str:
    return f"{role}@demo.test" if k == 1 else f"{role}{k}@demo.test"


class Command(BaseCommand):
    help = "Create or top up demo clinics, staff and patients."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--clinics", type=int, default=2, help="number of clinics (default 2)")
        parser.add_argument(
            "--patients", type=int, default=30, help="patients per clinic (default 30)"
        )
        parser.add_argument(
            "--days", type=int, default=28, help="days of activity history (default 28)"
        )
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")
        parser.add_argument("--seed", type=int, default=2026, help="random seed")

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("seed_demo creates known passwords; with DEBUG off, add --force.")
        clinics, patients, days = options["clinics"], options["patients"], options["days"]
        if not 1 <= clinics <= 50 or not 1 <= patients <= 100_000 or not 0 <= days <= 3650:
            raise CommandError("Use 1-50 clinics, 1-100000 patients and 0-3650 days.")
        rng = random.Random(options["seed"])
        password_hash = make_password(DEMO_PASSWORD)  # hashed once: Argon2 is slow on purpose
        quiet = options["verbosity"] == 0
        for k in range(1, clinics + 1):
            clinic = self._clinic(k)
            clinician = self._staff(clinic, k, password_hash)
            created = self._patients(clinic, clinician, k, patients, days, rng, password_hash)
            programs = demo_history.give_programs(
                clinic, clinician, rng, days=days, story_email=demo_email("patient", k)
            )
            logged = demo_history.make_history(clinic, days, rng, quiet=quiet)
            demo_history.demo_patient_story(
                Patient.objects.select_related("clinic").get(
                    clinic=clinic, email=demo_email("patient", k)
                )
            )
            flagged = demo_history.raise_inactive_flags(clinic)
            # The history was bulk-written, past the services that keep the caseload's
            # stored figures current: compute them for the whole clinic once.
            caseload.refresh(Patient.objects.filter(clinic=clinic))
            self.stdout.write(
                f"{clinic.name}: {created} patient(s), {programs} program(s), "
                f"{logged} session(s) added; {flagged} inactivity flag(s)"
            )
        self._print_logins(clinics)

    def _clinic(self, k: int) -> Clinic:
        name, address, phone = CLINIC_NAMES[(k - 1) % len(CLINIC_NAMES)]
        if k > len(CLINIC_NAMES):
            name = f"{name} {k}"
        clinic, _ = Clinic.objects.get_or_create(
            name=name,
            # North American phone numbers, so North American emergency help (911).
            defaults={
                "address": address,
                "phone": phone,
                "email": f"front-desk{k}@demo.test",
                "emergency_region": "us",
            },
        )
        return clinic

    def _user(self, email: str, full_name: str, password_hash: str) -> User:
        user, created = User.objects.get_or_create(
            email=email, defaults={"full_name": full_name, "password": password_hash}
        )
        if not created and not user.has_usable_password():
            user.password = password_hash
            user.save(update_fields=["password"])
        return user

    def _staff(self, clinic: Clinic, k: int, password_hash: str) -> User:
        suffix = "" if k == 1 else f" ({k})"
        admin = self._user(demo_email("admin", k), f"Alex Morgan{suffix}", password_hash)
        clinician = self._user(demo_email("clinician", k), f"Dr Sam Rivera{suffix}", password_hash)
        front_desk = self._user(demo_email("frontdesk", k), f"Jo Patel{suffix}", password_hash)
        for user, role in (
            (admin, Membership.Role.ADMIN),
            (clinician, Membership.Role.CLINICIAN),
            (front_desk, Membership.Role.FRONT_DESK),
        ):
            Membership.objects.get_or_create(user=user, clinic=clinic, defaults={"role": role})
        if not clinician.phone:
            clinician.phone = clinic.phone
            clinician.save(update_fields=["phone"])
        return clinician

    @transaction.atomic
    def _patients(
        self,
        clinic: Clinic,
        clinician: User,
        k: int,
        wanted: int,
        days: int,
        rng: random.Random,
        password_hash: str,
    ) -> int:
        now = timezone.now()
        today = timezone.localdate()
        login_email = demo_email("patient", k)
        existing = Patient.objects.filter(clinic=clinic).count()
        added = 0
        if not Patient.objects.filter(clinic=clinic, email=login_email).exists():
            user = self._user(login_email, "Jordan Lee", password_hash)
            Patient.objects.create(
                clinic=clinic,
                first_name="Jordan",
                last_name="Lee",
                date_of_birth=date(1979, 4, 12),
                email=login_email,
                phone="+1 555 010 0999",
                clinician=clinician,
                user=user,
                last_activity_at=now - timedelta(hours=20),
            )
            existing += 1
            added += 1
        missing = max(0, wanted - existing)
        batch: list[Patient] = []
        for _ in tqdm(range(missing), desc=clinic.name[:24], disable=missing < BATCH, unit="pt"):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            active_days_ago = rng.randint(0, days) if days and rng.random() < 0.85 else None
            batch.append(
                Patient(
                    clinic=clinic,
                    first_name=first,
                    last_name=last,
                    date_of_birth=today - timedelta(days=rng.randint(18 * 365, 88 * 365)),
                    phone=f"+1 555 01{rng.randint(0, 9)} {rng.randint(1000, 9999)}",
                    clinician=clinician,
                    last_activity_at=(
                        now - timedelta(days=active_days_ago, minutes=rng.randint(0, 900))
                        if active_days_ago is not None
                        else None
                    ),
                )
            )
            if len(batch) >= BATCH:
                Patient.objects.bulk_create(batch)
                added += len(batch)
                batch = []
        if batch:
            Patient.objects.bulk_create(batch)
            added += len(batch)
        return added

    def _print_logins(self, clinics: int) -> None:
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password: {DEMO_PASSWORD})"))
        for k in range(1, clinics + 1):
            emails = ", ".join(
                demo_email(role, k) for role in ("admin", "clinician", "frontdesk", "patient")
            )
            self.stdout.write(f"  clinic {k}: {emails}")
