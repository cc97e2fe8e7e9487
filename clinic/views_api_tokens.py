"""Clinic admins' page for API tokens: make one (shown once), see them, revoke one."""

from __future__ import annotations

from datetime import datetime, time

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from clinic import once, permissions
from clinic.api.tokens import TokenError, api_token_create, api_token_revoke, with_standing
from clinic.forms import ApiTokenForm
from clinic.models import ApiToken

# A token is shown only in the answer that made it: a form sent twice (a double click shows
# the second answer) made one token, which nobody may have seen.
SHOWN_ONCE = gettext_lazy(
    "That form was sent twice. One token was made, and a token is shown only once: "
    "if you did not copy it, revoke it and make another."
)


@never_cache
@require_http_methods(["GET", "POST"])
@permissions.staff_required("clinic.configure")
@once.replays(again=SHOWN_ONCE)
def api_tokens(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        # The token lasts to the end of the chosen day in the clinic's own time.
        day_end = datetime.combine(form.cleaned_data["expires_on"], time.max)
        made = []

        def create() -> str:
            made.append(
                api_token_create(
                    actor=request.actor,
                    clinic=request.clinic,
                    name=form.cleaned_data["name"],
                    scope=form.cleaned_data["scope"],
                    expires_at=day_end.replace(tzinfo=request.clinic.tzinfo),
                )
            )
            return reverse("api_tokens")

        try:
            location, first = once.send_once(once.page_key(request), create)
        except TokenError as error:
            form.add_error(None, str(error))
        else:
            if not first:
                messages.info(request, SHOWN_ONCE)
                return redirect(location)
            token, new_token = made[0]
            form = ApiTokenForm()
            messages.success(
                request, _("Token “{name}” created. Copy it now.").format(name=token.name)
            )
    tokens = with_standing(ApiToken.objects.filter(clinic=request.clinic)).select_related(
        "created_by", "revoked_by"
    )
    context = {"form": form, "tokens": tokens, "new_token": new_token, "nav": "clinic"}
    if new_token:
        # Shown once: at the idle limit the page leaves, not kept hidden on an unattended
        # screen as entries are (form-keeper.js).
        context["keeper_entries"] = False
    return render(request, "clinician/api_tokens.html", context)


@require_POST
@permissions.staff_required("clinic.configure")
def api_token_revoke_view(request: HttpRequest, token_uuid) -> HttpResponse:
    token = permissions.get_in_clinic_or_404(request, ApiToken.objects.all(), token_uuid)
    if request.POST.get("confirm") != "1":
        return render(
            request,
            "clinician/confirm.html",
            {
                "title": _("Revoke the token “{name}”?").format(name=token.name),
                "text": _(
                    "Every system that uses it is refused from now on. This cannot be undone: "
                    "make a new token if it is needed again."
                ),
                "button": _("Revoke the token"),
                "hidden": [],
                "cancel_url": reverse("api_tokens"),
            },
        )
    api_token_revoke(actor=request.actor, token=token)
    messages.success(request, _("The token “{name}” no longer works.").format(name=token.name))
    return redirect("api_tokens")
