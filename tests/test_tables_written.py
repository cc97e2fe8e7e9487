"""tables_written() sees every write through Django's connection: the permission matrix
relies on it to skip reading every table around a request that wrote nothing."""

from __future__ import annotations

from django.db import connection, transaction

from clinic.models import Clinic
from tests.conftest import UNKNOWN_TABLE, tables_written

TABLE = Clinic._meta.db_table


def test_reads_and_savepoints_are_not_writes(db):
    with tables_written() as written:
        list(Clinic.objects.all())
        with transaction.atomic():
            Clinic.objects.exists()
    assert written == set()


def test_inserts_updates_and_deletes_name_their_table(db):
    with tables_written() as written:
        clinic = Clinic.objects.create(name="North")
    assert written == {TABLE}
    for change in (
        lambda: Clinic.objects.filter(pk=clinic.pk).update(name="South"),
        lambda: Clinic.objects.bulk_create([Clinic(name="East")]),
        lambda: Clinic.objects.filter(name="East").delete(),
    ):
        with tables_written() as written:
            change()
        assert TABLE in written


def test_a_statement_it_cannot_read_counts_as_an_unknown_write(db):
    with tables_written() as written, connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET name = name")  # noqa: S608 (our own table)
        cursor.execute("CREATE TEMPORARY TABLE scratch (n integer)")
    assert written == {TABLE, UNKNOWN_TABLE}
