"""Backup archives: one file with a consistent copy of the database and of MEDIA_ROOT.

Used by `manage.py backup` and `manage.py restore`; nothing else writes or reads them.

What is inside (an uncompressed tar):

    database.dump      PostgreSQL: `pg_dump --format=custom` (compressed by pg_dump), or
    database.sqlite3   SQLite: a copy made with SQLite's online backup API
    media/<path>       every regular file under MEDIA_ROOT (logos, photos, handout PDFs)
    manifest.json      written last: format, Limber version, applied migrations, database
                       vendor, creation time, counts, and the size and sha256 of every
                       other member

Consistency: pg_dump reads one snapshot (a repeatable-read transaction); SQLite's
backup API copies every page in a single step under a read lock, so writers wait (up to
their 20 s busy timeout) and the copy is one committed state. The database is copied
before the media, so every file the copy refers to existed when the media were read,
except one deleted in between (a logo replaced during the backup).

Encryption (the default) wraps the whole tar in a stream of AES-256-GCM chunks, so an
archive of any size is written and read with one chunk in memory:

    header   = b"LIMBERBK" | version 0x01 | chunk size (4 bytes, big-endian) | salt (16)
               | key check (32)
    keys     = HKDF-SHA256(BACKUP_KEY's 32 bytes, salt, info "limber-backup v1"), 64
               bytes: the first 32 are the AES key, the last 32 the key-check key
    check    = HMAC-SHA256(key-check key, the header before it): a wrong key or an
               altered header is refused before anything is decrypted
    chunk i  = AES-256-GCM(nonce = i as 11 bytes big-endian | final flag 0x00 or 0x01,
                           associated data = the header), ciphertext and 16-byte tag

Every chunk holds exactly `chunk size` bytes of the tar except the last, which holds
fewer (possibly none) and is sealed with the final flag. Chunks cannot be changed,
reordered (the index is in the nonce), moved to another archive (a fresh salt makes a
fresh key), cut off (the reader needs the final chunk) or followed by more data. A fresh
salt per archive means a nonce is never used twice under one key.

BACKUP_KEY is 32 random bytes in url-safe base64, the format of a Fernet key. It is
never written to the archive, and neither are SECRET_KEY and MFA_ENCRYPTION_KEY (they
live in the environment, not in the database or MEDIA_ROOT).

Restoring reads the archive into a private staging folder (under TMPDIR), checks the
stream and every checksum, and only then touches the database and MEDIA_ROOT, in an order
that a full disk cannot break halfway: the new media are first copied whole onto
MEDIA_ROOT's own filesystem (`media_stage`), then the database is replaced, and only then
are the media swapped in by renames, which need no space (`media_swap`).
"""

from __future__ import annotations

import base64
import binascii
import errno
import hashlib
import hmac
import io
import json
import os
import secrets
import shutil
import sqlite3
import struct
import subprocess
import tarfile
import tempfile
import tomllib
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import DatabaseError, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

FORMAT = 1
MAGIC = b"LIMBERBK"
VERSION = 1
CHUNK_SIZE = 1 << 20
TAG_SIZE = 16
_HEADER = struct.Struct(">8sBI16s")  # magic, version, chunk size, salt
HEADER_SIZE = _HEADER.size + 32  # plus the key check
MANIFEST = "manifest.json"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why, for the person running it."""


# What a backup or restore can run into on a healthy machine: a full disk, a missing
# permission, a database that refuses a write. Anything else is a bug and keeps its traceback.
ENVIRONMENT_ERRORS = (OSError, sqlite3.Error, DatabaseError)

_PG_DISK_FULL = "53100"  # SQLSTATE disk_full


def failure_reason(error: BaseException) -> str:
    """What went wrong, in words for the person running the command (a nightly job's
    journal should say "the disk is full", not end in a stack)."""
    if isinstance(error, OSError):
        if error.errno == errno.ENOSPC:
            return "the disk is full"
        if error.errno == errno.EDQUOT:
            return "the disk quota is used up"
        text = error.strerror or str(error)
        return f"{text} ({error.filename})" if error.filename else text
    # Django wraps the driver's error; the driver's says whether the disk is full.
    for cause in (error, error.__cause__):
        if getattr(cause, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
            return "the disk is full"
        if getattr(cause, "sqlstate", None) == _PG_DISK_FULL:
            return "the database server's disk is full"
    return str(error).strip() or type(error).__name__


# --- Keys and the encrypted stream ----------------------------------------------------


def generate_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def load_key(value: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(value.strip().encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        key = b""
    if len(key) != 32:
        raise BackupError(
            "BACKUP_KEY must be 32 random bytes in url-safe base64 (a Fernet key). "
            "The README shows how to make one."
        )
    return key


def _derive(key: bytes, salt: bytes) -> tuple[AESGCM, bytes]:
    material = HKDF(algorithm=hashes.SHA256(), length=64, salt=salt, info=b"limber-backup v1")
    derived = material.derive(key)
    return AESGCM(derived[:32]), derived[32:]


def _nonce(index: int, final: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if final else b"\x00")


class EncryptingWriter:
    """A write-only file object: what is written comes out as sealed chunks in `raw`.
    close() seals the final chunk; without it the archive is (detectably) incomplete."""

    def __init__(self, raw, key: bytes, chunk_size: int = CHUNK_SIZE) -> None:
        salt = secrets.token_bytes(16)
        self._raw = raw
        self._chunk_size = chunk_size
        self._aead, check_key = _derive(key, salt)
        prefix = _HEADER.pack(MAGIC, VERSION, chunk_size, salt)
        self._header = prefix + hmac.digest(check_key, prefix, "sha256")
        raw.write(self._header)
        self._buffer = bytearray()
        self._index = 0

    def write(self, data) -> int:
        self._buffer += data
        # Keep at least one byte back: the final chunk must be shorter than a full one.
        while len(self._buffer) > self._chunk_size:
            self._seal(bytes(self._buffer[: self._chunk_size]), final=False)
            del self._buffer[: self._chunk_size]
        return len(data)

    def close(self) -> None:
        if len(self._buffer) == self._chunk_size:
            self._seal(bytes(self._buffer), final=False)
            self._buffer.clear()
        self._seal(bytes(self._buffer), final=True)
        self._buffer.clear()

    def _seal(self, plaintext: bytes, *, final: bool) -> None:
        nonce = _nonce(self._index, final)
        self._raw.write(self._aead.encrypt(nonce, plaintext, self._header))
        self._index += 1


class DecryptingReader(io.RawIOBase):
    """A read-only file object over an encrypted archive; raises BackupError as soon as
    a chunk fails to authenticate, and at the end unless the final chunk was read."""

    def __init__(self, raw, key: bytes) -> None:
        self._raw = raw
        header = raw.read(HEADER_SIZE)
        if len(header) < HEADER_SIZE:
            raise BackupError("The archive is truncated: its header is incomplete.")
        magic, version, chunk_size, salt = _HEADER.unpack(header[: _HEADER.size])
        if magic != MAGIC or version != VERSION:
            raise BackupError("This is not an encrypted Limber backup (unknown header).")
        self._aead, check_key = _derive(key, salt)
        expected = hmac.digest(check_key, header[: _HEADER.size], "sha256")
        if not hmac.compare_digest(expected, header[_HEADER.size :]):
            raise BackupError(
                "BACKUP_KEY does not open this archive: it was made with another key "
                "(or its header is damaged)."
            )
        if not 4096 <= chunk_size <= 64 << 20:
            raise BackupError("The archive's header names an impossible chunk size.")
        self._header = header
        self._chunk_size = chunk_size
        self._index = 0
        self._final_seen = False
        self._plain = b""
        self._offset = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while self._offset >= len(self._plain):
            if self._final_seen:
                return 0
            self._next_chunk()
            self._offset = 0
        n = min(len(buffer), len(self._plain) - self._offset)
        buffer[:n] = self._plain[self._offset : self._offset + n]
        self._offset += n
        return n

    def _next_chunk(self) -> None:
        sealed = self._raw.read(self._chunk_size + TAG_SIZE)
        if not sealed:
            raise BackupError(
                "The archive is truncated: it ends before its final chunk. Nothing was changed."
            )
        final = len(sealed) < self._chunk_size + TAG_SIZE
        try:
            self._plain = self._aead.decrypt(_nonce(self._index, final), sealed, self._header)
        except InvalidTag:
            raise BackupError(
                f"The archive is damaged or truncated: chunk {self._index} (around byte "
                f"{HEADER_SIZE + self._index * (self._chunk_size + TAG_SIZE)}) fails its "
                "integrity check. Nothing was changed."
            ) from None
        self._index += 1
        if final:
            self._final_seen = True
            if self._raw.read(1):
                raise BackupError(
                    "The archive has data after its final chunk. Nothing was changed."
                )

    def read_to_end(self) -> None:
        """Read (and authenticate) whatever the tar reader left, up to the final chunk."""
        while self.readinto(bytearray(1 << 16)):
            pass


def is_encrypted(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(len(MAGIC)) == MAGIC


# --- The database ---------------------------------------------------------------------


def _database():
    connection = connections["default"]
    if connection.vendor not in DATABASE_FILES:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {connection.vendor}.")
    return connection


def vendor() -> str:
    return _database().vendor


def pg_command(program: str, *args: str) -> tuple[list[str], dict[str, str]]:
    """argv and environment for a PostgreSQL client tool on the configured database.
    The password travels in the environment, never on the command line (which other
    users of the machine can read in the process list)."""
    config = _database().settings_dict
    env = dict(os.environ)
    for var, value in {
        "PGHOST": config.get("HOST"),
        "PGPORT": config.get("PORT"),
        "PGUSER": config.get("USER"),
        "PGPASSWORD": config.get("PASSWORD"),
        "PGDATABASE": config.get("NAME"),
        "PGSSLMODE": config.get("OPTIONS", {}).get("sslmode"),
        "PGSSLROOTCERT": config.get("OPTIONS", {}).get("sslrootcert"),
        "PGSSLCERT": config.get("OPTIONS", {}).get("sslcert"),
        "PGSSLKEY": config.get("OPTIONS", {}).get("sslkey"),
    }.items():
        if value:
            env[var] = str(value)
    return [program, "--no-password", *args], env


def _run_pg(program: str, *args: str) -> None:
    argv, env = pg_command(program, *args)
    try:
        done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    except FileNotFoundError:
        raise BackupError(
            f"{program} is not installed. Install the PostgreSQL client tools of the "
            "server's major version (Debian: apt-get install postgresql-client)."
        ) from None
    if done.returncode != 0:
        raise BackupError(f"{program} failed: {done.stderr.strip() or done.stdout.strip()}")


def _pg_load_in_one_transaction(dump: Path, drops: str) -> None:
    """Drop the old tables and load the dump in one transaction, so that a load that fails
    (a dump that breaks off, a server whose disk fills) leaves the database as it was, not
    empty. pg_restore writes the dump as SQL; psql runs our DROPs and that SQL inside
    --single-transaction, and is killed (its transaction rolled back) if pg_restore fails
    before the end: at the end of its input psql would commit what it had. Their messages
    go to files, not pipes, so that neither can stall the other on a full pipe."""
    restore_argv, env = pg_command(
        "pg_restore", "--no-owner", "--no-privileges", "--clean", "--if-exists", "--file=-"
    )
    psql_argv, _env = pg_command(
        "psql", "--single-transaction", "--quiet", "--no-psqlrc", "--set=ON_ERROR_STOP=1"
    )
    with tempfile.TemporaryFile() as restore_log, tempfile.TemporaryFile() as psql_log:
        try:
            psql = subprocess.Popen(  # noqa: S603 - our argv, no shell
                psql_argv, env=env, stdin=subprocess.PIPE, stdout=psql_log, stderr=psql_log
            )
            restore = subprocess.Popen(  # noqa: S603
                [*restore_argv, str(dump)], env=env, stdout=subprocess.PIPE, stderr=restore_log
            )
        except FileNotFoundError as missing:
            raise BackupError(
                f"{missing.filename} is not installed. Install the PostgreSQL client tools of "
                "the server's major version (Debian: apt-get install postgresql-client)."
            ) from None
        assert psql.stdin is not None and restore.stdout is not None
        # "drop cascades to …" notices, one per constraint, would only bury an error.
        drops = "SET client_min_messages = warning;\n" + drops
        with suppress(BrokenPipeError):  # psql stopped at an error: its log says which
            psql.stdin.write(drops.encode())
            shutil.copyfileobj(restore.stdout, psql.stdin)
        if restore.wait() != 0:
            psql.kill()
            psql.wait()
            raise BackupError(
                f"pg_restore failed: {_tail(restore_log)}. The database was not changed."
            )
        with suppress(BrokenPipeError):
            psql.stdin.close()
        if psql.wait() != 0:
            raise BackupError(f"psql failed: {_tail(psql_log)}. The database was not changed.")


def _tail(log, limit: int = 2000) -> str:
    log.seek(0)
    return log.read().decode(errors="replace").strip()[-limit:]


def _sqlite_path() -> Path:
    name = str(_database().settings_dict["NAME"])
    if name == ":memory:" or name.startswith("file:"):
        raise BackupError("The SQLite database must be a file to be backed up or restored.")
    return Path(name).resolve()


def dump_database(folder: Path) -> tuple[Path, dict[str, list[str]]]:
    """A consistent copy of the configured database in `folder`, and the migrations
    applied in it."""
    connection = _database()
    target = folder / DATABASE_FILES[connection.vendor]
    if connection.vendor == "postgresql":
        applied = MigrationRecorder(connection).applied_migrations()
        _run_pg("pg_dump", "--format=custom", f"--file={target}")
        return target, _by_app(applied)
    source_path = _sqlite_path()
    if not source_path.exists():
        raise BackupError(f"There is no SQLite database at {source_path}.")
    # mode=rw: never create an empty database where the real one should be.
    source = sqlite3.connect(f"{source_path.as_uri()}?mode=rw", uri=True, timeout=20)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # pages=-1: all pages in one step, one committed state
        try:
            applied = copy.execute("SELECT app, name FROM django_migrations").fetchall()
        except sqlite3.OperationalError:
            applied = []  # never migrated
    finally:
        copy.close()
        source.close()
    return target, _by_app(applied)


def _by_app(applied) -> dict[str, list[str]]:
    by_app: dict[str, list[str]] = {}
    for app, name in sorted(applied):
        by_app.setdefault(app, []).append(name)
    return by_app


def migrations_unknown_here(applied: dict[str, list[str]]) -> list[str]:
    """Migrations the archive's database had that this code does not know: the backup is
    from a newer Limber. Apps not installed here are left out."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return [
        f"{app}.{name}"
        for app, names in sorted(applied.items())
        if app in loader.migrated_apps
        for name in names
        if (app, name) not in loader.disk_migrations
    ]


def table_names() -> list[str]:
    connection = _database()
    with connection.cursor() as cursor:
        return connection.introspection.table_names(cursor)


def restore_database(dump: Path, *, drop_existing: bool) -> None:
    connection = _database()
    if connection.vendor == "postgresql":
        drops = []
        if drop_existing:
            # Tables a newer migration added are not in the dump, so --clean would leave
            # them behind and the migrate that follows would trip over them.
            with connection.cursor() as cursor:
                drops = [
                    f"DROP TABLE IF EXISTS {connection.ops.quote_name(table)} CASCADE;\n"
                    for table in connection.introspection.table_names(cursor)
                ]
        connections.close_all()
        _pg_load_in_one_transaction(dump, "".join(drops))
        return
    target = _sqlite_path()
    connections.close_all()
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(f".{target.name}.restoring")
    try:
        shutil.copyfile(dump, staged)
        # On disk before the rename: a power cut after it must not leave a file whose
        # name is new and whose pages never reached the disk.
        _fsync(staged)
    except BaseException:
        # A half-written copy is of no use to anyone and may be most of a full disk.
        staged.unlink(missing_ok=True)
        raise
    if target.exists():
        # The old file's last commits may still be in its WAL: fold them in first, so that
        # removing the WAL below loses nothing if the restore stops before the rename. A
        # file SQLite cannot read (often why one restores) has nothing to fold in.
        with suppress(sqlite3.Error):
            old = sqlite3.connect(target)
            try:
                old.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                old.close()
    # A journal or WAL left by the old file would be replayed into the new one.
    for suffix in ("-journal", "-wal", "-shm"):
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    try:
        os.replace(staged, target)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    _fsync(target.parent)


def _fsync(path: Path) -> None:
    """Flush a file's data, or a folder's entries (a rename), to the disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# --- Media ------------------------------------------------------------------------------


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT).resolve()


def media_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(path for path in root.rglob("*") if path.is_file() and not path.is_symlink())


def _media_workspace(root: Path) -> Path:
    """Where the new media are staged and the old ones put aside: a folder on MEDIA_ROOT's
    filesystem, so that swapping them is a rename. Beside MEDIA_ROOT normally, which keeps
    a restore interrupted by a crash out of MEDIA_ROOT (and out of the next backup); inside
    it when it is a mount point (its parent is another filesystem) or when its parent is
    not ours to write to."""
    if os.path.ismount(root) or not os.access(root.parent, os.W_OK):
        return root
    return root.parent


def media_stage(source: Path) -> Path:
    """Copy the media of an unpacked archive, whole, into a new folder on MEDIA_ROOT's
    filesystem, and return it; MEDIA_ROOT itself is not touched. On failure (a full disk)
    the copy made so far is removed and the error raised."""
    root = media_root()
    workspace = _media_workspace(root)
    workspace.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=".media-restoring-", dir=workspace))
    try:
        # Not shutil.copytree: it carries on past a failed file and raises its own error
        # without the errno, where the first full-disk error should stop the copy and
        # say what it was.
        for folder, _, names in os.walk(source):
            into = staged / Path(folder).relative_to(source)
            into.mkdir(exist_ok=True)
            for name in names:
                shutil.copy2(Path(folder) / name, into / name)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    return staged


def media_discard(staged: Path) -> None:
    shutil.rmtree(staged, ignore_errors=True)


def media_swap(staged: Path) -> None:
    """Put the media staged by `media_stage` in MEDIA_ROOT's place, and delete the old.

    The entries inside MEDIA_ROOT are swapped, not the folder itself: the folder keeps its
    owner, mode and ACLs (the web server may read it through its group), and it may be a
    mount point, which cannot be renamed. Every step is a rename on one filesystem, so a
    full disk cannot stop it halfway; the old media are deleted only once all the new
    ones are in place. If a rename fails all the same, the old media are put back and the
    new ones left in `staged`, which the error names."""
    root = media_root()
    root.mkdir(parents=True, exist_ok=True)
    aside = Path(tempfile.mkdtemp(prefix=".media-replaced-", dir=staged.parent))
    ours = {staged, aside}
    old = [entry for entry in root.iterdir() if entry not in ours]
    new = list(staged.iterdir())
    moved_old: list[Path] = []
    moved_new: list[Path] = []
    try:
        for entry in old:
            os.rename(entry, aside / entry.name)
            moved_old.append(entry)
        for entry in new:
            os.rename(entry, root / entry.name)
            moved_new.append(entry)
    except OSError as error:
        for entry in moved_new:
            os.rename(root / entry.name, entry)
        for entry in moved_old:
            os.rename(aside / entry.name, entry)
        aside.rmdir()
        raise BackupError(
            f"the database was restored, but its media could not be put in place "
            f"({failure_reason(error)}). MEDIA_ROOT still holds the old files; the restored "
            f"ones are in {staged}: move them into {root}, or restore again."
        ) from error
    staged.rmdir()
    shutil.rmtree(aside, ignore_errors=True)


# --- Writing and reading archives -------------------------------------------------------


def limber_version() -> str:
    try:
        with open(Path(settings.BASE_DIR) / "pyproject.toml", "rb") as f:
            return tomllib.load(f)["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


class _Hashing:
    def __init__(self, f) -> None:
        self._f = f
        self.sha256 = hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        data = self._f.read(n)
        self.sha256.update(data)
        return data


def _add(tar: tarfile.TarFile, path: Path, name: str) -> dict:
    with open(path, "rb") as f:
        info = tarfile.TarInfo(name)
        stat = os.fstat(f.fileno())
        info.size, info.mtime, info.mode = stat.st_size, int(stat.st_mtime), 0o600
        reader = _Hashing(f)
        tar.addfile(info, reader)
    return {"size": info.size, "sha256": reader.sha256.hexdigest()}


@dataclass(frozen=True)
class Written:
    path: Path
    size: int
    manifest: dict


def write_archive(output: Path, *, key: bytes | None) -> Written:
    """Back up the database and MEDIA_ROOT into `output`, which appears only when complete."""
    output = output.resolve()
    if output.exists():
        raise BackupError(f"{output} already exists; choose another name.")
    if output.is_relative_to(media_root()):
        raise BackupError("Write backups outside MEDIA_ROOT, which they contain.")
    output.parent.mkdir(parents=True, exist_ok=True)
    temporary = output.with_name(f".{output.name}.{secrets.token_hex(4)}.partial")
    try:
        with (
            open(temporary, "xb") as raw,
            private_folder(output.parent, ".limber-backup-") as staging,
        ):
            os.chmod(temporary, 0o600)
            dump, migrations = dump_database(staging)
            sink = EncryptingWriter(raw, key) if key else raw
            files: dict[str, dict] = {}
            with tarfile.open(fileobj=sink, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                files[dump.name] = _add(tar, dump, dump.name)
                dump.unlink()  # free the space before the media are copied
                root = media_root()
                for path in media_files(root):
                    name = "media/" + path.relative_to(root).as_posix()
                    try:
                        files[name] = _add(tar, path, name)
                    except FileNotFoundError:
                        continue  # deleted since the folder was listed
                now = datetime.now(UTC)
                manifest = {
                    "format": FORMAT,
                    "limber_version": limber_version(),
                    "created_at": now.isoformat(timespec="seconds"),
                    "database": {"vendor": vendor(), "file": dump.name},
                    "migrations": migrations,
                    "counts": {
                        "media_files": len(files) - 1,
                        "media_bytes": sum(
                            f["size"] for n, f in files.items() if n.startswith("media/")
                        ),
                    },
                    "files": files,
                }
                data = json.dumps(manifest, indent=2, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime, info.mode = len(data), int(now.timestamp()), 0o600
                tar.addfile(info, io.BytesIO(data))
            if key:
                sink.close()
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(temporary, output)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return Written(output, output.stat().st_size, manifest)


@contextmanager
def private_folder(parent: Path | None = None, prefix: str = "limber-restore-"):
    """A temporary folder only its owner can read, removed afterwards whatever happens."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _member_name(member: tarfile.TarInfo) -> str:
    path = PurePosixPath(member.name)
    top = path.parts[0] if path.parts else ""
    if (
        path.is_absolute()
        or any(part in ("..", ".", "") for part in path.parts)
        or "\\" in member.name
        or not (member.name in (MANIFEST, *DATABASE_FILES.values()) or top == "media")
    ):
        raise BackupError(f"The archive holds an unexpected entry ({member.name!r}); refused.")
    return path.as_posix()


def read_archive(archive: Path, into: Path, *, key: bytes | None) -> dict:
    """Unpack `archive` into the folder `into` and check it whole: the encrypted stream
    to its final chunk, the manifest, and every member's size and sha256. Returns the
    manifest. Raises BackupError, having changed nothing outside `into`."""
    seen: dict[str, dict] = {}
    with open(archive, "rb") as raw:
        encrypted = raw.read(len(MAGIC)) == MAGIC
        raw.seek(0)
        if encrypted and key is None:
            raise BackupError(
                "This archive is encrypted: set BACKUP_KEY to the key it was made with."
            )
        source = DecryptingReader(raw, key) if encrypted else raw
        try:
            with tarfile.open(fileobj=source, mode="r|") as tar:
                for member in tar:
                    if member.isdir():
                        continue
                    name = _member_name(member)
                    if not member.isfile() or name in seen:
                        raise BackupError(f"The archive holds an unexpected entry ({name!r}).")
                    target = into / name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    digest = hashlib.sha256()
                    with tar.extractfile(member) as src, open(target, "xb") as out:
                        while block := src.read(1 << 20):
                            digest.update(block)
                            out.write(block)
                    seen[name] = {"size": member.size, "sha256": digest.hexdigest()}
        except OSError as error:
            if error.errno in (errno.ENOSPC, errno.EDQUOT):
                # Our write into the staging folder failed, not the archive.
                raise BackupError(
                    f"There is no room to unpack the archive in {into.parent} (TMPDIR): "
                    f"{failure_reason(error)}. Nothing was changed."
                ) from None
            raise BackupError(
                f"The archive is damaged or truncated ({error}). Nothing was changed."
            ) from None
        except (tarfile.TarError, EOFError) as error:
            raise BackupError(
                f"The archive is damaged or truncated ({error}). Nothing was changed."
            ) from None
        if encrypted:
            source.read_to_end()
    if MANIFEST not in seen:
        raise BackupError("The archive has no manifest: it is truncated or not a Limber backup.")
    try:
        manifest = json.loads((into / MANIFEST).read_text())
        files = manifest["files"]
        database = manifest["database"]
    except (ValueError, KeyError, TypeError):
        raise BackupError("The archive's manifest is unreadable.") from None
    if not isinstance(files, dict) or not all(isinstance(f, dict) for f in files.values()):
        raise BackupError("The archive's manifest is unreadable.")
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown archive format {manifest.get('format')!r}.")
    seen.pop(MANIFEST)
    missing = sorted(set(files) - set(seen))
    extra = sorted(set(seen) - set(files))
    if missing or extra:
        raise BackupError(
            f"The archive does not match its manifest (missing: {missing[:3]}, "
            f"unlisted: {extra[:3]}). Nothing was changed."
        )
    for name, expected in files.items():
        if seen[name] != {"size": expected.get("size"), "sha256": expected.get("sha256")}:
            raise BackupError(f"{name} in the archive fails its checksum. Nothing was changed.")
    if database.get("file") not in seen or DATABASE_FILES.get(
        database.get("vendor")
    ) != database.get("file"):
        raise BackupError("The archive's manifest names no database copy.")
    return manifest
