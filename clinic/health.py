"""What /healthz reports: the database (without it nothing works), and the parts the app
degrades without: the cache, the task queue (is a worker taking tasks?) and storage."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection
from django.utils import timezone

from clinic.deadline import database_deadline

# A task ready for longer than this means no worker is taking them.
QUEUE_STALE = timedelta(minutes=10)
# Seconds the database gets to answer: a hung one is reported, not waited on.
DATABASE_ANSWER = 3.0


def _database() -> str:
    try:
        with database_deadline(DATABASE_ANSWER), connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return "unreachable"
    return "ok"


def _cache() -> str:
    available = getattr(cache, "available", None)
    if available is None:  # the database or memory cache of local runs: nothing to lose
        return "ok"
    return "ok" if available else "unavailable"


def _tasks() -> str:
    if settings.TASKS["default"]["BACKEND"] == "django_tasks_rq.RQBackend":
        return _rq_tasks()
    from django_tasks_db.models import DBTaskResult

    try:
        waiting = DBTaskResult.objects.ready().order_by("enqueued_at").first()
    except DatabaseError:
        return "unreachable"
    if waiting is not None and waiting.enqueued_at < timezone.now() - QUEUE_STALE:
        return "stalled"
    return "ok"


def _rq_tasks() -> str:
    """TASKS_BACKEND=rq: whether its Redis takes tasks (bounded by REDIS_TIMEOUT)."""
    import django_rq
    from redis.exceptions import RedisError

    try:
        django_rq.get_connection("default").ping()
    except (RedisError, OSError):
        return "unreachable"
    return "ok"


def _storage() -> str:
    name = f"healthz/{uuid.uuid4().hex}"
    try:
        saved = default_storage.save(name, ContentFile(b"ok"))
        default_storage.delete(saved)
    except OSError:
        return "read-only"
    return "ok"


def report() -> dict[str, str]:
    database = _database()
    result = {"status": "ok" if database == "ok" else "error", "database": database}
    result["cache"] = _cache()
    result["tasks"] = _tasks() if database == "ok" else "unreachable"
    result["storage"] = _storage()
    return result
