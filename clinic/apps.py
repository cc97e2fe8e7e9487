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
        from clinic import (  # noqa: F401
            checks,
            invitations,
            middleware,
            security,
            services,
            sheet_passwords,
        )
        from clinic.mail import BODY_HOOKS, STOP_CHECKS
        from clinic.models import MEMBER_FIGURES, OutgoingEmail
        from clinic.two_factor import has_two_factor, signs_in_elsewhere

        MEMBER_FIGURES["has_two_factor"] = has_two_factor
        MEMBER_FIGURES["signs_in_elsewhere"] = signs_in_elsewhere
        user_locked_out.connect(security.audit_lockout, dispatch_uid="limber-audit-lockout")
        # An invitation's e-mail gets its link as it is sent, and only while it would work.
        kind = OutgoingEmail.Kind.INVITATION
        BODY_HOOKS[kind] = invitations.invitation_email_body
        stops = STOP_CHECKS.setdefault(kind, [])
        if invitations.invitation_email_stopped not in stops:
            stops.append(invitations.invitation_email_stopped)
