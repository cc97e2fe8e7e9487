"""No invitation token, reset key or search term reaches the logs."""

from __future__ import annotations

import io
import logging

import pytest

from clinic.log_redaction import redact


@pytest.fixture
def console():
    """What the configured console handler writes (the web server's access lines and
    Django's request warnings both go through it)."""
    handler = next(h for h in logging.getLogger("django.server").handlers if h.name == "console")
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def test_the_access_line_of_an_invitation_link_has_no_token(console):
    # Exactly what runserver's request handler logs for a request line.
    logging.getLogger("django.server").info(
        '"%s" %s %s', "GET /invite/Zm9vYmFyYmF6cXV4c2VjcmV0dG9rZW4/ HTTP/1.1", "302", "0"
    )
    line = console.getvalue()
    assert "/invite/[redacted]/" in line and "Zm9vYmFy" not in line


def test_search_terms_and_reset_keys_are_cut_out(console):
    server = logging.getLogger("django.server")
    server.info('"%s" %s %s', "GET /portal/?q=Okafor&sort=name HTTP/1.1", "200", "5120")
    server.info('"%s" %s %s', "GET /accounts/password/reset/key/1-abc-def123/ HTTP/1.1", "302", "0")
    text = console.getvalue()
    assert "Okafor" not in text and "?[redacted]" in text
    assert "abc-def123" not in text and "/password/reset/key/[redacted]/" in text


def test_djangos_own_request_warnings_are_redacted(console, client, db):
    client.get("/invite/Zm9vYmFyYmF6cXV4c2VjcmV0dG9rZW4/nothing-here/")
    text = console.getvalue()
    assert "Not Found" in text and "Zm9vYmFy" not in text


def test_an_image_weasyprint_could_not_load_is_named_by_type_and_size_only(console):
    # Base64 of a random picture spells names by chance ("Lee" once failed the suite's
    # leak check); a real upload could be anyone's photo. Logged as WeasyPrint does.
    url = "data:image/png;base64," + "iVBORw0KGgo" * 50 + "+Lee/" + "AAAA" * 50
    logging.getLogger("weasyprint").error("Failed to load image at %r: %s", url, "too big")
    line = console.getvalue()
    assert "Lee" not in line and "iVBORw0KGgo" not in line
    assert f"data:image/png[{len(url)} characters]" in line and "too big" in line


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        ("GET /me/ HTTP/1.1", "GET /me/ HTTP/1.1"),
        (
            "GET /static/clinic/css/limber.css HTTP/1.1",
            "GET /static/clinic/css/limber.css HTTP/1.1",
        ),
        ("POST /invite/ HTTP/1.1", "POST /invite/ HTTP/1.1"),
        ("form data: 3 fields", "form data: 3 fields"),
    ],
)
def test_ordinary_lines_are_left_alone(line, kept):
    assert redact(line) == kept


def test_the_request_log_names_the_route_with_its_app_never_the_path(client, db, caplog):
    # The route's name is namespaced by the app that owns the page; the path could carry
    # a link's token and never appears.
    with caplog.at_level(logging.INFO, logger="limber.request"):
        client.get("/reminders/stop/Zm9vYmFyYmF6cXV4c2VjcmV0dG9rZW4/")
    (line,) = [record for record in caplog.records if record.name == "limber.request"]
    assert line.route == "patients:reminders_stop"
    assert "Zm9vYmFy" not in line.getMessage() and "/reminders/" not in line.getMessage()
