"""Our own deployment checks, run by `manage.py check --deploy` with Django's."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def limber_security_checks(app_configs, **kwargs) -> list:
    problems = []
    if not settings.PASSWORD_HASHERS or "Argon2" not in settings.PASSWORD_HASHERS[0]:
        problems.append(Error("Argon2 must be the first password hasher.", id="limber.E001"))
    if not settings.REQUIRE_2FA:
        problems.append(
            Warning(
                "Two-factor sign-in is not required for clinic staff.",
                hint="Unset REQUIRE_2FA (it defaults to on when DEBUG is off).",
                id="limber.W002",
            )
        )
    staff_ok = 0 < settings.IDLE_TIMEOUT_STAFF <= 15 * 60
    patients_ok = 0 < settings.IDLE_TIMEOUT_PATIENT <= 30 * 60
    if not (staff_ok and patients_ok):
        problems.append(
            Warning(
                "Idle session timeouts are missing, or longer than 15 minutes (staff) "
                "or 30 minutes (patients).",
                id="limber.W003",
            )
        )
    if not 0 < settings.SESSION_ABSOLUTE_TIMEOUT <= 12 * 60 * 60:
        problems.append(Warning("Sessions must end after at most 12 hours.", id="limber.W004"))
    directives = getattr(settings, "CONTENT_SECURITY_POLICY", {}).get("DIRECTIVES", {})
    if not directives or "'unsafe-inline'" in directives.get("script-src", ["'unsafe-inline'"]):
        problems.append(
            Error("A Content-Security-Policy without inline scripts is required.", id="limber.E005")
        )
    if "csp.middleware.CSPMiddleware" not in settings.MIDDLEWARE:
        problems.append(Error("CSPMiddleware is not installed.", id="limber.E006"))
    # BEHIND_TLS_PROXY sets SECURE_PROXY_SSL_HEADER: a proxy is in front. With no proxy
    # trusted for X-Forwarded-For, every request has the proxy's address.
    if settings.SECURE_PROXY_SSL_HEADER and settings.TRUSTED_PROXY_COUNT == 0:
        problems.append(
            Warning(
                "Limber is behind a TLS proxy (BEHIND_TLS_PROXY) but TRUSTED_PROXY_COUNT "
                "is 0, so every client has the proxy's address: five wrong passwords from "
                "one stranger lock the account out for everyone, and the rate limits on "
                "sign-in codes, password resets and sign-in links are shared by all.",
                hint="Set TRUSTED_PROXY_COUNT to the number of proxies that append to "
                "X-Forwarded-For (usually 1).",
                id="limber.W007",
            )
        )
    return problems
