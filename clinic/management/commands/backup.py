"""`manage.py backup [--output PATH] [--no-encryption]`: the database and MEDIA_ROOT in
one archive, encrypted with BACKUP_KEY. The format is described in clinic/backups.py."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from clinic.backups import (
    ENVIRONMENT_ERRORS,
    BackupError,
    failure_reason,
    load_key,
    write_archive,
)


class Command(BaseCommand):
    help = "Back up the database and MEDIA_ROOT into one archive, encrypted with BACKUP_KEY."
    # No system checks first, as Django's dumpdata and loaddata: a site whose checks fail
    # (a setting typed wrong, an upgrade half done) is when a copy is needed most, and
    # they cost half a second of every run.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--output",
            help="archive file, or a folder to put it in "
            "(default: limber-backup-<UTC time>.tar.enc in the current folder)",
        )
        parser.add_argument(
            "--no-encryption",
            action="store_true",
            help="write the archive unencrypted (it holds health data: only onto "
            "storage that is itself encrypted and access-controlled)",
        )

    def handle(self, *args, **options) -> None:
        key = None
        if options["no_encryption"]:
            self.stderr.write(
                self.style.WARNING(
                    "Warning: --no-encryption: this archive holds patients' health data "
                    "unencrypted. Keep it only on encrypted, access-controlled storage."
                )
            )
        else:
            value = os.environ.get("BACKUP_KEY", "").strip()
            if not value:
                raise CommandError(
                    "BACKUP_KEY is not set. Set it to your backup key (the README shows how "
                    "to make one), or pass --no-encryption to write an unencrypted archive."
                )
            if value in (settings.SECRET_KEY, settings.MFA_ENCRYPTION_KEY):
                raise CommandError(
                    "BACKUP_KEY must be a key of its own, not SECRET_KEY or MFA_ENCRYPTION_KEY."
                )
            try:
                key = load_key(value)
            except BackupError as error:
                raise CommandError(str(error)) from None

        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        default_name = f"limber-backup-{stamp}.tar" + (".enc" if key else "")
        output = Path(options["output"] or default_name)
        if output.is_dir():
            output = output / default_name

        started = time.monotonic()
        try:
            written = write_archive(output, key=key)
        except BackupError as error:
            raise CommandError(f"Backup failed, no archive was written: {error}") from None
        except ENVIRONMENT_ERRORS as error:
            # A full disk or a refusing database, not a bug: say which, without a stack.
            # write_archive has removed its partial file whatever happened.
            raise CommandError(
                f"Backup failed, no archive was written: {failure_reason(error)}."
            ) from None
        manifest = written.manifest
        self.stdout.write(
            f"Wrote {written.path} ({written.size / 1e6:.1f} MB, "
            f"{'encrypted' if key else 'NOT encrypted'}): the {manifest['database']['vendor']} "
            f"database and {manifest['counts']['media_files']} media files, "
            f"in {time.monotonic() - started:.1f} s."
        )
