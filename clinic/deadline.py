"""A database that stops answering fails a request in seconds, with our error page.

A hung PostgreSQL (its process stopped, its machine frozen) still takes the bytes sent to
it, so neither connect_timeout nor TCP keepalives notice, and libpq waits for an answer
for ever. The request then held its web worker until gunicorn killed it at 30 s: the
browser got the proxy's bare 502, and the worker started again cold.

At a deadline, a timer signal shuts the sockets of this process's open PostgreSQL
connections. A wait on the database ends with the driver's own "server closed the
connection", which Django and our code already treat as a database that went away: the
transaction is rolled back, the connection dropped, and the 500 page asks the user to check
whether their change was saved. Nothing is interrupted: the handler raises nothing, so a
request busy in Python goes on (its next query fails), and stopping it stays gunicorn's.

Signals reach only a process's main thread: gunicorn's sync workers serve requests there.
In other threads (runserver, the browser tests' live server) requests run without one.
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)


def _cut_database_connections(seconds: float) -> None:
    cut = 0
    for connection in connections.all(initialized_only=True):
        if connection.vendor == "postgresql" and connection.connection is not None:
            cut += _shut(connection.connection)
    if cut:
        logger.error("The database gave no answer within %.0f s: its connections were cut", seconds)


def _shut(psycopg_connection) -> bool:
    """Shut a psycopg connection's socket; False when it has none left (closed, broken)."""
    import psycopg

    try:
        fd = psycopg_connection.pgconn.socket
        # A duplicate of the descriptor: shutting it ends the connection for libpq too,
        # and closing it leaves libpq's own descriptor for libpq to close.
        with socket.socket(fileno=socket.dup(fd)) as sock:
            sock.shutdown(socket.SHUT_RDWR)
    except (OSError, psycopg.Error):
        return False
    return True


@contextmanager
def database_deadline(seconds: float) -> Iterator[None]:
    """A block still running after `seconds` has its database connections cut (see the
    module's doc). An earlier deadline already running (an outer block's) is kept."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return
    outer_left = signal.getitimer(signal.ITIMER_REAL)[0]
    if outer_left and outer_left <= seconds:
        yield
        return
    started = time.monotonic()
    outer_handler = signal.signal(signal.SIGALRM, lambda *_: _cut_database_connections(seconds))
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, outer_handler)
        if outer_left:
            left = outer_left - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 0.001))


class RequestDeadlineMiddleware:
    """Each request under settings.REQUEST_DEADLINE (0: none)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with database_deadline(settings.REQUEST_DEADLINE):
            return self.get_response(request)
