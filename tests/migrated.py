"""Migrated databases for tests that give a process of their own a new database (the
backup drills, the task worker, SQLite under concurrent writers).

`manage.py migrate` on an empty database costs seconds of CPU (Django renders the model
states of every migration), and these tests ran it a dozen times a run. It now runs once
per run and database engine, shared by pytest-xdist's workers, and each test gets a copy
of the result: a file copy for SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL. A
test about migrating (a restore migrates what it restores, tests/clinic/test_migrations.py)
still runs migrate itself.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import dj_database_url
import psycopg

ROOT = Path(__file__).resolve().parents[1]
_POSTGRES_TEMPLATE = "postgres-template"


def run_folder(tmp_path_factory) -> Path:
    """This run's temporary folder: the same for every xdist worker of the run (each has
    a folder of its own inside it), and a new one for each run."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextmanager
def _alone(folder: Path, name: str) -> Iterator[None]:
    """Held by one process of the run at a time (the others wait for the one migrating)."""
    with open(folder / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def migrate(database_url: str) -> None:
    command = [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v0"]
    env = {**os.environ, "DATABASE_URL": database_url}
    subprocess.run(command, env=env, cwd=ROOT, check=True, timeout=300)  # noqa: S603


def new_sqlite(folder: Path, path: Path) -> Path:
    """A migrated SQLite database at `path`: a copy of the run's, which the first caller
    makes in `folder` (run_folder)."""
    made = folder / "migrated.sqlite3"
    with _alone(folder, "migrated-sqlite"):
        if not made.exists():
            building = folder / "migrating.sqlite3"
            building.unlink(missing_ok=True)
            migrate(f"sqlite:///{building}")
            # Everything in the file itself: a copy of it alone is the whole database.
            with closing(sqlite3.connect(building)) as db:
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            os.replace(building, made)
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(made, path)
    return path


def postgres_server() -> dict:
    """The local PostgreSQL server (the suite's own, when DATABASE_URL names one)."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        server = dj_database_url.parse(url)
    else:
        server = {"USER": os.environ.get("PGUSER", "postgres"), "PASSWORD": ""}
        server |= {"HOST": "127.0.0.1", "PORT": 5432}
    return {
        "user": server["USER"],
        "password": server["PASSWORD"] or None,
        "host": server["HOST"] or "127.0.0.1",
        "port": server["PORT"] or 5432,
    }


def postgres_admin(server: dict) -> psycopg.Connection:
    return psycopg.connect(dbname="postgres", autocommit=True, **server)


def postgres_url(server: dict, name: str) -> str:
    password = f":{server['password']}" if server["password"] else ""
    return f"postgres://{server['user']}{password}@{server['host']}:{server['port']}/{name}"


def new_postgres(folder: Path, admin: psycopg.Connection, server: dict, name: str) -> None:
    """A migrated PostgreSQL database named `name`: a copy of the run's, which the first
    caller makes (drop_postgres_template drops it when the run ends)."""
    record = folder / _POSTGRES_TEMPLATE
    with _alone(folder, "migrated-postgres"):
        if not record.exists():
            template = f"limber_migrated_{uuid.uuid4().hex[:12]}"
            admin.execute(f'CREATE DATABASE "{template}"')
            try:
                migrate(postgres_url(server, template))
            except BaseException:
                admin.execute(f'DROP DATABASE "{template}" WITH (FORCE)')
                raise
            record.write_text(template)
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{record.read_text()}"')


def drop_postgres_template(folder: Path) -> None:
    """Drop the run's migrated PostgreSQL database, if one was made."""
    record = folder / _POSTGRES_TEMPLATE
    if record.exists():
        with closing(postgres_admin(postgres_server())) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{record.read_text()}" WITH (FORCE)')
        record.unlink()
