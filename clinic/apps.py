from __future__ import annotations

from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Clinic"

    def ready(self) -> None:
        from axes.signals import user_locked_out

        # Registers checks, signal receivers (the session clock's too, so a sign-in starts
        # it even before the first request has loaded the middleware), and what a staff
        # invitation grants.
        from clinic import checks, middleware, security, services  # noqa: F401

        user_locked_out.connect(security.audit_lockout, dispatch_uid="limber-audit-lockout")
