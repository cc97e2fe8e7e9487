"""Giving tasks to the queue (django-tasks: the database, or Redis with TASKS_BACKEND=rq)
once the caller's transaction commits.

By then the write is saved and the page will say so. A queue that cannot take the task
(its Redis stopped, or hung: the connection waits at most REDIS_TIMEOUT) must not turn
that into an error page for a change that was made: the failure is logged, `on_failure`
lets the caller undo what waits for the task (a render job nobody will run), and the
periodic sweeps (emails_resume, the nightly prerender) pick the work up again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import DatabaseError, transaction
from redis.exceptions import RedisError

logger = logging.getLogger("limber.tasks")

# What a queue that is down or hung raises: Redis's own errors (a timeout included), a
# socket's, or the database's for the database backend.
QUEUE_ERRORS = (RedisError, OSError, DatabaseError)


def enqueue(task: Any, *args: Any, on_failure: Callable[[], None] | None = None) -> bool:
    """Give `task` its arguments now; False (logged, `on_failure` run) if the queue
    cannot take it."""
    try:
        task.enqueue(*args)
    except QUEUE_ERRORS:
        logger.warning("The task queue did not take %s", task.name, exc_info=True)
        if on_failure is not None:
            on_failure()
        return False
    return True


def enqueue_on_commit(task: Any, *args: Any, on_failure: Callable[[], None] | None = None) -> None:
    """`enqueue`, once the caller's transaction commits (at once outside one)."""
    transaction.on_commit(lambda: enqueue(task, *args, on_failure=on_failure))
