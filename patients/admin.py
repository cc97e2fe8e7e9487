from __future__ import annotations

from django.contrib import admin

from clinic import audit
from clinic.actors import Actor
from patients.models import Patient


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    """Platform housekeeping: finding a record across clinics. Read-only (a clinic changes
    its records in the portal, through services that audit the change and keep handouts
    and figures in step), and every record shown is in its clinic's audit log, as any
    read of patient data is."""

    list_display = ["last_name", "first_name", "clinic", "status"]
    list_filter = ["status", "clinic"]
    # No search: the admin's search form sends its term in the address (?q=...), which
    # the access log and the browser's history keep, and a patient's name must never be
    # in a URL. The portal's patient search posts the term and keeps it in the session
    # (patients.caseload_search); the list's page points there
    # (templates/admin/patients/patient/change_list.html).
    search_fields: list[str] = []
    list_select_related = ["clinic"]
    ordering = ["clinic__name", "last_name", "first_name", "pk"]
    # What the address may filter by: the filters the page offers, which name no patient.
    ADDRESS_LOOKUPS = {"status__exact", "clinic__id__exact"}

    def lookup_allowed(self, lookup, value, request=None) -> bool:
        # Django's list takes any of the model's own fields from the address
        # (?last_name=Okafor): refused (400), so no link or bookmark carries a patient's
        # details either.
        return lookup in self.ADDRESS_LOOKUPS and super().lookup_allowed(lookup, value, request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Clinical records are archived, never deleted.
        return False

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        shown = getattr(response, "context_data", {}).get("cl")
        if shown is not None:
            audit.record_reads(
                Actor.platform(request), "patient.view", shown.result_list, object_type="patient"
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return self._audited(
            request, super().change_view(request, object_id, form_url, extra_context)
        )

    def history_view(self, request, object_id, extra_context=None):
        return self._audited(request, super().history_view(request, object_id, extra_context))

    @staticmethod
    def _audited(request, response):
        """A page that shows one record (its name at least): a read of it."""
        context = getattr(response, "context_data", None) or {}
        patient = context.get("original") or context.get("object")
        if response.status_code == 200 and isinstance(patient, Patient):
            audit.record(Actor.platform(request), "patient.view", patient=patient, obj=patient)
        return response
