"""`manage.py api_token create --clinic <name or uuid> --scope <capabilities> --name <name>`:
a new API token for automation, printed once (only the token, on standard output).

The scope is one or more capability names from clinic.capabilities, separated by commas
or given with several --scope options, e.g. `--scope patients.view,clinical.view`.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from clinic.actors import Actor
from clinic.api.tokens import TokenError, api_token_create
from clinic.capabilities import CAPABILITIES
from clinic.models import Clinic
from clinic.parsing import parse_uuid


class Command(BaseCommand):
    help = "Create a clinic API token (printed once)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Make a new token and print it.")
        create.add_argument("--clinic", required=True, help="The clinic's name or id (uuid).")
        create.add_argument(
            "--scope",
            required=True,
            action="append",
            help=f"Capabilities, comma-separated: {', '.join(CAPABILITIES)}.",
        )
        create.add_argument("--name", required=True, help="What the token is for.")
        create.add_argument("--days", type=int, default=365, help="Days until it expires.")

    def handle(self, *args, action: str, **options) -> None:
        clinic = self._clinic(options["clinic"])
        scope = [name for value in options["scope"] for name in value.split(",")]
        if not 1 <= options["days"] <= 730:
            raise CommandError("--days must be from 1 to 730.")
        try:
            _token, raw = api_token_create(
                actor=Actor.system(clinic),
                clinic=clinic,
                name=options["name"],
                scope=scope,
                expires_at=timezone.now() + timedelta(days=options["days"]),
            )
        except TokenError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(raw)

    @staticmethod
    def _clinic(value: str) -> Clinic:
        key = parse_uuid(value)
        found = list(Clinic.objects.filter(uuid=key)) if key else []
        if not found:
            found = list(Clinic.objects.filter(name__iexact=value.strip())[:2])
        if len(found) != 1:
            raise CommandError(
                "No such clinic." if not found else "Several clinics have that name: use its id."
            )
        return found[0]
