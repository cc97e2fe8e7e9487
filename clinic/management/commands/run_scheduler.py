"""The scheduler: enqueues the periodic tasks in settings.PERIODIC_TASKS on their cron
times, and does nothing else (the task worker runs them). Run exactly one.

APScheduler keeps the clock; a task enqueued twice (two schedulers by mistake, or a
restart at the wrong moment) is harmless, because every periodic task is safe to repeat.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils.module_loading import import_string

logger = logging.getLogger("limber.scheduler")


def enqueue(path: str) -> None:
    # Django checks a request's database connection before and after the request; the
    # scheduler has no requests, so each job does it. Without this, a connection broken
    # by a database restart (or a SQLite file swapped in by `restore`) stayed broken, and
    # every periodic task failed to be queued until the scheduler itself was restarted.
    close_old_connections()
    try:
        result = import_string(path).enqueue()
    finally:
        close_old_connections()
    logger.info("enqueued %s as %s", path, result.id)


def scheduler() -> BlockingScheduler:
    schedule = BlockingScheduler(timezone=settings.TIME_ZONE)
    for path, cron in settings.PERIODIC_TASKS:
        import_string(path)  # fail at start-up, not at 3 a.m., on a wrong path
        schedule.add_job(
            enqueue,
            CronTrigger.from_crontab(cron, timezone=settings.TIME_ZONE),
            args=[path],
            id=path,
            # Missed by a few minutes (a restart): still run once; missed by hours: skip.
            misfire_grace_time=15 * 60,
            coalesce=True,
            max_instances=1,
        )
    return schedule


class Command(BaseCommand):
    help = "Enqueue the periodic tasks on their schedule (run one of these)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--list", action="store_true", help="print the schedule and the next run times"
        )

    def handle(self, *args, **options) -> None:
        schedule = scheduler()
        if options["list"]:
            now = datetime.now(ZoneInfo(settings.TIME_ZONE))
            for job in schedule.get_jobs():
                upcoming = job.trigger.get_next_fire_time(None, now)
                self.stdout.write(f"{job.id}: next {upcoming:%Y-%m-%d %H:%M %Z}")
            return
        self.stdout.write(f"Scheduling {len(settings.PERIODIC_TASKS)} periodic task(s).")
        try:
            schedule.start()
        except (KeyboardInterrupt, SystemExit):
            schedule.shutdown(wait=False)
