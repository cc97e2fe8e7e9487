"""The SQLite connection kept between requests (clinic/sqlite_backend): kept while the
file is the same, dropped once `restore` has swapped another file in at its path."""

from __future__ import annotations

import os
import sqlite3

import pytest
from django.conf import settings
from django.db.utils import ConnectionHandler


def make_file(path, word: str) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE note (word TEXT)")
        db.execute("INSERT INTO note VALUES (?)", [word])
    db.close()


@pytest.fixture
def kept(tmp_path, django_db_blocker):
    """A connection set up as the settings set up the app's, to a file of its own (not
    the test database: pytest-django's blocker is lifted for it alone)."""
    path = tmp_path / "clinic.sqlite3"
    make_file(path, "before")
    handler = ConnectionHandler(
        {
            "default": {
                "ENGINE": "clinic.sqlite_backend",
                "NAME": str(path),
                "CONN_MAX_AGE": 600,
                "CONN_HEALTH_CHECKS": True,
            }
        }
    )
    connection = handler["default"]
    with django_db_blocker.unblock():
        yield connection, path
        connection.close()


def read(connection) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT word FROM note")
        return cursor.fetchone()[0]


def next_request(connection) -> None:
    # What Django does at each request's start and end (close_old_connections).
    connection.close_if_unusable_or_obsolete()


def test_the_app_keeps_its_database_connection_and_checks_it_before_reuse():
    database = settings.DATABASES["default"]
    assert database["ENGINE"] in ("clinic.sqlite_backend", "clinic.postgresql_backend")
    assert database["CONN_MAX_AGE"] > 0
    assert database["CONN_HEALTH_CHECKS"] is True


def test_the_connection_is_kept_between_requests(kept):
    connection, _ = kept
    assert read(connection) == "before"
    opened = connection.connection
    next_request(connection)
    assert read(connection) == "before"
    assert connection.connection is opened


def test_a_file_swapped_in_by_a_restore_is_read_on_the_next_request(kept, tmp_path):
    """As clinic.backups.restore_database does: another file replaces the path. Before
    the check, the kept connection went on reading (and writing) the replaced file."""
    connection, path = kept
    assert read(connection) == "before"
    staged = tmp_path / ".clinic.sqlite3.restoring"
    make_file(staged, "restored")
    os.replace(staged, path)
    next_request(connection)
    assert read(connection) == "restored"
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO note VALUES ('after')")
    with sqlite3.connect(path) as db:
        words = [row[0] for row in db.execute("SELECT word FROM note ORDER BY rowid")]
    db.close()
    assert words == ["restored", "after"]
