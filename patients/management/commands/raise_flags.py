"""The daily sweep: extend the per-day plans of what is prescribed, then raise the
time-based flags (prescribed sessions let go by). Run it from cron, e.g.
`15 6 * * * cd /srv/limber && .venv/bin/python manage.py raise_flags`."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from patients.adherence import plans_extend
from patients.practice_log import flags_raise_inactive


class Command(BaseCommand):
    help = "Extend prescription plans, and flag patients who let prescribed sessions go by."

    def handle(self, *args, **options) -> None:
        extended = plans_extend()
        raised = flags_raise_inactive()
        self.stdout.write(f"{extended} plan(s) extended; {raised} inactivity flag(s) raised.")
