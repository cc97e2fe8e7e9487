"""Outgoing e-mail. Subjects never carry names or health information.

`queue_email` (and `queue_templated`) store the e-mail in the caller's transaction and
leave it to the task worker, which retries when the mail server is down and keeps a
status the pages can show: what a page says was done is then what was done, e-mail
included. Only allauth's own e-mails (a sign-in code, a password reset: someone waits
at the page for them) are sent at once, by clinic.adapters.AccountAdapter.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.functional import Promise

from clinic.models import OutgoingEmail
from clinic.queueing import enqueue_on_commit

# What other apps do once the mail server took an e-mail of a kind (a handout e-mailed
# goes on the revision's history), registered in their AppConfig.ready.
SENT_HOOKS: dict[str, list[Callable[[OutgoingEmail], None]]] = {}

# Why an e-mail queued earlier must not go out now, per kind, registered by the app that
# queues it: each check returns the reason ("the patient's e-mail address changed"), or
# "" to send. An e-mail waits in the queue for its attachment and through the mail
# server's retries (hours): what it was queued for may have changed meanwhile.
STOP_CHECKS: dict[str, list[Callable[[OutgoingEmail], str]]] = {}

# What an e-mail of a kind should carry now, per kind, registered by the app that queues
# it: run before each delivery, it may point the e-mail at a newer attachment (a
# program saved again while its handout e-mail waited). At most one per kind.
ATTACHMENT_NOW: dict[str, Callable[[OutgoingEmail], None]] = {}


# What an e-mail of a kind gets only as the worker sends it, per kind: each takes the
# queued e-mail and returns the body to send, or None when it must no longer go. For what
# must never be stored: an invitation's one-time link (clinic.invitations).
BODY_HOOKS: dict[str, Callable[[OutgoingEmail], str | None]] = {}

# A hook's place in a queued body. A body that still holds one when it is to go out was
# not filled by its hook: a worker left running on an older release, which has no hook
# for it. It waits and is tried again (by then a current worker may send it); it never
# goes out with the placeholder instead of the link.
_SLOT_NAME = re.compile(r"[a-z-]+")


def _slot_mark() -> str:
    """What every slot ends with: derived from the server's secret, so text someone typed
    (a clinic's name, a note) can never look like a slot and hold its e-mail for ever.
    Workers of one site share the secret, whatever their release."""
    return salted_hmac("limber.mail-slot", "slot", algorithm="sha256").hexdigest()[:12]


def slot(name: str) -> str:
    """The place named `name` in a queued body, for its BODY_HOOKS hook to fill."""
    if not _SLOT_NAME.fullmatch(name):
        raise ValueError(f"a slot's name is lower-case letters and hyphens: {name!r}")
    return f"[[limber:{name}:{_slot_mark()}]]"


def unfilled(body: str) -> bool:
    return f":{_slot_mark()}]]" in body


def fill(body: str, name: str, value: str) -> str:
    """`body` with its slot `name` replaced by `value`: a slot made before the secret
    changed too (the mark is any 12 hex digits here), and one queued by a release before
    slots had a mark (none), not only one made with the secret now."""
    pattern = rf"\[\[limber:{re.escape(name)}(?::[0-9a-f]{{12}})?\]\]"
    return re.sub(pattern, lambda _m: value, body)


# When an e-mail of a kind may go out at the earliest, per kind, registered by the app that
# queues it: each check is given the e-mail and the moment now, and returns a later moment
# to wait until (the end of the patient's quiet hours), or None. Asked before each
# delivery, retries included, so the recipient's settings as they are then decide; a
# held e-mail waits in the queue (OutgoingEmail.not_before), it has not failed.
NOT_BEFORE: dict[str, list[Callable[[OutgoingEmail, datetime], datetime | None]]] = {}


def reason_to_stop(email: OutgoingEmail) -> str:
    return next((why for check in STOP_CHECKS.get(email.kind, []) if (why := check(email))), "")


def _rendered(
    template: str, context: dict, subject: str | Promise, language: str | None
) -> tuple[str, str]:
    """(subject, body) in `language`: the recipient's (a patient's preferred language, see
    clinic.languages), else the site's; the subject may be a lazy translation."""
    with translation.override(language or settings.LANGUAGE_CODE):
        return str(subject), render_to_string(template, context)


def held_until(email: OutgoingEmail, now: datetime) -> datetime | None:
    """The moment an e-mail must wait for before the mail server gets it, or None."""
    waits = [until for check in NOT_BEFORE.get(email.kind, []) if (until := check(email, now))]
    return max((until for until in waits if until > now), default=None)


def queue_email(**fields) -> OutgoingEmail:
    """Store an e-mail (OutgoingEmail fields) and have the worker send it once the caller's
    transaction commits. A dedupe_key already used returns the first e-mail instead."""
    from clinic.tasks import deliver_email

    key = fields.get("dedupe_key", "")
    fields["subject"] = f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{fields['subject']}"
    try:
        with transaction.atomic():
            email = OutgoingEmail.objects.create(**fields)
    except IntegrityError:
        if not key:
            raise
        return OutgoingEmail.objects.get(dedupe_key=key)
    # Not taken by the queue: emails_resume sends it within the quarter hour.
    enqueue_on_commit(deliver_email, email.pk)
    return email


def recheck_held(emails) -> int:
    """Have the worker look again, now, at those of `emails` held for later
    (OutgoingEmail.not_before), once what held them changed (a patient's reminder time
    moved earlier): each is sent, or held again until its new moment."""
    from clinic.tasks import deliver_email

    held = emails.filter(status=OutgoingEmail.Status.QUEUED, not_before__gt=timezone.now())
    ids = list(held.values_list("pk", flat=True))
    for pk in ids:
        enqueue_on_commit(deliver_email, pk)
    return len(ids)


def queue_templated(
    *,
    subject: str | Promise,
    template: str,
    context: dict,
    language: str | None = None,
    **fields,
) -> OutgoingEmail:
    """queue_email with its subject and body made from `template` and `context` in
    `language` (see _rendered)."""
    subject, body = _rendered(template, context, subject, language)
    return queue_email(subject=subject, body=body, **fields)
