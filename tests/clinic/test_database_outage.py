"""A database that is restarting or out of reach: every page answers 503, "try again in a
moment", and the API and FHIR export answer 503 with Retry-After in their own shapes.

Before: the scale-out drill's PostgreSQL restart answered pages with the 500 page
("Something went wrong"), as if the fault were ours and would last. A fault of ours (a
missing table, a cancelled query) is still the 500 page.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager

import psycopg
import pytest
from django import db
from django.db import connection
from django.test import Client

from clinic.error_pages import is_database_outage
from tests.clinic.conftest import answered_within, free_port
from tests.conftest import api_token_for


def sqlite_error(tmp_path, make_busy: bool) -> sqlite3.Error:
    """A real error of SQLite's: "database is locked" (another connection holds the write
    lock), or a query of ours that is wrong ("no such table")."""
    path = tmp_path / "locked.sqlite3"
    holder = sqlite3.connect(path, timeout=0, isolation_level=None)
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        holder.execute("CREATE TABLE t (x)")
        if make_busy:
            holder.execute("BEGIN EXCLUSIVE")
            other.execute("SELECT * FROM t")
        else:
            other.execute("SELECT * FROM no_such_table")
    except sqlite3.Error as error:
        return error
    finally:
        holder.close()
        other.close()
    raise AssertionError("SQLite raised nothing")


OUTAGES = {
    "connection refused": lambda tmp: psycopg.OperationalError("connection failed"),
    "server shutting down": lambda tmp: psycopg.errors.AdminShutdown("terminating"),
    "server starting up": lambda tmp: psycopg.errors.CannotConnectNow("starting up"),
    "too many clients": lambda tmp: psycopg.errors.TooManyConnections("too many"),
    "sqlite locked": lambda tmp: sqlite_error(tmp, make_busy=True),
}

FAULTS_OF_OURS = {
    "cancelled query": lambda tmp: (db.OperationalError, psycopg.errors.QueryCanceled("x")),
    "missing table": lambda tmp: (db.ProgrammingError, psycopg.errors.UndefinedTable("x")),
    "sqlite missing table": lambda tmp: (db.OperationalError, sqlite_error(tmp, False)),
}


@contextmanager
def every_query_fails(django_error: type[Exception], driver_error: Exception):
    """Every query of this connection raises as Django raises a driver's error."""

    def fail(execute, sql, params, many, context):
        raise django_error(*driver_error.args) from driver_error

    with connection.execute_wrapper(fail):
        yield


def signed_in(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.mark.parametrize("outage", OUTAGES)
def test_a_page_during_a_database_outage_says_try_again(outage, tmp_path, clinician_a):
    client = signed_in(clinician_a)
    with every_query_fails(db.OperationalError, OUTAGES[outage](tmp_path)):
        response = client.get("/portal/")
    page = response.content.decode()
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert "We cannot reach the records just now" in page
    assert "check that your change is there" in page
    assert "Something went wrong" not in page


def test_a_patient_saving_during_an_outage_is_told_to_check_it_was_kept(
    tmp_path, patient_a1, program_a1
):
    client = signed_in(patient_a1.user)
    with every_query_fails(db.OperationalError, OUTAGES["server shutting down"](tmp_path)):
        response = client.post("/me/log/", {"pain": "3"})
    assert response.status_code == 503
    assert "check that your change is there" in response.content.decode()


def test_a_session_that_could_not_be_saved_in_an_outage_is_503_not_bad_request(
    tmp_path, clinician_a
):
    """Found by the scale-out drill: a sign-in while the database hung answered Django's
    "Bad Request (400)": the session's save failed, which Django calls a session deleted
    by another request."""
    client = signed_in(clinician_a)
    outage = OUTAGES["server shutting down"](tmp_path)

    def fail_session_writes(execute, sql, params, many, context):
        if sql.startswith("UPDATE") and "django_session" in sql:
            raise db.OperationalError(*outage.args) from outage
        return execute(sql, params, many, context)

    with connection.execute_wrapper(fail_session_writes):
        # A caseload search keeps its term in the session.
        response = client.post("/portal/", {"q": "Okafor"})
    assert response.status_code == 503 and response["Retry-After"] == "30"


def test_a_bad_request_of_another_kind_gets_our_400_page(client):
    from django.template.loader import render_to_string

    page = render_to_string("400.html")
    assert "This page could not be used" in page and "Bad Request" not in page


def test_a_lost_connection_is_an_outage():
    assert is_database_outage(db.InterfaceError("connection already closed"))


@pytest.mark.parametrize("fault", FAULTS_OF_OURS)
def test_a_fault_of_ours_is_still_the_error_page(fault, tmp_path, clinician_a):
    django_error, driver_error = FAULTS_OF_OURS[fault](tmp_path)
    client = signed_in(clinician_a)
    with every_query_fails(django_error, driver_error):
        response = client.get("/portal/")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    assert not response.has_header("Retry-After")


def integration(clinic) -> Client:
    """A token's client that gets the answers (not the exception) of a failing request."""
    token = api_token_for(clinic, "all")
    return Client(raise_request_exception=False, headers={"Authorization": f"Bearer {token}"})


def test_the_api_answers_503_with_retry_after_in_its_error_shape(tmp_path, clinic_a):
    client = integration(clinic_a)
    with every_query_fails(db.OperationalError, OUTAGES["connection refused"](tmp_path)):
        response = client.get("/api/v1/patients/")
    assert response.status_code == 503 and response["Retry-After"] == "30"
    error = response.json()["error"]
    assert error["status"] == 503 and error["code"] == "unavailable"
    assert "Idempotency-Key" in error["message"]


def test_the_fhir_export_answers_a_transient_operation_outcome(tmp_path, clinic_a):
    client = integration(clinic_a)
    with every_query_fails(db.OperationalError, OUTAGES["server starting up"](tmp_path)):
        response = client.get("/fhir/R4/Patient")
    assert response.status_code == 503 and response["Retry-After"] == "30"
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == "transient"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a server's port: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_stopped_postgresql_answers_503_and_the_next_request_after_it_is_served(
    clinician_a,
):
    """Not simulated: the connection is opened to a port nothing listens on."""
    client = signed_in(clinician_a)
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = free_port()
    try:
        with answered_within(20):
            response = client.get("/portal/")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port
    assert response.status_code == 503
    assert client.get("/portal/").status_code == 200
