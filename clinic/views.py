from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinic import health, links, once, permissions, resume
from clinic.actors import Actor
from clinic.capabilities import role_can
from clinic.edits import EditedMeanwhile
from clinic.forms import ClinicSettingsForm, RoleForm, StaffInviteForm
from clinic.invitations import invitations_with_emails
from clinic.lib.qr import qr_data_uri
from clinic.models import Invitation, Membership
from clinic.parsing import parse_uuid
from clinic.services import (
    StaffError,
    clinic_switch,
    clinic_update,
    member_reset_two_factor,
    membership_change_role,
    membership_set_active,
    membership_set_digest,
    staff_invitation_cancel,
    staff_invite,
    two_factor_reset_check,
    two_factor_reset_offered,
)
from clinic.storage import StorageFailed, upload_response

STAFF_PAGE_SIZE = 50


@permissions.public
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Send each kind of user to their own area."""
    if not request.user.is_authenticated:
        return redirect("account_login")
    if permissions.staff_memberships(request):
        return redirect("patients:caseload")
    if permissions.patient_profile(request.user) is not None:
        return redirect("patients:patient_home")
    return permissions.no_access(request)


@permissions.public
@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Readiness: one key per dependency. 503 only when the app cannot serve (the
    database); a failing cache, task queue or storage is reported but the app serves on."""
    report = health.report()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)


@permissions.public
@require_GET
@never_cache
def healthz_live(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Touches nothing, so it stays cheap and says nothing
    about dependencies (restarting a web server does not fix a database)."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
@permissions.member_required
def clinic_choose(request: HttpRequest) -> HttpResponse:
    """For staff of several clinics: which one to work in now."""
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    return render(
        request,
        "clinician/clinic_choose.html",
        {"memberships": permissions.staff_memberships(request), "next": next_url},
    )


@require_POST
@permissions.member_required
def clinic_switch_view(request: HttpRequest) -> HttpResponse:
    """Work in another of one's clinics. Always lands on that clinic's patient list (or the
    page asked for before choosing), never on a page of the clinic left."""
    wanted = parse_uuid(request.POST.get("clinic"))
    membership = next(
        (m for m in permissions.staff_memberships(request) if m.clinic.uuid == wanted), None
    )
    if membership is None:
        raise permissions.not_found(request, "clinic", request.POST.get("clinic", ""))
    request.session[permissions.ACTIVE_CLINIC] = str(membership.clinic.uuid)
    clinic_switch(actor=Actor.for_member(membership, request), membership=membership)
    messages.success(
        request, _("You are now working in {clinic}.").format(clinic=membership.clinic.name)
    )
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return redirect(next_url)
    return redirect("patients:caseload")


@require_http_methods(["GET", "POST"])
@permissions.staff_required("staff.manage")
@once.replays
def staff_list(request: HttpRequest) -> HttpResponse:
    form = StaffInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():

        def invite() -> str:
            staff_invite(actor=request.actor, **form.cleaned_data)
            return reverse("staff_list")

        try:
            # The same answer whatever the address is: nothing about other clinics.
            return once.saved_once(
                request,
                invite,
                _(
                    "Invitation to {email} saved. Its e-mail is queued: the list of "
                    "invitations shows when it has gone out."
                ).format(email=form.cleaned_data["email"]),
            )
        except StaffError as error:
            form.add_error("email", str(error))
    memberships = (
        Membership.objects.filter(clinic=request.clinic)
        .with_figures()
        .select_related("user")
        .order_by("-is_active", "user__full_name", "user__email")
    )
    page = Paginator(memberships, STAFF_PAGE_SIZE).get_page(request.GET.get("page"))
    for membership in page:
        membership.offer_reset = two_factor_reset_offered(membership)
    invitations = invitations_with_emails(
        Invitation.objects.usable()
        .filter(clinic=request.clinic, kind=Invitation.Kind.STAFF)
        .order_by("-created_at")
    )
    return render(
        request,
        "clinician/staff_list.html",
        {
            "page": page,
            "form": form,
            "roles": Membership.Role.choices,
            "invitations": invitations,
            "staff_confirmed": STAFF_CONFIRMED.items(),
            "nav": "staff",
        },
    )


# The staff actions that ask first, with their button's words, in the list's order. The
# list's button is a link to a page that asks (staff_confirm), which works without
# JavaScript; with it, the button opens a dialog that asks the same. Either sends confirm=1.
STAFF_CONFIRMED = {
    "reset_2fa": gettext_lazy("Reset two-factor"),
    "deactivate": gettext_lazy("Deactivate"),
}


def _staff_confirm_page(request: HttpRequest, membership: Membership, action: str) -> HttpResponse:
    if action == "deactivate" and not membership.is_active:
        # Done meanwhile (a second tab, a colleague): nothing left to ask about.
        messages.info(request, _("{user} is already deactivated.").format(user=membership.user))
        return redirect("staff_list")
    membership = Membership.objects.with_figures().select_related("user").get(pk=membership.pk)
    if action == "reset_2fa":
        if not membership.has_two_factor:
            # Never set up, or reset meanwhile: nothing to ask about (the list offers none).
            messages.info(
                request,
                _("{user} has no two-factor sign-in to reset.").format(user=membership.user),
            )
            return redirect("staff_list")
        try:
            two_factor_reset_check(membership)
        except StaffError as refusal:
            messages.error(request, str(refusal))
            return redirect("staff_list")
    return render(
        request,
        "clinician/staff_confirm.html",
        {
            "m": membership,
            "action": action,
            "post_url": reverse("staff_update", args=[membership.uuid]),
            "hidden": [("action", action)],
            "button": STAFF_CONFIRMED[action],
            "cancel_url": reverse("staff_list"),
            "nav": "staff",
        },
    )


def _role_confirm_page(
    request: HttpRequest, membership: Membership, role: str
) -> HttpResponse | None:
    """Asks first when the new role takes clinical records away from someone in charge of
    patients: one slip in the list's menu made a clinic's clinician front desk mid-clinic.
    None when there is nothing to ask."""
    if not role_can(membership.role, "clinical.view") or role_can(role, "clinical.view"):
        return None
    figures = Membership.objects.with_figures().select_related("user").get(pk=membership.pk)
    if not figures.in_charge_of:
        return None
    return render(
        request,
        "clinician/staff_confirm.html",
        {
            "m": figures,
            "action": "role",
            "new_role": Membership.Role(role).label,
            "post_url": reverse("staff_update", args=[membership.uuid]),
            "hidden": [("action", "role"), ("role", role)],
            "button": _("Change role"),
            "cancel_url": reverse("staff_list"),
            "nav": "staff",
        },
    )


@never_cache
@require_GET
@permissions.staff_required("staff.manage")
def staff_confirm(request: HttpRequest, membership_uuid: str) -> HttpResponse:
    """The page that asks before a Deactivate or a Reset two-factor (STAFF_CONFIRMED)."""
    membership = permissions.get_in_clinic_or_404(
        request, Membership.objects.select_related("user", "clinic"), membership_uuid
    )
    action = request.GET.get("action", "")
    if action not in STAFF_CONFIRMED:
        return redirect("staff_list")
    return _staff_confirm_page(request, membership, action)


def _staff_act(
    actor: Actor, membership: Membership, action: str, form: RoleForm
) -> tuple[int, str]:
    """Do one of the staff list's actions; what to tell the admin, and how loudly."""
    user = membership.user
    if action == "role":
        membership_change_role(actor=actor, membership=membership, **form.cleaned_data)
        role = membership.get_role_display()
        return messages.SUCCESS, _("{user} is now {role}.").format(user=user, role=role)
    if action == "reset_2fa":
        member_reset_two_factor(actor=actor, membership=membership)
        return messages.SUCCESS, _(
            "{user}'s two-factor sign-in was reset. They set it up again after their next "
            "sign-in with their password. The e-mail telling them is queued."
        ).format(user=user)
    active = action == "reactivate"
    if not membership_set_active(actor=actor, membership=membership, active=active):
        # A second tab, or a colleague, did it meanwhile.
        again = _("{user} is already active.") if active else _("{user} is already deactivated.")
        return messages.INFO, again.format(user=user)
    done = _("{user} was reactivated.") if active else _("{user} was deactivated.")
    return messages.SUCCESS, done.format(user=user)


@require_POST
@permissions.staff_required("staff.manage")
@once.replays
def staff_update(request: HttpRequest, membership_uuid: str) -> HttpResponse:
    membership = permissions.get_in_clinic_or_404(
        request, Membership.objects.select_related("user", "clinic"), membership_uuid
    )
    action = request.POST.get("action", "")
    if action in STAFF_CONFIRMED and request.POST.get("confirm") != "1":
        return _staff_confirm_page(request, membership, action)
    form = RoleForm(request.POST)
    if action == "role":
        if not form.is_valid():
            messages.error(request, _("Choose a valid role."))
            return redirect("staff_list")
        if request.POST.get("confirm") != "1":
            asked = _role_confirm_page(request, membership, form.cleaned_data["role"])
            if asked is not None:
                return asked
    elif action not in {"deactivate", "reactivate", "reset_2fa"}:
        messages.error(request, _("Unknown action."))
        return redirect("staff_list")
    said: list[tuple[int, str]] = []

    def write() -> str:
        # Saved once, every action: a double click's second sending would deactivate
        # again (a second audit record), or find no second factor left to reset and tell
        # the admin the reset failed.
        said.append(_staff_act(request.actor, membership, action, form))
        return reverse("staff_list")

    try:
        location, first = once.send_once(once.page_key(request), write)
    except StaffError as error:
        messages.error(request, str(error))
        return redirect("staff_list")
    if first:
        messages.add_message(request, *said[0])
    else:
        messages.info(request, once.ALREADY_SAVED)
    return redirect(location)


@require_POST
@permissions.staff_required("staff.manage")
def staff_invitation_cancel_view(request: HttpRequest, invitation_uuid: str) -> HttpResponse:
    invitation = permissions.get_in_clinic_or_404(
        request, Invitation.objects.filter(kind=Invitation.Kind.STAFF), invitation_uuid
    )
    if not Invitation.objects.usable().filter(pk=invitation.pk).exists():
        # The list was older than the invitation's fate: nothing to ask about, or cancel.
        return _nothing_to_cancel(request, invitation)
    if request.POST.get("confirm") != "1":
        # The list's button asks first, here: a page of its own works without JavaScript.
        return render(
            request,
            "clinician/confirm.html",
            {
                "title": _("Cancel the invitation to {name}?").format(
                    name=invitation.full_name or invitation.email
                ),
                "text": _(
                    "The link in the invitation sent to {email} stops working at once, and "
                    "an invitation e-mail still waiting to go out is not sent. Nothing else "
                    "changes. You can invite them again at any time."
                ).format(email=invitation.email),
                "button": _("Cancel the invitation"),
                "back": _("Keep the invitation"),
                "hidden": [],
                "cancel_url": reverse("staff_list"),
                "nav": "staff",
            },
        )
    if not staff_invitation_cancel(actor=request.actor, invitation=invitation):
        return _nothing_to_cancel(request, invitation)
    messages.success(
        request, _("The invitation to {email} no longer works.").format(email=invitation.email)
    )
    return redirect("staff_list")


def _nothing_to_cancel(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    invitation.refresh_from_db()
    if invitation.used_at is not None:
        text = _("{email} has already accepted the invitation: nothing was cancelled.")
    else:
        text = _("The invitation to {email} was already cancelled or has expired.")
    messages.info(request, text.format(email=invitation.email))
    return redirect("staff_list")


@never_cache
@require_http_methods(["GET", "POST"])
@permissions.staff_required("clinic.configure")
def clinic_settings(request: HttpRequest) -> HttpResponse:
    form = ClinicSettingsForm(request.POST or None, request.FILES or None, instance=request.clinic)
    # The clinic as the page shows it: as saved now when a colleague's save came first, so
    # the logo shown is the one the form's logo_seen says was seen.
    shown = request.clinic
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in ClinicSettingsForm.Meta.fields}
        logo = form.cleaned_data.get("logo") or None
        try:
            clinic_update(
                actor=request.actor,
                fields=fields,
                logo=logo,
                seen=form.seen,
                logo_seen=form.cleaned_data["logo_seen"] if "logo_seen" in request.POST else None,
            )
        except StorageFailed as error:
            form.add_error("logo", str(error))
        except EditedMeanwhile as edited:
            shown = edited.record
            form.edited_meanwhile(edited.record)
            if logo is not None:
                # A page cannot send a file back: the admin picks it again.
                form.add_error("logo", _("Choose the logo again: it was not saved."))
        else:
            messages.success(request, _("Clinic settings saved."))
            return redirect("clinic_settings")
    return render(
        request, "clinician/clinic_settings.html", {"form": form, "nav": "clinic", "shown": shown}
    )


@require_GET
@permissions.staff_required("clinic.configure")
def clinic_logo(request: HttpRequest) -> HttpResponse:
    """The clinic's own logo, for its staff. Uploaded files are never served publicly."""
    return upload_response(request.clinic.logo)


@never_cache
@require_http_methods(["GET", "POST"])
@permissions.staff_required("clinical.view")
def preferences(request: HttpRequest) -> HttpResponse:
    """The staff member's own e-mail choices in this clinic: the weekly summary."""
    membership = request.membership
    if request.method == "POST":
        membership_set_digest(
            actor=request.actor, membership=membership, on=request.POST.get("weekly_digest") == "on"
        )
        messages.success(request, _("Saved."))
        return redirect("staff_preferences")
    return render(request, "clinician/preferences.html", {"membership": membership})


@permissions.public
@require_POST
def session_keepalive(request: HttpRequest) -> HttpResponse:
    """The "Stay signed in" button: any request counts as activity; this one does nothing else."""
    if not request.user.is_authenticated:
        return HttpResponse(status=401)
    return HttpResponse(status=204)


@permissions.public
@require_POST
@never_cache
def session_check(request: HttpRequest) -> JsonResponse:
    """Asked by a page before it sends a form: is the session still open, for the same
    account and context the page was made in (clinic.resume)? The answer carries the
    current CSRF token, which a new sign-in replaced."""
    state = resume.check(request, request.POST.get("stamp", ""))
    status = 200 if state == resume.OK else 401 if state == resume.SIGNED_OUT else 409
    return JsonResponse({"state": state, "csrf": get_token(request)}, status=status)


@permissions.public
@require_GET
@never_cache
def session_signed_in(request: HttpRequest) -> HttpResponse:
    """Where the sign-in window opened by a signed-out page lands: it tells that page
    (same origin only) and closes. Holds nothing of the page's data."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return render(request, "registration/signed_in_again.html")


@require_GET
@permissions.staff_required("handouts.print")
def signin_card(request: HttpRequest) -> HttpResponse:
    """Cards to print and hand out: a QR code of the clinic's sign-in page. It carries no
    credential and names no one, so a card can be given to anyone, or lost."""
    url = links.absolute_url("patients:clinic_signin", request.clinic.uuid)
    return render(
        request,
        "clinician/signin_card.html",
        {"qr": qr_data_uri(url), "url": url, "cards": range(4)},
    )
