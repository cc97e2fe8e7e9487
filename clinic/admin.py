from __future__ import annotations

from allauth.account.admin import EmailAddressAdmin as BaseEmailAddressAdmin
from allauth.account.models import EmailAddress
from allauth.mfa.admin import AuthenticatorAdmin as BaseAuthenticatorAdmin
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Exists, OuterRef

from clinic import audit
from clinic.actors import Actor
from clinic.models import AuditEvent, Clinic, Membership, User


class StaffAccountsOnly:
    """Staff and platform accounts only. A patient's login is part of their record: its
    e-mail is patient data, read through PatientAdmin (audited), and it changes in the
    portal (patient_update keeps the record's address and the login's in step)."""

    account = "user__"  # the path from the listed row to its account
    # A search goes into the page's address (?q=...), so the access log and the browser's
    # history keep it: fine for a staff address, which is no patient data, and the list
    # holds staff only; but a patient's name or address must never be typed in.
    search_help_text = (
        "Staff and platform accounts, by e-mail address or name. Patients' logins are not "
        "listed here: search for a staff member only, never a patient's name or address."
    )

    def get_queryset(self, request):
        rows = super().get_queryset(request)  # type: ignore[misc]
        return rows.filter(**{f"{self.account}patient_records__isnull": True})


@admin.register(User)
class UserAdmin(StaffAccountsOnly, BaseUserAdmin):
    account = ""
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "last_login"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["full_name", "phone"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    list_filter = ["is_active", "is_staff"]
    filter_horizontal = ["groups"]

    def has_delete_permission(self, request, obj=None) -> bool:
        # Accounts are deactivated, never deleted: the audit log names who did what, and an
        # API token whose maker was deleted would look like one the platform made.
        return False


admin.site.unregister(EmailAddress)
admin.site.unregister(Authenticator)


@admin.register(EmailAddress)
class EmailAddressAdmin(StaffAccountsOnly, BaseEmailAddressAdmin):
    """allauth's copy of each account's address, for looking at: an account's address is
    changed on the account (clinic.security keeps these rows to it), never here."""

    readonly_fields = ["user", "email"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Authenticator)
class AuthenticatorAdmin(StaffAccountsOnly, BaseAuthenticatorAdmin):
    pass


class MembershipInline(admin.TabularInline):
    """A clinic's staff, to look at. Roles and access change in the clinic's own portal
    (Staff), through the services that audit them, keep one admin and revoke what a
    member may no longer send: changed here they did none of that (found by the attack
    review: a role changed in the admin left no audit record)."""

    model = Membership
    extra = 0
    fields = readonly_fields = ["user", "role", "is_active"]
    verbose_name_plural = "staff (roles and access change in the clinic's portal)"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class NewMembershipInline(admin.TabularInline):
    """The platform adds a member (a new clinic's first admin, or a new admin when the
    last one left), audited as the platform's doing (ClinicAdmin.save_formset)."""

    model = Membership
    extra = 0
    fields = ["user", "role"]
    raw_id_fields = ["user"]
    verbose_name = "new staff member"
    verbose_name_plural = "add staff"

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    def has_change_permission(self, request, obj=None) -> bool:
        return True  # the rows it adds; it lists none


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = ["name", "phone", "timezone"]
    search_fields = ["name"]
    inlines = [MembershipInline, NewMembershipInline]

    def save_formset(self, request, form, formset, change) -> None:
        added = formset.save()
        if formset.model is Membership:
            actor = Actor.platform(request)
            for membership in added:
                audit.record(
                    actor, "staff.add", obj=membership, target_user=membership.user,
                    clinic=membership.clinic,
                )  # fmt: skip


def _has_patient_record(account: str) -> Exists:
    return Exists(User.objects.filter(pk=OuterRef(account), patient_records__isnull=False))


def _account_shown(user: User | None, is_patient: bool) -> str:
    if user is None:
        return "—"
    return f"patient login #{user.pk}" if is_patient else user.email


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is evidence, nobody edits it."""

    list_display = ["created_at", "who", "actor_role", "clinic", "action", "outcome"]
    list_filter = ["outcome", "action"]
    list_select_related = ["actor", "target_user", "clinic"]
    # The accounts named as in the account list (StaffAccountsOnly): a patient's login is
    # part of their record, read in the audited PatientAdmin, not listed here by name.
    fields = [
        "created_at", "who", "actor_role", "clinic", "whom", "patient_uuid", "action",
        "object_type", "object_id", "ip_address", "outcome", "api_token",
    ]  # fmt: skip
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                actor_is_patient=_has_patient_record("actor_id"),
                target_is_patient=_has_patient_record("target_user_id"),
            )
        )

    @admin.display(description="actor")
    def who(self, event: AuditEvent) -> str:
        return _account_shown(event.actor, event.actor_is_patient)  # type: ignore[attr-defined]

    @admin.display(description="target user")
    def whom(self, event: AuditEvent) -> str:
        return _account_shown(event.target_user, event.target_is_patient)  # type: ignore[attr-defined]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
