"""Page stamps: which account, and which context (the active clinic for staff, the patient
record for a patient), a signed-in page was made for. An opaque digest that names no one
and holds no patient data.

Every form a page makes carries its stamp (clinic.templatetags.stamped_forms, beside the
CSRF token), and so does every htmx request (base.html's hx-headers). Read by
clinic.resume (a page whose session ended, sent after a new sign-in) and by
clinic.permissions.staff_required (a page of one clinic sent while another is active).
"""

from __future__ import annotations

from django.utils.crypto import constant_time_compare, salted_hmac

SALT = "limber.resume.page-stamp"
# The hidden field of every form, and the header of every htmx request.
FIELD = "page_stamp"
HEADER = "X-Limber-Page"
ACCOUNT = "account"


def stamp(user_pk: int, context: str) -> str:
    return salted_hmac(SALT, f"{user_pk}|{context}").hexdigest()[:32]


def of_clinic(clinic) -> str:
    return f"clinic:{clinic.uuid}"


def of_patient(patient) -> str:
    return f"patient:{patient.uuid}"


def same(sent: str, user_pk: int, context: str) -> bool:
    sent = (sent or "")[:64]
    return bool(sent) and constant_time_compare(sent, stamp(user_pk, context))


def sent_with(request) -> str:
    """The stamp a request was sent with: its form's field, else its htmx header."""
    return (request.POST.get(FIELD) or request.headers.get(HEADER) or "")[:64]
