from __future__ import annotations

from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "patients"
    verbose_name = "Patients"

    def ready(self) -> None:
        # Registers what a patient invitation grants (clinic.invitations.ACCEPTORS).
        from clinic.mail import ATTACHMENT_NOW, BODY_HOOKS, NOT_BEFORE, SENT_HOOKS, STOP_CHECKS
        from clinic.models import MEMBER_FIGURES, OutgoingEmail
        from clinic.services import CLINIC_UPDATED_HOOKS
        from patients import adherence, caseload, handouts, outgoing, services
        from programs.services import PROGRAM_SAVED_HOOKS

        def add(hooks: list, hook) -> None:
            if hook not in hooks:
                hooks.append(hook)

        # Every saved revision of a patient's program rewrites their per-day plan, and
        # has its handout rendered before anyone asks for it.
        add(PROGRAM_SAVED_HOOKS, adherence.plan_after_program_saved)
        add(PROGRAM_SAVED_HOOKS, handouts.prerender_after_program_saved)
        # New branding: every handout of the clinic again, in the worker.
        add(CLINIC_UPDATED_HOOKS, handouts.prerender_after_clinic_updated)
        # A new clinic time zone moves the day of its patients who have none of their own.
        add(CLINIC_UPDATED_HOOKS, caseload.stale_after_clinic_updated)
        # A sign-in code asked for by a new patient (no login yet) sends the link to set
        # one up, not allauth's "unknown account" e-mail.
        from clinic.adapters import UNKNOWN_ACCOUNT_HOOKS

        add(UNKNOWN_ACCOUNT_HOOKS, services.patient_setup_links_for_unknown_account)
        # The staff page says how many patients a member is in charge of.
        MEMBER_FIGURES["in_charge_of"] = caseload.in_charge_of
        # A handout e-mail the mail server took goes on the revision's history.
        add(SENT_HOOKS.setdefault(OutgoingEmail.Kind.HANDOUT, []), handouts.handout_email_sent)
        # ...and carries the handout of the program as it is when it goes out.
        ATTACHMENT_NOW[OutgoingEmail.Kind.HANDOUT] = handouts.handout_email_now
        # The worker's task for each document this app renders, for asking again.
        from clinic.documents import RENDER_TASKS
        from patients.tasks import RENDERERS, render_document

        for kind in RENDERERS:
            RENDER_TASKS[kind] = render_document
        # An e-mail about a patient, or a digest, still goes out only if it still should;
        # a reminder or nudge only at the patient's time, never in their quiet hours.
        for registry, by_kind in (
            (STOP_CHECKS, outgoing.CHECKS),
            (NOT_BEFORE, outgoing.NOT_BEFORE),
        ):
            for kind, checks in by_kind.items():
                for check in checks:
                    add(registry.setdefault(kind, []), check)
        # A nudge counts the questionnaires waiting when it goes, not when it was queued.
        BODY_HOOKS.update(outgoing.BODY)
