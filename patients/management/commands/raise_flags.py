"""Daily sweep for time-based flags (no activity for 3+ days). Run it from cron, e.g.
`15 6 * * * cd /srv/limber && .venv/bin/python manage.py raise_flags`."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from patients.sessions import flags_raise_inactive


class Command(BaseCommand):
    help = "Raise 'no activity' flags for patients with an active program and no recent session."

    def handle(self, *args, **options) -> None:
        raised = flags_raise_inactive()
        self.stdout.write(f"{raised} inactivity flag(s) raised.")
