from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinic import permissions
from clinic.forms import ClinicSettingsForm, InvitationPasswordForm, RoleForm, StaffInviteForm
from clinic.invitations import invitation_accept, invitation_find
from clinic.models import Membership
from clinic.services import (
    StaffError,
    clinic_update,
    membership_change_role,
    membership_set_active,
    staff_invite,
)

STAFF_PAGE_SIZE = 50


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Send each kind of user to their own area."""
    if not request.user.is_authenticated:
        return redirect("account_login")
    if permissions.staff_membership(request.user) is not None:
        return redirect("caseload")
    if permissions.patient_profile(request.user) is not None:
        return redirect("patient_home")
    return render(request, "registration/no_access.html", status=403)


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@require_http_methods(["GET", "POST"])
@never_cache
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitation_find(token)
    if invitation is None:
        return render(request, "registration/invitation_invalid.html", status=410)
    user = invitation.user
    form = InvitationPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        accepted = invitation_accept(token=token, password=form.cleaned_data["new_password1"])
        if accepted is None:
            return render(request, "registration/invitation_invalid.html", status=410)
        if request.user.is_authenticated:
            logout(request)
        login(request, accepted, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Your password is set. Welcome to Limber.")
        return redirect("home")
    return render(
        request, "registration/invitation_accept.html", {"form": form, "email": user.email}
    )


def _base_url(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


@require_http_methods(["GET", "POST"])
@permissions.staff_required(admin=True)
def staff_list(request: HttpRequest) -> HttpResponse:
    form = StaffInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            staff_invite(
                actor=request.user,
                clinic=request.clinic,
                base_url=_base_url(request),
                **form.cleaned_data,
            )
        except StaffError as error:
            form.add_error("email", str(error))
        else:
            messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
            return redirect("staff_list")
    memberships = (
        Membership.objects.filter(clinic=request.clinic)
        .select_related("user")
        .order_by("-is_active", "user__full_name", "user__email")
    )
    page = Paginator(memberships, STAFF_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "clinician/staff_list.html",
        {"page": page, "form": form, "roles": Membership.Role.choices},
    )


@require_POST
@permissions.staff_required(admin=True)
def staff_update(request: HttpRequest, membership_uuid: str) -> HttpResponse:
    membership = permissions.get_in_clinic_or_404(
        request, Membership.objects.select_related("user", "clinic"), uuid=membership_uuid
    )
    action = request.POST.get("action")
    try:
        if action == "role":
            form = RoleForm(request.POST)
            if not form.is_valid():
                messages.error(request, "Choose a valid role.")
                return redirect("staff_list")
            membership_change_role(actor=request.user, membership=membership, **form.cleaned_data)
            messages.success(request, f"{membership.user} is now {membership.get_role_display()}.")
        elif action in {"deactivate", "reactivate"}:
            membership_set_active(
                actor=request.user, membership=membership, active=action == "reactivate"
            )
            messages.success(request, f"{membership.user} was {action}d.")
        else:
            messages.error(request, "Unknown action.")
    except StaffError as error:
        messages.error(request, str(error))
    return redirect("staff_list")


@never_cache
@require_http_methods(["GET", "POST"])
@permissions.staff_required(admin=True)
def clinic_settings(request: HttpRequest) -> HttpResponse:
    form = ClinicSettingsForm(request.POST or None, request.FILES or None, instance=request.clinic)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in ClinicSettingsForm.Meta.fields}
        clinic_update(
            actor=request.user,
            membership=request.membership,
            fields=fields,
            logo=form.cleaned_data.get("logo") or None,
        )
        messages.success(request, "Clinic settings saved.")
        return redirect("clinic_settings")
    return render(request, "clinician/clinic_settings.html", {"form": form, "nav": "clinic"})


@require_GET
@permissions.staff_required
def clinic_logo(request: HttpRequest) -> HttpResponse:
    """The clinic's own logo, for its staff. Uploaded files are never served publicly."""
    if not request.clinic.logo:
        raise Http404
    response = FileResponse(request.clinic.logo.open("rb"))
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_POST
def session_keepalive(request: HttpRequest) -> HttpResponse:
    """The "Stay signed in" button: any request counts as activity; this one does nothing else."""
    if not request.user.is_authenticated:
        return HttpResponse(status=401)
    return HttpResponse(status=204)
