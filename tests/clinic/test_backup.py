"""Backup and restore, drilled: real database files and servers, the real commands in
their own processes, and a patient logging sessions while the backup runs.

These tests make and drop their own databases (SQLite files in tmp_path, PostgreSQL
databases named limber_backup_*), so they run the same whichever database the suite
itself was given.
"""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import time
from contextlib import closing
from pathlib import Path
from types import SimpleNamespace

import psycopg
import pytest
from django.core import checks
from django.core.management import CommandError, call_command, get_commands, load_command_class
from PIL import Image

from clinic import backups
from clinic.backups import HEADER_SIZE, TAG_SIZE, BackupError, DecryptingReader, EncryptingWriter
from tests import migrated

ROOT = Path(__file__).resolve().parents[2]
KEY = backups.generate_key()
SECRET_KEY = "drill-secret-key-that-must-never-land-in-a-backup-0123456789"
MFA_KEY = backups.generate_key()

# Each script runs in its own process against the site's database; its last line of
# output is JSON.
WRITER = """
import sys, uuid
from pathlib import Path
from clinic.actors import Actor
from patients.models import Patient
from patients.practice_log import Done, current_program, session_log

stop, progress = Path(sys.argv[1]), open(sys.argv[2], "a", buffering=1)
work = []
for patient in Patient.objects.select_related("clinic").order_by("pk"):
    program = current_program(patient)
    if program is not None and program.status == "active":
        work.append((patient, program, [Done(i.exercise) for i in program.items.all()]))
assert work, "no patient has an active program"
while not stop.exists():
    for patient, program, done in work:
        session_log(patient=patient, program=program, done=done, pain=3, effort=5,
                    comment="drill", client_token=uuid.uuid4().hex,
                    actor=Actor.for_patient(patient))
        progress.write("x\\n")
"""

UPLOAD_LOGO = """
import json, sys
from django.core.files.uploadedfile import SimpleUploadedFile
from clinic.actors import Actor
from clinic.models import Membership
from clinic.services import clinic_update

admin = Membership.objects.select_related("user", "clinic").get(user__email="admin@demo.test")
data = open(sys.argv[1], "rb").read()
clinic = clinic_update(actor=Actor.for_member(admin), fields={},
                       logo=SimpleUploadedFile("logo.png", data, content_type="image/png"))
print(json.dumps({"logo": clinic.logo.name}))
"""

SNAPSHOT = """
import json
from django.contrib.auth import authenticate
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count
from django.test import RequestFactory
from clinic.models import AuditEvent, Clinic
from patients.models import SessionEntry, SessionLog

sessions = {}
for log in SessionLog.objects.order_by("pk"):
    sessions[str(log.pk)] = {"patient": log.patient_id, "comment": log.comment,
                             "exercises_done": log.exercises_done, "entries": []}
for entry in SessionEntry.objects.order_by("pk").values("session_id", "exercise_id", "pk"):
    log = sessions.get(str(entry["session_id"]))
    if log is not None:
        log["entries"].append([entry["pk"], entry["exercise_id"]])
orphans = SessionEntry.objects.exclude(session_id__in=SessionLog.objects.values("pk")).count()
logo = Clinic.objects.exclude(logo="").first()
request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="127.0.0.1")
executor = MigrationExecutor(connection)
print(json.dumps({
    "audit": AuditEvent.objects.count(),
    "sessions": sessions,
    "orphans": orphans,
    "login": authenticate(request, username="clinician@demo.test", password="limber-demo")
    is not None,
    "logo": logo.logo.name if logo else None,
    "unapplied": len(executor.migration_plan(executor.loader.graph.leaf_nodes())),
}))
"""


class Site:
    """One Limber installation: a database and a MEDIA_ROOT, driven through manage.py."""

    def __init__(self, database_url: str, media: Path) -> None:
        self.database_url = database_url
        self.media = media

    def env(self, **extra: str) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"BACKUP_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", "SECRET_KEY", "DEBUG"}
        }
        env.update(
            DJANGO_SETTINGS_MODULE="clinic.settings",
            DATABASE_URL=self.database_url,
            MEDIA_ROOT=str(self.media),
            BACKUP_KEY=KEY,
            SECRET_KEY=SECRET_KEY,
            MFA_ENCRYPTION_KEY=MFA_KEY,
        )
        env.update(extra)
        return {k: v for k, v in env.items() if v is not None}

    def manage(self, *args: str, stdin: str = "", **env) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env(**env),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=300,
        )

    def ok(self, *args: str, **env) -> str:
        done = self.manage(*args, **env)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def script(self, code: str, *argv: str) -> subprocess.Popen:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", "import django; django.setup()\n" + code, *argv],
            cwd=ROOT,
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def run(self, code: str, *argv: str) -> dict:
        process = self.script(code, *argv)
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, out + err
        return json.loads(out.strip().splitlines()[-1])


def sqlite_site(folder: Path) -> Site:
    folder.mkdir(parents=True, exist_ok=True)
    return Site(f"sqlite:///{folder / 'limber.sqlite3'}", folder / "media")


def tree(root: Path) -> dict[str, str]:
    """Every file under root with its sha256: what "changed nothing" is checked against."""
    if not root.exists():
        return {}
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def state(site: Site) -> dict:
    """The target's database (its content, not its bytes: SQLite may checkpoint a WAL on
    open) and media: what "changed nothing" is checked against."""
    path = Path(site.database_url.removeprefix("sqlite:///"))
    with closing(sqlite3.connect(path)) as db:
        content = "\n".join(db.iterdump())
    return {"database": content, "media": tree(site.media)}


def lines(path: Path) -> int:
    return path.read_text().count("\n") if path.exists() else 0


def drill(source: Site, target: Site, tmp_path: Path) -> None:
    """On a migrated source, demo data and a logo upload; a backup while a patient keeps
    logging sessions; a restore into an empty database and MEDIA_ROOT; then the restored
    copy is checked against the source."""
    source.ok("seed_demo", "--clinics", "1", "--patients", "5", "--days", "10")
    picture = tmp_path / "logo.png"
    image = Image.new("RGB", (64, 64))
    image.putdata([tuple(random.randbytes(3)) for _ in range(64 * 64)])
    image.save(picture)
    logo = source.run(UPLOAD_LOGO, str(picture))["logo"]

    stop, progress = tmp_path / "stop", tmp_path / "progress"
    writer = source.script(WRITER, str(stop), str(progress))
    try:
        deadline = time.monotonic() + 60
        while lines(progress) < 5:
            assert writer.poll() is None, writer.communicate()
            assert time.monotonic() < deadline, "the writer never got going"
            time.sleep(0.05)
        before = source.run(SNAPSHOT)
        written_before = lines(progress)
        archive = tmp_path / "drill.tar.enc"
        started = time.monotonic()
        output = source.ok("backup", "--output", str(archive))
        backup_seconds = time.monotonic() - started
        written_during = lines(progress) - written_before
        time.sleep(0.3)  # and a few more sessions after the backup
    finally:
        stop.touch()
        out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, out + err
    assert "encrypted" in output and str(archive) in output and "MB" in output
    assert written_during > 0, "no session was logged while the backup ran"
    final = source.run(SNAPSHOT)

    started = time.monotonic()
    target.ok("restore", str(archive))
    restore_seconds = time.monotonic() - started
    restored = target.run(SNAPSHOT)
    size = archive.stat().st_size
    print(f"backup {backup_seconds:.1f} s, restore {restore_seconds:.1f} s, {size} bytes")

    assert restored["login"] is True
    assert restored["unapplied"] == 0
    assert restored["audit"] >= before["audit"]
    assert restored["orphans"] == 0
    # Everything committed before the backup began is there; the copy is one moment of
    # a database that kept changing: sessions landed both before and after it.
    assert set(before["sessions"]) <= set(restored["sessions"]) <= set(final["sessions"])
    assert len(before["sessions"]) < len(restored["sessions"]) < len(final["sessions"])
    # Each session is whole: the same entries as in the source, none missing or extra.
    for pk, log in restored["sessions"].items():
        assert log == final["sessions"][pk]
        if log["comment"] == "drill":
            assert len(log["entries"]) == log["exercises_done"] > 0
    assert restored["logo"] == logo
    assert (target.media / logo).read_bytes() == picture.read_bytes()
    assert tree(target.media) == tree(source.media)


def test_sqlite_backup_under_concurrent_writes_restores_whole(new_sqlite, tmp_path):
    source = sqlite_site(tmp_path / "source")
    new_sqlite(source.media.parent / "limber.sqlite3")
    drill(source, sqlite_site(tmp_path / "target"), tmp_path)


@pytest.fixture
def postgres(tmp_path_factory):
    """New databases on the local PostgreSQL server (the suite's own, when DATABASE_URL
    names one): empty, or migrated."""
    server = migrated.postgres_server()
    admin = migrated.postgres_admin(server)
    made = []

    def database(name: str, *, migrate: bool = False) -> str:
        assert name.startswith("limber_backup_")
        # Per run, so two suites on one server (SQLite and PostgreSQL side by side) never
        # drop each other's databases.
        name = f"{name}_{os.getpid()}"
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if migrate:
            migrated.new_postgres(migrated.run_folder(tmp_path_factory), admin, server, name)
        else:
            admin.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return migrated.postgres_url(server, name)

    yield database
    for name in made:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def test_postgresql_backup_under_concurrent_writes_restores_whole(tmp_path, postgres):
    source = Site(postgres("limber_backup_src", migrate=True), tmp_path / "source-media")
    target = Site(postgres("limber_backup_dst"), tmp_path / "target-media")
    drill(source, target, tmp_path)


# --- Refusals -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def made(tmp_path_factory, new_sqlite):
    """A migrated SQLite site with a media file, backed up encrypted and in the clear."""
    folder = tmp_path_factory.mktemp("made")
    site = sqlite_site(folder / "site")
    new_sqlite(site.media.parent / "limber.sqlite3")
    (site.media / "clinic-logos").mkdir(parents=True)
    (site.media / "clinic-logos" / "logo.png").write_bytes(random.randbytes(1_500_000))
    encrypted, plain = folder / "backup.tar.enc", folder / "backup.tar"
    site.ok("backup", "--output", str(encrypted))
    site.ok("backup", "--output", str(plain), "--no-encryption")
    return SimpleNamespace(site=site, encrypted=encrypted, plain=plain, folder=folder)


@pytest.fixture
def occupied(tmp_path, made):
    """A restore target that already holds a database and media, to prove refusals leave
    them alone (--yes is given, so only the archive's checks stand in the way)."""
    site = sqlite_site(tmp_path / "occupied")
    shutil.copyfile(
        made.site.database_url.removeprefix("sqlite:///"), site.media.parent / "limber.sqlite3"
    )
    with closing(sqlite3.connect(site.media.parent / "limber.sqlite3")) as db, db:
        db.execute("CREATE TABLE kept (note text)")
    (site.media / "kept").mkdir(parents=True)
    (site.media / "kept" / "file.pdf").write_bytes(b"%PDF keep me")
    site.before = state(site)
    return site


def damaged(tmp_path, source: Path, change) -> Path:
    data = bytearray(source.read_bytes())
    change(data)
    path = tmp_path / ("damaged-" + source.name)
    path.write_bytes(bytes(data))
    return path


def flip_middle(data: bytearray) -> None:
    data[len(data) // 2] ^= 0x01


def test_it_refuses_a_tampered_archive_and_changes_nothing(made, occupied, tmp_path):
    archive = damaged(tmp_path, made.encrypted, flip_middle)
    done = occupied.manage("restore", str(archive), "--yes")
    assert done.returncode != 0
    assert "damaged" in done.stderr and "Nothing was changed" in done.stderr
    assert state(occupied) == occupied.before


@pytest.mark.parametrize(
    "cut",
    [
        pytest.param(lambda data: data.__delitem__(slice(-1, None)), id="last-byte"),
        pytest.param(
            lambda data: data.__delitem__(slice(HEADER_SIZE + backups.CHUNK_SIZE + 16, None)),
            id="final-chunk",
        ),
        pytest.param(lambda data: data.__delitem__(slice(len(data) // 3, None)), id="two-thirds"),
    ],
)
def test_it_refuses_a_truncated_archive_and_changes_nothing(made, occupied, tmp_path, cut):
    archive = damaged(tmp_path, made.encrypted, cut)
    done = occupied.manage("restore", str(archive), "--yes")
    assert done.returncode != 0
    assert "truncated" in done.stderr
    assert state(occupied) == occupied.before


def test_it_refuses_an_unencrypted_archive_that_fails_its_checksums(made, occupied, tmp_path):
    archive = damaged(tmp_path, made.plain, flip_middle)
    done = occupied.manage("restore", str(archive), "--yes")
    assert done.returncode != 0
    assert "checksum" in done.stderr
    assert state(occupied) == occupied.before


def test_it_refuses_a_wrong_key(made, occupied):
    done = occupied.manage(
        "restore", str(made.encrypted), "--yes", BACKUP_KEY=backups.generate_key()
    )
    assert done.returncode != 0
    assert "BACKUP_KEY does not open this archive" in done.stderr
    assert state(occupied) == occupied.before


def test_it_refuses_to_restore_an_encrypted_archive_without_a_key(made, occupied):
    done = occupied.manage("restore", str(made.encrypted), "--yes", BACKUP_KEY=None)
    assert done.returncode != 0
    assert "set BACKUP_KEY" in done.stderr
    assert state(occupied) == occupied.before


def test_it_refuses_to_back_up_without_a_key(made, tmp_path):
    done = made.site.manage("backup", "--output", str(tmp_path / "x.tar.enc"), BACKUP_KEY=None)
    assert done.returncode != 0
    assert "BACKUP_KEY is not set" in done.stderr and "--no-encryption" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_it_warns_about_an_unencrypted_backup(made):
    done = made.site.manage(
        "backup", "--output", str(made.folder / "warned.tar"), "--no-encryption"
    )
    assert done.returncode == 0
    assert "unencrypted" in done.stderr


def test_it_refuses_a_backup_key_that_is_another_secret(made, tmp_path):
    done = made.site.manage("backup", "--output", str(tmp_path / "x"), BACKUP_KEY=MFA_KEY)
    assert done.returncode != 0
    assert "a key of its own" in done.stderr


def test_it_refuses_to_write_a_backup_inside_media_root(made):
    done = made.site.manage("backup", "--output", str(made.site.media / "backups"))
    assert done.returncode != 0
    assert "outside MEDIA_ROOT" in done.stderr
    assert not (made.site.media / "backups").exists()


def test_a_failed_backup_leaves_no_archive(tmp_path):
    site = sqlite_site(tmp_path / "nothing-here")
    done = site.manage("backup", "--output", str(tmp_path / "out.tar.enc"))
    assert done.returncode != 0
    assert "no archive was written" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nothing-here"]


def test_it_asks_before_replacing_a_database_that_has_tables(made, occupied):
    done = occupied.manage("restore", str(made.encrypted), stdin="no\n")
    assert done.returncode != 0
    assert 'Type "yes"' in done.stdout and "tables" in done.stdout
    assert "cancelled" in done.stderr
    assert state(occupied) == occupied.before


def test_yes_replaces_a_database_and_media_that_were_there(made, occupied):
    occupied.ok("restore", str(made.encrypted), "--yes")
    assert tree(occupied.media) == tree(made.site.media)
    with closing(sqlite3.connect(occupied.media.parent / "limber.sqlite3")) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert "kept" not in tables and "clinic_clinic" in tables


def test_the_archive_holds_no_key(made):
    with open(made.encrypted, "rb") as raw:
        plain = DecryptingReader(raw, backups.load_key(KEY)).read()
    for secret in (KEY, SECRET_KEY, MFA_KEY):
        assert secret.encode() not in plain
    with tarfile.open(fileobj=io.BytesIO(plain)) as tar:
        names = tar.getnames()
    assert names == ["database.sqlite3", "media/clinic-logos/logo.png", "manifest.json"]


def test_it_refuses_a_backup_from_a_newer_limber(made, tmp_path):
    future = sqlite_site(tmp_path / "future")
    shutil.copyfile(
        made.site.database_url.removeprefix("sqlite:///"), future.media.parent / "limber.sqlite3"
    )
    with closing(sqlite3.connect(future.media.parent / "limber.sqlite3")) as db, db:
        db.execute(
            "INSERT INTO django_migrations (app, name, applied) "
            "VALUES ('patients', '9999_from_the_future', '2030-01-01')"
        )
    future.ok("backup", "--output", str(tmp_path / "future.tar.enc"))
    target = sqlite_site(tmp_path / "target")
    done = target.manage("restore", str(tmp_path / "future.tar.enc"))
    assert done.returncode != 0
    assert "newer Limber" in done.stderr and "patients.9999_from_the_future" in done.stderr
    assert not (target.media.parent / "limber.sqlite3").exists()


def test_a_backup_from_before_newer_migrations_restores_and_migrates(tmp_path):
    old = sqlite_site(tmp_path / "old")
    # What a Limber from before the squashed migrations applied first: clinic 0001 alone
    # (the migrate command now takes the squash on a new database).
    old.run(
        "from django.db import connection\n"
        "from django.db.migrations.executor import MigrationExecutor\n"
        "from django.db.migrations.loader import MigrationLoader\n"
        "executor = MigrationExecutor(connection)\n"
        "executor.loader = MigrationLoader(connection, replace_migrations=False)\n"
        "executor.migrate([('clinic', '0001_initial')])\n"
        "print('{}')\n"
    )
    old.ok("backup", "--output", str(tmp_path / "old.tar.enc"))
    target = sqlite_site(tmp_path / "target")
    out = target.ok("restore", str(tmp_path / "old.tar.enc"))
    # The steps the old database had begun run one by one; the app it had not begun
    # comes in one squashed step.
    assert "Applying clinic.0002_clinic_handout_branding" in out
    assert "Applying patients.0001_squashed_0013_caseload_figures" in out
    assert "[ ]" not in target.ok("showmigrations")


# --- The encrypted stream, in process -------------------------------------------------


def seal(payload: bytes, chunk_size: int = 4096) -> bytes:
    sink = io.BytesIO()
    writer = EncryptingWriter(sink, backups.load_key(KEY), chunk_size=chunk_size)
    writer.write(payload)
    writer.close()
    return sink.getvalue()


def open_sealed(data: bytes) -> bytes:
    return DecryptingReader(io.BytesIO(data), backups.load_key(KEY)).read()


@pytest.mark.parametrize("size", [0, 1, 4095, 4096, 4097, 3 * 4096, 50_000])
def test_the_stream_round_trips_any_length(size):
    payload = random.randbytes(size)
    assert open_sealed(seal(payload)) == payload


def test_the_stream_refuses_reordered_chunks():
    data = seal(random.randbytes(3 * 4096 + 10))
    step = 4096 + 16
    first, second = (
        data[HEADER_SIZE : HEADER_SIZE + step],
        data[HEADER_SIZE + step : HEADER_SIZE + 2 * step],
    )
    swapped = data[:HEADER_SIZE] + second + first + data[HEADER_SIZE + 2 * step :]
    with pytest.raises(BackupError, match="chunk 0"):
        open_sealed(swapped)


def test_the_stream_refuses_a_cut_at_a_chunk_boundary():
    data = seal(random.randbytes(3 * 4096 + 10))
    with pytest.raises(BackupError, match="ends before its final chunk"):
        open_sealed(data[: HEADER_SIZE + 3 * (4096 + 16)])


def test_an_archive_missing_only_its_final_chunk_is_refused(made, tmp_path):
    """The tar inside is complete; only the stream's end is gone. The reader must notice."""
    key = backups.load_key(KEY)
    with open(made.encrypted, "rb") as raw:
        tar = DecryptingReader(raw, key).read()
    assert len(tar) % 5120 == 0  # tar pads to 10240-byte records
    resealed = seal(tar, chunk_size=5120)  # so the final chunk is empty: just its tag
    cut = tmp_path / "cut.tar.enc"
    cut.write_bytes(resealed[:-TAG_SIZE])
    (tmp_path / "staging").mkdir()
    assert open_sealed(resealed) == tar
    with pytest.raises(BackupError, match="ends before its final chunk"):
        backups.read_archive(cut, tmp_path / "staging", key=key)


def test_the_stream_refuses_data_after_the_final_chunk():
    with pytest.raises(BackupError, match="damaged"):
        open_sealed(seal(b"payload") + b"more")


def test_the_stream_refuses_a_chunk_from_another_archive():
    one, other = seal(random.randbytes(5000)), seal(random.randbytes(5000))
    with pytest.raises(BackupError, match="chunk 0"):
        open_sealed(one[:HEADER_SIZE] + other[HEADER_SIZE:])


def test_the_database_password_goes_through_the_environment(monkeypatch):
    database = SimpleNamespace(
        vendor="postgresql",
        settings_dict={
            "NAME": "limber",
            "USER": "limber",
            "PASSWORD": "pw-never-on-the-command-line",
            "HOST": "db.internal",
            "PORT": 5432,
            "OPTIONS": {"sslmode": "require"},
        },
    )
    monkeypatch.setattr(backups, "_database", lambda: database)
    argv, env = backups.pg_command("pg_dump", "--format=custom")
    assert "pw-never-on-the-command-line" not in " ".join(argv)
    assert env["PGPASSWORD"] == "pw-never-on-the-command-line"
    assert env["PGHOST"] == "db.internal" and env["PGSSLMODE"] == "require"
    assert "--no-password" in argv


# --- A full disk ----------------------------------------------------------------------
# Disks are filled by stand-ins at the one write that fails: a real full disk needs a
# filesystem of its own, which a test cannot mount.


def no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def sqlite_disk_full() -> sqlite3.Error:
    """The error SQLite itself raises when its file cannot grow."""
    with closing(sqlite3.connect(":memory:")) as db:
        db.execute("CREATE TABLE t (x)")
        db.execute("PRAGMA max_page_count = 2")
        try:
            db.execute("INSERT INTO t VALUES (randomblob(100000))")
        except sqlite3.OperationalError as error:
            return error
    raise AssertionError("SQLite found room")


@pytest.fixture
def backing_up(tmp_path, monkeypatch, settings):
    """An in-process backup of a small stand-in database into an empty folder."""
    settings.MEDIA_ROOT = tmp_path / "media"

    def small_dump(folder: Path):
        target = folder / "database.sqlite3"
        target.write_bytes(b"SQLite format 3\x00" + b"\x00" * 4096)
        return target, {}

    monkeypatch.setattr(backups, "dump_database", small_dump)
    monkeypatch.setenv("BACKUP_KEY", KEY)
    out = tmp_path / "backups"
    out.mkdir()
    return out


def test_a_backup_that_runs_out_of_disk_writing_the_archive_says_so_and_leaves_nothing(
    backing_up, monkeypatch
):
    monkeypatch.setattr(os, "fsync", no_space)  # the archive's last write
    with pytest.raises(CommandError) as raised:
        call_command("backup", "--output", str(backing_up))
    assert str(raised.value) == "Backup failed, no archive was written: the disk is full."
    assert list(backing_up.iterdir()) == []


def test_a_backup_that_runs_out_of_disk_copying_sqlite_says_so_and_leaves_nothing(
    backing_up, monkeypatch
):
    full = sqlite_disk_full()

    def dump(folder: Path):
        (folder / "database.sqlite3").write_bytes(b"half a copy")
        raise full

    monkeypatch.setattr(backups, "dump_database", dump)
    with pytest.raises(CommandError) as raised:
        call_command("backup", "--output", str(backing_up))
    assert str(raised.value) == "Backup failed, no archive was written: the disk is full."
    assert list(backing_up.iterdir()) == []


def test_a_backup_names_any_other_os_error(backing_up, monkeypatch):
    def broken(*args):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "fsync", broken)
    with pytest.raises(CommandError) as raised:
        call_command("backup", "--output", str(backing_up))
    assert str(raised.value) == "Backup failed, no archive was written: Input/output error."
    assert list(backing_up.iterdir()) == []


def test_a_backup_does_not_hide_a_programming_error(backing_up, monkeypatch):
    def bug(folder: Path):
        raise TypeError("a bug")

    monkeypatch.setattr(backups, "dump_database", bug)
    with pytest.raises(TypeError):
        call_command("backup", "--output", str(backing_up))
    assert list(backing_up.iterdir()) == []


@pytest.fixture
def a_failing_check():
    """A project whose system checks fail (a setting typed wrong, an app half-upgraded):
    the moment an operator most needs a copy of the data, or to put one back."""

    def broken(**kwargs):
        return [checks.Error("a setting is wrong", id="drill.E001")]

    checks.register(broken)
    yield
    checks.registry.registry.registered_checks.discard(broken)


def test_backup_and_restore_run_though_a_system_check_fails(a_failing_check, backing_up, capsys):
    def manage(name: str, *argv: str) -> None:
        """As manage.py runs a command (its checks first, if it asks for them), without
        setting Django up again: that would give the log handlers this test's stderr."""
        command = load_command_class(get_commands()[name], name)
        command.run_from_argv(["manage.py", name, *argv])

    with pytest.raises(SystemExit):
        manage("check")
    assert "drill.E001" in capsys.readouterr().err
    manage("backup", "--output", str(backing_up))
    assert [p.suffixes for p in backing_up.iterdir()] == [[".tar", ".enc"]]
    with pytest.raises(SystemExit):
        manage("restore", str(backing_up / "missing.tar.enc"))
    # The restore's own first check answers, not the project's checks.
    assert "No archive at" in capsys.readouterr().err


# Runs `manage.py restore ARCHIVE --yes` with one copy failing for want of space: the
# media's ("media") or the database file's ("database").
RESTORE_ON_A_FULL_DISK = """
import errno, shutil, sys
from pathlib import Path
from django.core.management import execute_from_command_line

archive, failing = sys.argv[1], sys.argv[2]
real_copyfile = shutil.copyfile

def copyfile(src, dst, **kwargs):
    media = "media" in Path(src).parts
    if (failing == "media") == media and (media or Path(dst).name.endswith(".restoring")):
        with open(dst, "wb") as half:
            half.write(b"half a file")
        raise OSError(errno.ENOSPC, "No space left on device")
    return real_copyfile(src, dst, **kwargs)

shutil.copyfile = copyfile
execute_from_command_line(["manage.py", "restore", archive, "--yes"])
"""


def leftovers(site: Site) -> list[str]:
    """Staging files and folders a restore left beside or in MEDIA_ROOT or the database."""
    return sorted(
        str(path.relative_to(site.media.parent))
        for path in site.media.parent.rglob("*")
        if "restoring" in path.name or "replaced" in path.name
    )


def test_a_restore_that_runs_out_of_disk_copying_media_changes_nothing(made, occupied):
    process = occupied.script(RESTORE_ON_A_FULL_DISK, str(made.encrypted), "media")
    out, err = process.communicate(timeout=300)
    assert process.returncode == 1, out + err
    assert "Restore stopped: the disk is full. Nothing was changed." in err
    assert "Traceback" not in err
    assert state(occupied) == occupied.before
    assert leftovers(occupied) == []


def test_a_restore_that_runs_out_of_disk_copying_the_database_changes_nothing(made, occupied):
    process = occupied.script(RESTORE_ON_A_FULL_DISK, str(made.encrypted), "database")
    out, err = process.communicate(timeout=300)
    assert process.returncode == 1, out + err
    assert (
        "Restore stopped while replacing the database: the disk is full. Nothing was changed."
        in err
    )
    assert "Traceback" not in err
    assert state(occupied) == occupied.before  # the media were staged, never swapped in
    assert leftovers(occupied) == []


# Runs `manage.py restore ARCHIVE --yes` with the migrate that follows the restore failing
# for want of space.
RESTORE_THEN_MIGRATE_ON_A_FULL_DISK = """
import errno, sys
from django.core.management import execute_from_command_line
from clinic.management.commands import restore

def call_command(name, *args, **kwargs):
    assert name == "migrate", name
    raise OSError(errno.ENOSPC, "No space left on device")

restore.call_command = call_command
execute_from_command_line(["manage.py", "restore", sys.argv[1], "--yes"])
"""


def test_a_migrate_that_fails_after_a_restore_says_what_is_done_and_what_to_run(made, occupied):
    process = occupied.script(RESTORE_THEN_MIGRATE_ON_A_FULL_DISK, str(made.encrypted))
    out, err = process.communicate(timeout=300)
    assert process.returncode == 1, out + err
    assert (
        "The backup was restored, but bringing it up to this version stopped: the disk is "
        "full. Fix that, then run `manage.py migrate` before starting Limber." in err
    )
    assert "Traceback" not in err
    assert state(occupied) == state(made.site)  # the backup is in place
    assert leftovers(occupied) == []


# A process that commits to a SQLite file in WAL mode and is then killed: its last commits
# are only in the file's WAL.
COMMIT_AND_DIE = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA journal_mode=WAL")
db.execute("CREATE TABLE last_commit (note text)")
db.execute("INSERT INTO last_commit VALUES ('kept')")
print("committed", flush=True)
time.sleep(120)
"""


def test_a_sqlite_restore_stopped_before_its_rename_keeps_the_old_files_last_commits(
    tmp_path, monkeypatch
):
    old = tmp_path / "limber.sqlite3"
    writer = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", COMMIT_AND_DIE, str(old)], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout.readline().strip() == "committed"
    writer.kill()
    writer.wait()
    assert (tmp_path / "limber.sqlite3-wal").stat().st_size > 0
    dump = tmp_path / "dump.sqlite3"
    dump.write_bytes(b"the backup's database")
    # The SQLite path of restore_database, whatever database the suite runs on.
    monkeypatch.setattr(backups, "_database", lambda: SimpleNamespace(vendor="sqlite"))
    monkeypatch.setattr(backups, "_sqlite_path", lambda: old)
    real_replace = os.replace

    def rename_fails(source, target):
        if Path(target) == old:
            raise OSError(errno.EIO, "Input/output error")
        real_replace(source, target)

    monkeypatch.setattr(backups.os, "replace", rename_fails)
    with pytest.raises(OSError):
        backups.restore_database(dump, drop_existing=True)
    with closing(sqlite3.connect(old)) as db:
        assert db.execute("SELECT note FROM last_commit").fetchall() == [("kept",)]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["dump.sqlite3", old.name]


def test_a_restore_without_room_to_unpack_says_so_rather_than_blaming_the_archive(
    made, tmp_path, monkeypatch
):
    def open_on_a_full_disk(path, mode="r", *args, **kwargs):
        if mode == "xb":  # a member unpacked into the staging folder
            no_space()
        return open(path, mode, *args, **kwargs)

    monkeypatch.setattr(backups, "open", open_on_a_full_disk, raising=False)
    (tmp_path / "staging").mkdir()
    with pytest.raises(BackupError) as raised:
        backups.read_archive(made.encrypted, tmp_path / "staging", key=backups.load_key(KEY))
    assert "no room to unpack" in str(raised.value) and "the disk is full" in str(raised.value)
    assert "damaged" not in str(raised.value)


def test_a_restore_swaps_the_media_inside_media_root_and_keeps_the_folder(made, occupied):
    occupied.media.chmod(0o751)
    before = occupied.media.stat()
    occupied.ok("restore", str(made.encrypted), "--yes")
    after = occupied.media.stat()
    assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)
    assert tree(occupied.media) == tree(made.site.media)
    assert leftovers(occupied) == []


@pytest.fixture
def media_to_swap(tmp_path, settings):
    """MEDIA_ROOT with old files, and the unpacked media of an archive."""
    root = tmp_path / "site" / "media"
    (root / "clinic-logos").mkdir(parents=True)
    (root / "clinic-logos" / "old.png").write_bytes(b"old logo")
    (root / "stray.txt").write_bytes(b"old stray")
    settings.MEDIA_ROOT = root
    unpacked = tmp_path / "unpacked" / "media"
    (unpacked / "exercise-photos").mkdir(parents=True)
    (unpacked / "exercise-photos" / "1.jpg").write_bytes(b"new photo")
    (unpacked / "clinic-logos").mkdir()
    (unpacked / "clinic-logos" / "new.png").write_bytes(b"new logo")
    return SimpleNamespace(root=root, unpacked=unpacked, old=tree(root), new=tree(unpacked))


def test_media_are_staged_beside_media_root_and_swapped_in(media_to_swap):
    staged = backups.media_stage(media_to_swap.unpacked)
    assert staged.parent == media_to_swap.root.parent
    assert tree(media_to_swap.root) == media_to_swap.old
    backups.media_swap(staged)
    assert tree(media_to_swap.root) == media_to_swap.new
    assert sorted(p.name for p in media_to_swap.root.parent.iterdir()) == ["media"]


def test_when_media_root_is_a_mount_point_the_media_are_staged_and_swapped_inside_it(
    media_to_swap, monkeypatch
):
    root = media_to_swap.root
    real_ismount = os.path.ismount
    monkeypatch.setattr(os.path, "ismount", lambda p: Path(p) == root or real_ismount(p))
    staged = backups.media_stage(media_to_swap.unpacked)
    assert staged.parent == root  # its parent is another filesystem: no renames across
    backups.media_swap(staged)
    assert tree(root) == media_to_swap.new
    assert sorted(p.name for p in root.parent.iterdir()) == ["media"]


def test_a_media_swap_that_fails_puts_the_old_media_back_and_keeps_the_new(
    media_to_swap, monkeypatch
):
    staged = backups.media_stage(media_to_swap.unpacked)
    real_rename = os.rename

    def rename(src, dst):
        if Path(src).name == "exercise-photos":
            raise OSError(errno.EIO, "Input/output error")
        real_rename(src, dst)

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(BackupError, match=f"the restored ones are in {staged}"):
        backups.media_swap(staged)
    assert tree(media_to_swap.root) == media_to_swap.old
    assert tree(staged) == media_to_swap.new


def test_a_postgresql_restore_that_runs_out_of_disk_copying_media_changes_nothing(
    tmp_path, postgres
):
    site = Site(postgres("limber_backup_full", migrate=True), tmp_path / "media")
    (site.media / "clinic-logos").mkdir(parents=True)
    (site.media / "clinic-logos" / "logo.png").write_bytes(b"backed-up logo")
    site.ok("backup", "--output", str(tmp_path / "pg.tar.enc"))
    (site.media / "kept.pdf").write_bytes(b"%PDF made after the backup")
    with closing(psycopg.connect(site.database_url, autocommit=True)) as db:
        db.execute("CREATE TABLE kept (note text)")
    media_before = tree(site.media)

    process = site.script(RESTORE_ON_A_FULL_DISK, str(tmp_path / "pg.tar.enc"), "media")
    out, err = process.communicate(timeout=300)
    assert process.returncode == 1, out + err
    assert "Restore stopped: the disk is full. Nothing was changed." in err
    with closing(psycopg.connect(site.database_url, autocommit=True)) as db:
        assert db.execute("SELECT to_regclass('kept')").fetchone() == ("kept",)
    assert tree(site.media) == media_before
    assert leftovers(site) == []


# --- A PostgreSQL load that fails ------------------------------------------------------

LOAD_A_DUMP = """
import sys
from pathlib import Path
from clinic import backups

action, folder = sys.argv[1], Path(sys.argv[2])
if action == "dump":
    backups.dump_database(folder)
else:
    try:
        dump = folder / backups.DATABASE_FILES["postgresql"]
        backups.restore_database(dump, drop_existing=True)
    except backups.BackupError as error:
        sys.exit(str(error))
"""


def test_a_postgresql_load_that_fails_midway_leaves_the_database_as_it_was(tmp_path, postgres):
    """The old tables are dropped and the dump loaded in one transaction: a dump that
    breaks off (or a server that runs out of disk) mid-load leaves the old database, not
    an empty one."""
    site = Site(postgres("limber_backup_load", migrate=True), tmp_path / "media")
    dumped = site.script(LOAD_A_DUMP, "dump", str(tmp_path))
    assert dumped.wait(timeout=300) == 0, dumped.communicate()
    dump = tmp_path / backups.DATABASE_FILES["postgresql"]
    data = dump.read_bytes()
    dump.write_bytes(data[: len(data) * 2 // 3])  # breaks off after some tables loaded
    with closing(psycopg.connect(site.database_url, autocommit=True)) as db:
        db.execute("CREATE TABLE kept (note text)")
        db.execute("INSERT INTO kept VALUES ('made after the backup')")

    loading = site.script(LOAD_A_DUMP, "load", str(tmp_path))
    out, err = loading.communicate(timeout=300)
    assert loading.returncode != 0, out + err
    assert "pg_restore failed" in err
    with closing(psycopg.connect(site.database_url, autocommit=True)) as db:
        assert db.execute("SELECT note FROM kept").fetchall() == [("made after the backup",)]
        assert db.execute("SELECT to_regclass('clinic_clinic')").fetchone() == ("clinic_clinic",)
