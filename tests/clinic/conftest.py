"""What the clinic tests share: ports for a Redis that is stopped or hung."""

from __future__ import annotations

import signal
import socket
import threading
from contextlib import contextmanager

import pytest


def free_port() -> int:
    """A port nothing listens on: a stopped server (connection refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def black_hole():
    """A server that accepts connections and never answers (a hung Redis): its port."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(50)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(timeout=2)
    for conn in held:
        conn.close()
    server.close()


class NoAnswer(BaseException):
    """Raised by the alarm: a BaseException, so no library's `except Exception` eats it."""


@contextmanager
def answered_within(seconds: int):
    """The block fails with NoAnswer after `seconds`, rather than hang the test run."""

    def fire(*_args):
        raise NoAnswer

    previous = signal.signal(signal.SIGALRM, fire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
