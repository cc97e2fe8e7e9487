from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path
from unittest import mock

from cryptography.fernet import Fernet
from django.db import OperationalError
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "False",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "limber.example.org",
    "EMAIL_HOST": "smtp.example.org",
    "MFA_ENCRYPTION_KEY": Fernet.generate_key().decode(),
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    unwanted = {*PRODUCTION, "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in unwanted}
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_healthz_reports_ok(db):
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "cache": "ok",
        "tasks": "ok",
        "storage": "ok",
    }


def test_the_liveness_check_touches_nothing(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Client().get("/healthz/live")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_healthz_reports_503_when_the_database_is_down(db):
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError):
        response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] != "ok"


def test_it_refuses_to_start_without_a_secret_key():
    result = manage("check", **{**PRODUCTION, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_it_refuses_to_start_without_allowed_hosts():
    result = manage("check", **{**PRODUCTION, "ALLOWED_HOSTS": ""})
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_it_refuses_to_start_without_an_smtp_server():
    result = manage("check", **{**PRODUCTION, "EMAIL_HOST": ""})
    assert result.returncode != 0
    assert "EMAIL_HOST" in result.stderr


def test_it_refuses_to_start_without_a_key_for_two_factor_secrets():
    result = manage("check", **{**PRODUCTION, "MFA_ENCRYPTION_KEY": ""})
    assert result.returncode != 0
    assert "MFA_ENCRYPTION_KEY" in result.stderr


def test_our_deploy_checks_catch_weak_settings():
    result = manage(
        "check", "--deploy", **{**PRODUCTION, "REQUIRE_2FA": "False", "IDLE_TIMEOUT_STAFF": "3600"}
    )
    assert "limber.W002" in result.stderr and "limber.W003" in result.stderr


def test_deploy_check_passes_with_the_documented_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr


def test_the_deploy_check_asks_for_trusted_proxies_behind_a_tls_proxy():
    """With BEHIND_TLS_PROXY and no TRUSTED_PROXY_COUNT every client has the proxy's
    address (review "seams" 4); the deploy environment's example sets both."""
    behind = {**PRODUCTION, "BEHIND_TLS_PROXY": "True"}
    missing = manage("check", "--deploy", **behind, TRUSTED_PROXY_COUNT="0")
    assert "limber.W007" in missing.stderr and "TRUSTED_PROXY_COUNT" in missing.stderr
    both = manage("check", "--deploy", "--fail-level", "WARNING", **behind, TRUSTED_PROXY_COUNT="1")
    assert both.returncode == 0, both.stderr


def test_argon2_hashes_passwords():
    """The app's own setting: Argon2 at Django's cost (the tests use a cheaper Argon2,
    tests/conftest.py)."""
    from django.contrib.auth.hashers import Argon2PasswordHasher

    from clinic import settings as app_settings

    assert app_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    stored = Argon2PasswordHasher().encode("some long passphrase", "somesaltsomesalt")
    assert stored.startswith("argon2$argon2id$v=19$m=102400,t=2,p=8$")
