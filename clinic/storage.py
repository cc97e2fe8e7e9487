"""Uploaded files that are whole or absent, and rows that point only at files that exist.

- `AtomicFileSystemStorage` writes each file under a temporary name in the same folder,
  flushes it to disk, then renames it into place: a full or read-only disk leaves no
  truncated or empty file under the real name.
- `stored_then_saved` stores a file first and then runs the database change; if the
  change fails the new file is removed, and if storing fails nothing is written at all
  (StorageFailed, with a message that says so). The old file a change replaces is
  deleted only once the change has committed.
- `upload_response` serves an uploaded file to the staff allowed to see it.
- `StaticFiles` and `CompressedManifestStaticFiles` (the static files' storages, in
  development and in production) work each file's address out once per process.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

from django.contrib.staticfiles.storage import StaticFilesStorage
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import transaction
from django.http import FileResponse, Http404
from whitenoise.storage import CompressedManifestStaticFilesStorage

logger = logging.getLogger(__name__)

UNSTORED = "The picture could not be stored (the server's disk refused it). Nothing was saved."


class StorageFailed(Exception):
    """A file could not be written; the message is shown to the user."""


class _AddressesOnce:
    """A static file's address, worked out once: the storage's url() cleans the name,
    looks it up in the manifest and joins it to STATIC_URL (about fifty Python calls),
    and every page names fifteen files. The manifest is read once when the process starts
    and never changes under it, so neither does an address. A name the manifest lacks
    raises every time, as before."""

    def url(self, name: str | None, *force: bool) -> str:
        # `force`: the manifest storage's own argument (the plain storage has none).
        addresses = self.__dict__.setdefault("_addresses", {})
        key = (name, *force)
        if (address := addresses.get(key)) is None:
            address = addresses[key] = super().url(name, *force)  # type: ignore[misc]
        return address


class StaticFiles(_AddressesOnce, StaticFilesStorage):
    pass


class CompressedManifestStaticFiles(_AddressesOnce, CompressedManifestStaticFilesStorage):
    pass


class AtomicFileSystemStorage(FileSystemStorage):
    def _save(self, name: str, content: Any) -> str:
        full_path = self.path(name)
        directory = os.path.dirname(full_path)
        os.makedirs(directory, exist_ok=True)
        temporary = os.path.join(directory, f".upload-{uuid.uuid4().hex}")
        try:
            with open(temporary, "wb") as handle:
                if hasattr(content, "chunks"):
                    for chunk in content.chunks():
                        handle.write(chunk)
                else:
                    handle.write(content.read())
                handle.flush()
                os.fsync(handle.fileno())
            if self.file_permissions_mode is not None:
                os.chmod(temporary, self.file_permissions_mode)
            # Never replace a file of the same name: get_available_name picked a free one,
            # and a racing writer must not be overwritten.
            os.link(temporary, full_path)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
        return name.replace("\\", "/")


def store(name: str, content: Any, storage=None) -> str:
    """Save `content` under (about) `name`; StorageFailed if the storage refuses."""
    storage = storage or default_storage
    try:
        return storage.save(name, content)
    except OSError as error:
        raise StorageFailed(UNSTORED) from error


@contextmanager
def stored_then_saved(
    name: str, content: Any, *, replaces: str = "", storage=None
) -> Iterator[str]:
    """Store the file, then run the caller's block in a transaction with its stored name.

    If the block raises, the new file is deleted and the error goes on; once it commits,
    the file it `replaces` is deleted.
    """
    storage = storage or default_storage
    stored = store(name, content, storage)
    try:
        with transaction.atomic():
            yield stored
            if replaces and replaces != stored:
                old: str = replaces
                transaction.on_commit(lambda: _quietly(storage.delete, old))
    except BaseException:
        _quietly(storage.delete, stored)
        raise


def _quietly(action: Callable[[str], Any], name: str) -> None:
    # An orphan file is untidy; a failed request over it would be worse.
    with suppress(OSError):
        action(name)


def upload_response(upload) -> FileResponse:
    """An uploaded file (a clinic's logo, an exercise photo), kept privately by the browser
    for an hour. No file, or a row whose file is gone from the disk (a restore without its
    media, a disk swapped), is a 404 rather than a 500; the loss is logged by its name."""
    if not upload:
        raise Http404
    try:
        handle = upload.open("rb")
    except FileNotFoundError:
        logger.warning("An uploaded file is missing from storage: %s", upload.name)
        raise Http404 from None
    response = FileResponse(handle)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
