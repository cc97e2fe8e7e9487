"""Outgoing e-mail. Subjects never carry names or health information."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string


def send_templated(*, to: str, subject: str, template: str, context: dict) -> None:
    body = render_to_string(template, context)
    send_mail(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
        message=body,
        from_email=None,
        recipient_list=[to],
    )
