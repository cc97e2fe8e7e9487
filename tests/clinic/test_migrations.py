"""Migrations a release can apply while the previous code still serves (deploy/release.sh
runs them with both app servers up): a new column must be nullable or carry a database
default, and no column may be dropped or renamed in the same release as the code stops
using it. Migrations from before this rule are listed, not fixed (they are applied)."""

from __future__ import annotations

from django.db.migrations import operations
from django.db.migrations.loader import MigrationLoader
from django.db.models.fields import NOT_PROVIDED

OUR_APPS = {"clinic", "patients", "programs"}
# Applied before the rule (up to these numbers); several added NOT NULL columns without
# a database default.
BEFORE_THE_RULE = {"clinic": 7, "patients": 9, "programs": 4}


def _ours():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {key: m for key, m in loader.disk_migrations.items() if key[0] in OUR_APPS}


def _grandfathered(key: tuple[str, str], migration) -> bool:
    """Applied before the rule, or a squash that restates migrations (it only ever runs on
    a new database, where no old code is serving)."""
    app, name = key
    return int(name[:4]) <= BEFORE_THE_RULE[app] or bool(migration.replaces)


def test_new_migrations_are_safe_with_the_old_code_still_running():
    unsafe = []
    for key, migration in sorted(_ours().items()):
        if _grandfathered(key, migration):
            continue
        for operation in migration.operations:
            if isinstance(operation, operations.AddField):
                field = operation.field
                if not field.null and field.db_default is NOT_PROVIDED:
                    unsafe.append(f"{key}: {operation.name} is NOT NULL without db_default")
            if isinstance(operation, operations.RemoveField | operations.RenameField):
                unsafe.append(f"{key}: {operation.describe()} breaks the running code")
    assert unsafe == []


def test_each_squash_replaces_every_migration_before_it():
    """A squash that left a step out would run beside it on a new database (a table made
    twice); one that named a step that is not there would never be used."""
    ours = _ours()
    for key, migration in ours.items():
        if not migration.replaces:
            continue
        app, last = key[0], migration.replaces[-1][1]
        before = sorted(
            (app, name)
            for (other, name), m in ours.items()
            if other == app and not m.replaces and name <= last
        )
        assert sorted(migration.replaces) == before, key
