from __future__ import annotations

from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Clinic"

    def ready(self) -> None:
        from axes.signals import user_locked_out

        from clinic import checks, security  # noqa: F401 - registers checks and receivers

        user_locked_out.connect(security.audit_lockout, dispatch_uid="limber-audit-lockout")
