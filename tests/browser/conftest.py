"""Playwright driving Debian's Chromium (headless) against pytest-django's live server."""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

import pytest

from tests.conftest import install_library

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Chromium must not try to reach the internet: this machine has none, and a clinic's may not.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    from django.db import connections
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test`, which installs it.")
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the
    # test itself (fixtures, assertions) are still plain synchronous code.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
            # While Playwright runs, its event loop counts as running in this thread, and
            # Django's connections (an asgiref Local) are then another set: every test
            # since it started used a connection of its own. Closed here, before the first
            # set comes back: left open, it kept PostgreSQL from dropping the test
            # database at the end of the run ("being accessed by other users").
            connections.close_all()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_page(browser):
    contexts = []

    def make(width: int = 1280, height: int = 900):
        context = browser.new_context(viewport={"width": width, "height": height})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture
def shared_library(transactional_db):
    """Live-server tests flush every table afterwards, including the library that the
    data migration installed; put it back for the test that needs it."""
    install_library()


@contextlib.contextmanager
def requests_in_turn(httpd):
    """The live server serves one request at a time while this holds; yields the lock
    the requests take, for others (the task worker) to take too."""
    turn = getattr(httpd, "turn", None)
    if turn is not None:
        yield turn
        return
    turn = httpd.turn = threading.Lock()
    serve = httpd.get_app()

    def serve_in_turn(environ, start_response):
        with turn:
            return serve(environ, start_response)

    httpd.set_app(serve_in_turn)
    try:
        yield turn
    finally:
        httpd.set_app(serve)
        del httpd.turn


@pytest.fixture(scope="session")
def live_server(live_server):
    """pytest-django's live server, whose requests take turns on SQLite.

    The tests' SQLite is in memory, and two requests at once on it break each other: on
    the one connection Django shares with the server's threads when the database was
    set up before the server started (CI saw a tab's session check fail on "cannot
    commit transaction - SQL statements in progress" beside another tab's, and the
    builder's save then came back unsaved), and on the shared cache that each thread
    connects to when it was not ("database table is locked", at once: the shared cache
    never waits). A file database or PostgreSQL would make the second wait. On
    PostgreSQL each thread has a connection of its own, and requests run at once."""
    from django.db import connection

    if connection.vendor == "sqlite":
        with requests_in_turn(live_server.thread.httpd):
            yield live_server
    else:
        yield live_server


@pytest.fixture
def request_turn(live_server):
    """The lock the live server's requests take, held while the test runs."""
    with requests_in_turn(live_server.thread.httpd) as turn:
        yield turn


@pytest.fixture
def task_worker(request_turn, monkeypatch):
    """django-tasks-db's worker loop in a thread beside the live server, on its database
    (the live server's in-memory SQLite is shared by threads, not processes)."""
    import time

    from django.db import OperationalError, connection
    from django_tasks_db.management.commands import db_worker

    # The worker and the live server's requests take turns. Every poll of the worker is a
    # BEGIN EXCLUSIVE; in the shared in-memory SQLite a page's read that meets it fails at
    # once ("database table is locked", a 500 that ends the page's meta refresh: CI saw
    # it) instead of waiting for it as it would on a file database or PostgreSQL.
    turn = request_turn
    exclusive_transaction = db_worker.exclusive_transaction

    @contextlib.contextmanager
    def exclusive_in_turn(using=None):
        with turn, exclusive_transaction(using):
            yield

    monkeypatch.setattr(db_worker, "exclusive_transaction", exclusive_in_turn)

    class WorkerInTurn(db_worker.Worker):
        def run_task(self, db_task_result) -> None:
            with turn:
                super().run_task(db_task_result)

    worker = WorkerInTurn(
        queue_names=["*"],
        interval=0.2,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="browser-tests",
        excluded_queue_names=[],
    )

    def run() -> None:
        try:
            while worker.running:
                try:
                    worker.run()
                except OperationalError as error:
                    # A lock met by the test's own thread (which does not take turns)
                    # is retried, not the end of the worker.
                    if "locked" not in str(error):
                        raise
                    time.sleep(0.1)
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    worker.stop = lambda: (setattr(worker, "running", False), thread.join(timeout=10))
    yield worker
    worker.running = False
    thread.join(timeout=10)
