"""Signing in as a person would, step by step: shared by the access and security tests."""

from __future__ import annotations

import time

from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.core import mail
from django.test import Client

ADDRESS = "198.51.100.7"


def sign_in(client: Client, email: str, password: str, ip: str = ADDRESS, next: str = "", **extra):
    data = {"login": email, "password": password}
    if next:
        data["next"] = next
    return client.post("/accounts/login/", data, REMOTE_ADDR=ip, **extra)


def enrol(user) -> str:
    """Turn on TOTP two-factor for `user`; the secret, for making codes."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def current_code(secret: str, offset: int = 0) -> str:
    # allauth accepts only the current 30-second step: a code taken in the step's last
    # moments could expire before a browser test submits it (seen once in CI), so wait
    # for the next step then.
    left = 30 - time.time() % 30
    if offset == 0 and left < 5:
        time.sleep(left + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + offset))


def wrong_code(secret: str) -> str:
    """A six-digit code that is not valid for this secret now (or in the next step)."""
    valid = {current_code(secret, step) for step in (-1, 0, 1)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in valid)


def link_from_outbox(marker: str = "/invite/") -> str:
    """The path of the last e-mail's link containing `marker`."""
    body = mail.outbox[-1].body
    line = next(line for line in body.splitlines() if marker in line).strip()
    return line[line.index(marker) :]


def open_invitation(client: Client, link: str):
    """Follow an invitation link as a browser does: the token moves into the session."""
    first = client.get(link)
    assert first.status_code == 302 and first["Location"] == "/invite/"
    return client.get("/invite/")


def login_code_from_outbox() -> str:
    """The code in allauth's "sign-in code" e-mail: the first non-empty line after the one
    that introduces it."""
    lines = [line.strip() for line in mail.outbox[-1].body.splitlines() if line.strip()]
    intro = next(i for i, line in enumerate(lines) if "sign-in code" in line.lower())
    return lines[intro + 1]


def sign_in_by_code(client: Client, email: str, ip: str = ADDRESS):
    """Ask for an e-mailed code and enter it; the last response."""
    client.post("/accounts/login/code/", {"email": email}, REMOTE_ADDR=ip)
    return client.post(
        "/accounts/login/code/confirm/", {"code": login_code_from_outbox()}, REMOTE_ADDR=ip
    )
