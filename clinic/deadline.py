"""A database that stops answering fails a request in seconds, with our error page.

A hung PostgreSQL (its process stopped, its machine frozen) still takes the bytes sent to
it, so neither connect_timeout nor TCP keepalives notice, and libpq waits for an answer
for ever. The request then held its web worker until gunicorn killed it at 30 s: the
browser got the proxy's bare 502, and the worker started again cold.

From a deadline on, a timer signal looks every CHECK_EVERY seconds for a PostgreSQL
connection of this process that is waiting for an answer, and shuts its socket. The wait
ends with the driver's own "server closed the connection", which Django and our code
already treat as a database that went away: the transaction is rolled back, the connection
dropped, and the "try again" page (clinic.error_pages) asks the user to check whether
their change was kept. A connection that waits for nothing is left alone, and the handler
raises nothing: a request busy in Python goes on, and stopping it stays gunicorn's. Past
the deadline no new connection is opened in the block (clinic/postgresql_backend): the
server that did not answer would keep the next one waiting for its greeting too.

Worst case, a request ends REQUEST_DEADLINE + CHECK_EVERY seconds after it began, or
REQUEST_DEADLINE + 2 s when its connection was being opened as the deadline came (libpq
waits at least 2 s): under gunicorn's 30 s.

Signals reach only a process's main thread: gunicorn's sync workers serve requests there.
In other threads (runserver, the browser tests' live server) requests run without one. An
alarm set by a caller (a test's time limit, a job's timeout) keeps its time.
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

# Seconds between looks for a wait to cut, once the deadline has passed.
CHECK_EVERY = 0.5


class NoAnswerInTime(OperationalError):
    """Past the deadline: no new connection is opened (clinic/postgresql_backend)."""


@dataclass
class _Block:
    seconds: float
    due: float  # time.monotonic() of the deadline
    outer_handler: Any
    outer_due: float | None  # when an alarm set before the block falls due
    previous: _Block | None
    cut: int = 0
    handed_over: bool = False


_running: _Block | None = None


def seconds_left() -> float | None:
    """Seconds to the deadline of the block running now (0 once it has passed); None
    outside one."""
    if _running is None:
        return None
    return max(0.0, _running.due - time.monotonic())


def _waiting_sockets() -> list[int]:
    """The sockets of this process's PostgreSQL connections that wait for an answer."""
    import psycopg
    from psycopg import pq

    found = []
    for connection in connections.all(initialized_only=True):
        if connection.vendor != "postgresql" or connection.connection is None:
            continue
        pgconn = connection.connection.pgconn
        try:
            if pgconn.transaction_status == pq.TransactionStatus.ACTIVE:
                found.append(pgconn.socket)
        except psycopg.Error:  # closed meanwhile: nothing waits on it, nothing to raise
            continue
    return found


def _shut(fd: int) -> bool:
    try:
        # A duplicate of the descriptor: shutting it ends the connection for libpq too,
        # and closing it leaves libpq's own descriptor for libpq to close.
        with socket.socket(fileno=socket.dup(fd)) as sock:
            sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        return False
    return True


def _on_alarm(signum: int, frame: Any) -> None:
    global _running
    block = _running
    if block is None:  # cannot happen: the handler is set only while a block runs
        return
    now = time.monotonic()
    if block.outer_due is not None and now >= block.outer_due:
        # The caller's alarm is due: it gets it now, as it would have without the block.
        block.handed_over = True
        _running = block.previous  # an outer block of ours takes over from here
        signal.signal(signal.SIGALRM, block.outer_handler)
        signal.setitimer(signal.ITIMER_REAL, 0.001)
        return
    # No logging here: a handler that writes to a stream the interrupted code was writing
    # to fails; the block logs what was cut when it ends.
    block.cut += sum(_shut(fd) for fd in _waiting_sockets())
    wait = CHECK_EVERY if block.outer_due is None else min(CHECK_EVERY, block.outer_due - now)
    signal.setitimer(signal.ITIMER_REAL, max(wait, 0.001))


@contextmanager
def database_deadline(seconds: float) -> Iterator[None]:
    """From `seconds` on, a database wait in this block is cut (see the module's doc). An
    earlier deadline or alarm already running is kept, and so is a later one's time."""
    global _running
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return
    outer_left = signal.getitimer(signal.ITIMER_REAL)[0]
    if outer_left and outer_left <= seconds:
        yield
        return
    now = time.monotonic()
    block = _Block(
        seconds=seconds,
        due=now + seconds,
        outer_handler=signal.signal(signal.SIGALRM, _on_alarm),
        outer_due=now + outer_left if outer_left else None,
        previous=_running,
    )
    _running = block
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        _running = block.previous
        # Handed over, the alarm is the caller's again, and may still be on its way.
        if not block.handed_over:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, block.outer_handler)
            if block.outer_due is not None:
                left = block.outer_due - time.monotonic()
                signal.setitimer(signal.ITIMER_REAL, max(left, 0.001))
        if block.cut:
            logger.error(
                "The database gave no answer within %g s: %d connection(s) cut",
                block.seconds,
                block.cut,
            )


class RequestDeadlineMiddleware:
    """Each request under settings.REQUEST_DEADLINE (0: none), on PostgreSQL: SQLite
    waits for its own lock with a time limit (its "timeout" option)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
            return self.get_response(request)
        with database_deadline(settings.REQUEST_DEADLINE):
            return self.get_response(request)
