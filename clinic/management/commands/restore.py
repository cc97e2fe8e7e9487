"""`manage.py restore ARCHIVE [--yes]`: put a backup made by `manage.py backup` back into
the configured database and MEDIA_ROOT, then migrate it up to this code.

Everything is checked before anything is changed: the key, the whole encrypted stream,
every checksum, the database vendor, and that the backup is not from a newer Limber.
Then the new media are copied beside MEDIA_ROOT, the database is replaced, and the media
are swapped in: a disk that fills up stops the restore before the database is touched."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from clinic import backups
from clinic.backups import ENVIRONMENT_ERRORS, BackupError


class Command(BaseCommand):
    help = "Restore a backup archive into the configured database and MEDIA_ROOT."
    # No system checks first, as Django's dumpdata and loaddata: a site whose checks fail
    # (a setting typed wrong, an upgrade half done) is when a copy is needed most, and
    # they cost half a second of every run.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("archive", help="the archive written by `manage.py backup`")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="replace a database that already has tables, and MEDIA_ROOT's contents, "
            "without asking",
        )

    def handle(self, *args, **options) -> None:
        archive = Path(options["archive"])
        if not archive.is_file():
            raise CommandError(f"No archive at {archive}.")
        started = time.monotonic()
        try:
            self._restore(archive, replace_without_asking=options["yes"])
        except BackupError as error:
            raise CommandError(f"Restore refused: {error}") from None
        restored = time.monotonic() - started
        self.stdout.write("Bringing the database up to this version's migrations:")
        try:
            call_command(
                "migrate", interactive=False, verbosity=options["verbosity"], stdout=self.stdout
            )
        except ENVIRONMENT_ERRORS as error:
            # Each migration is its own transaction: the backup's data is in place, and
            # the migrations that ran stay; the rest run again once the cause is gone.
            raise CommandError(
                f"The backup was restored, but bringing it up to this version stopped: "
                f"{backups.failure_reason(error)}. Fix that, then run `manage.py migrate` "
                "before starting Limber."
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored in {restored:.1f} s. Start Limber again, then check a sign-in."
            )
        )

    def _restore(self, archive: Path, *, replace_without_asking: bool) -> None:
        key = None
        if backups.is_encrypted(archive):
            value = os.environ.get("BACKUP_KEY", "").strip()
            if not value:
                raise BackupError(
                    "the archive is encrypted: set BACKUP_KEY to the key it was made with."
                )
            key = backups.load_key(value)
        else:
            self.stderr.write(self.style.WARNING("This archive is not encrypted."))

        with backups.private_folder() as staging:
            manifest = backups.read_archive(archive, staging, key=key)
            vendor = backups.vendor()
            if manifest["database"]["vendor"] != vendor:
                raise BackupError(
                    f"the archive holds a {manifest['database']['vendor']} database; "
                    f"this Limber is configured for {vendor}."
                )
            newer = backups.migrations_unknown_here(manifest["migrations"])
            if newer:
                raise BackupError(
                    "the backup comes from a newer Limber: its database has migrations this "
                    f"code does not know ({', '.join(newer[:5])}). Upgrade Limber first."
                )
            self.stdout.write(
                f"Archive checked: made {manifest['created_at']} by Limber "
                f"{manifest['limber_version']}, {manifest['counts']['media_files']} media files."
            )
            if vendor == "sqlite":
                self.stdout.write(
                    "SQLite: Limber must be stopped (web server, task worker, scheduler) "
                    "while its database file is replaced."
                )
            tables = backups.table_names()
            media = backups.media_files(backups.media_root())
            if (tables or media) and not replace_without_asking:
                self._confirm(len(tables), len(media))
            self._replace(staging, manifest, drop_existing=bool(tables))

    def _replace(self, staging: Path, manifest: dict, *, drop_existing: bool) -> None:
        """The database and the media, in the one order a full disk cannot leave half done:
        the media copied whole beside MEDIA_ROOT first, the database replaced next, and
        the media swapped in last, by renames."""
        try:
            staged_media = backups.media_stage(staging / "media")
        except ENVIRONMENT_ERRORS as error:
            raise CommandError(
                f"Restore stopped: {backups.failure_reason(error)}. Nothing was changed."
            ) from None
        try:
            try:
                backups.restore_database(
                    staging / manifest["database"]["file"], drop_existing=drop_existing
                )
            except BaseException:
                backups.media_discard(staged_media)  # not swapped: the old media stay
                raise
        except (BackupError, *ENVIRONMENT_ERRORS) as error:
            # SQLite's file is swapped by one rename at the end, and PostgreSQL's old
            # tables are dropped in the load's own transaction: either way, nothing.
            raise CommandError(
                f"Restore stopped while replacing the database: "
                f"{backups.failure_reason(error)}. Nothing was changed."
            ) from None
        try:
            backups.media_swap(staged_media)
        except BackupError as error:
            raise CommandError(f"Restore incomplete: {error}") from None

    def _confirm(self, tables: int, media: int) -> None:
        self.stdout.write(
            f"The configured database has {tables} tables and MEDIA_ROOT "
            f"({backups.media_root()}) has {media} files. Restoring deletes them and puts "
            "the backup in their place."
        )
        try:
            answer = input('Type "yes" to replace them: ')
        except EOFError:
            answer = ""
        if answer.strip().lower() != "yes":
            raise CommandError("Restore cancelled; nothing was changed.")
