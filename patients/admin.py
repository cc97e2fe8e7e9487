from __future__ import annotations

from django.contrib import admin

from patients.models import Patient


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "clinic", "status"]
    list_filter = ["status", "clinic"]
    search_fields = ["last_name", "first_name"]
    raw_id_fields = ["clinician", "user"]
    list_select_related = ["clinic"]

    def has_delete_permission(self, request, obj=None) -> bool:
        # Clinical records are archived, never deleted.
        return False
