"""A clinic's sign-in page: where the handout's QR code leads.

It offers the usual sign-in (password, or a code sent by e-mail) and, for a patient who
has no login yet, "e-mail me a link": the link goes to the address on the patient's
record at this clinic, so the page is useless without that mailbox. The answer is the
same whatever address is typed.
"""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from clinic import permissions, throttle
from clinic.actors import Actor
from clinic.models import Clinic
from clinic.network import limit_address
from clinic.parsing import parse_uuid
from patients.services import patient_signin_link_request


class SigninLinkForm(forms.Form):
    email = forms.EmailField(label="Your e-mail address", max_length=254)


@permissions.public
@never_cache
@require_http_methods(["GET", "POST"])
def clinic_signin(request: HttpRequest, clinic_uuid) -> HttpResponse:
    clinic = Clinic.objects.filter(uuid=parse_uuid(clinic_uuid)).first()
    if clinic is None:
        raise Http404
    form = SigninLinkForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        actor = Actor.visitor(request, clinic=clinic)
        email = form.cleaned_data["email"].strip().lower()
        client = limit_address(request) or ""
        if throttle.exceeded(throttle.LINK_PER_CLIENT, client) or throttle.exceeded(
            throttle.LINK_PER_EMAIL, email
        ):
            form.add_error(None, "Too many requests. Please wait a while, then try again.")
            status = 429
        else:
            throttle.hit(throttle.LINK_PER_CLIENT, client)
            throttle.hit(throttle.LINK_PER_EMAIL, email)
            patient_signin_link_request(actor=actor, clinic=clinic, email=email)
            return redirect(f"{request.path}?sent=1")
    return render(
        request,
        "registration/clinic_signin.html",
        {"clinic": clinic, "form": form, "sent": request.GET.get("sent") == "1"},
        status=status,
    )
