from __future__ import annotations

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.http import require_GET
from django.views.generic import RedirectView

from clinic import views
from patients import views as patient_views
from patients import views_audit, views_measures, views_patient, views_program
from programs import views as program_views

# The e-mail address is the login and is managed by the clinic (it follows the patient
# record), so allauth's self-service address management is switched off.
account_overrides = [
    path(
        "accounts/email/",
        require_GET(RedirectView.as_view(pattern_name="home")),
        name="account_email",
    ),
]

portal = [
    path("", patient_views.caseload, name="caseload"),
    path("patients/new/", patient_views.patient_new, name="patient_new"),
    path("patients/<uuid:patient_uuid>/", patient_views.patient_chart, name="patient_chart"),
    path("patients/<uuid:patient_uuid>/edit/", patient_views.patient_edit, name="patient_edit"),
    path(
        "patients/<uuid:patient_uuid>/archive/",
        patient_views.patient_archive,
        name="patient_archive",
    ),
    path(
        "patients/<uuid:patient_uuid>/restore/",
        patient_views.patient_restore,
        name="patient_restore",
    ),
    path(
        "patients/<uuid:patient_uuid>/invitation/",
        patient_views.patient_send_invitation,
        name="patient_invitation",
    ),
    path(
        "patients/<uuid:patient_uuid>/programs/start/",
        views_program.program_start,
        name="patient_program_start",
    ),
    path(
        "patients/<uuid:patient_uuid>/programs/<uuid:program_uuid>/edit/",
        views_program.program_edit,
        name="patient_program_edit",
    ),
    path(
        "patients/<uuid:patient_uuid>/programs/<uuid:program_uuid>/history/",
        views_program.program_history,
        name="patient_program_history",
    ),
    path(
        "patients/<uuid:patient_uuid>/programs/<uuid:program_uuid>/status/",
        views_program.program_status,
        name="patient_program_status",
    ),
    path(
        "patients/<uuid:patient_uuid>/programs/<uuid:program_uuid>/save-as-template/",
        views_program.program_save_as_template,
        name="patient_program_save_as_template",
    ),
    path(
        "patients/<uuid:patient_uuid>/programs/<uuid:program_uuid>/handout.pdf",
        views_program.program_handout,
        name="patient_program_handout",
    ),
    path(
        "patients/<uuid:patient_uuid>/programs/<uuid:program_uuid>/handout/email/",
        views_program.program_handout_email,
        name="patient_program_handout_email",
    ),
    path(
        "patients/<uuid:patient_uuid>/flags/<uuid:flag_uuid>/review/",
        patient_views.flag_mark_reviewed,
        name="patient_flag_review",
    ),
    path(
        "patients/<uuid:patient_uuid>/measures/",
        views_measures.measures_page,
        name="patient_measures",
    ),
    path(
        "patients/<uuid:patient_uuid>/measures/new/",
        views_measures.visit_new,
        name="patient_visit_new",
    ),
    path(
        "patients/<uuid:patient_uuid>/measures/<uuid:measurement_uuid>/correct/",
        views_measures.measurement_edit,
        name="patient_measurement_correct",
    ),
    path(
        "patients/<uuid:patient_uuid>/outcomes/<slug:code>/new/",
        views_measures.outcome_new,
        name="patient_outcome_new",
    ),
    path(
        "patients/<uuid:patient_uuid>/outcomes/assign/",
        views_measures.outcome_assign_view,
        name="patient_outcome_assign",
    ),
    path("patients/<uuid:patient_uuid>/report/", views_measures.report, name="patient_report"),
    path("patients/<uuid:patient_uuid>/export.csv", views_measures.export, name="patient_export"),
    path("library/", program_views.library, name="library"),
    path("library/new/", program_views.exercise_new, name="exercise_new"),
    path("library/<uuid:exercise_uuid>/", program_views.exercise_detail, name="exercise_detail"),
    path("library/<uuid:exercise_uuid>/edit/", program_views.exercise_edit, name="exercise_edit"),
    path(
        "library/<uuid:exercise_uuid>/copy/",
        program_views.exercise_copy_view,
        name="exercise_copy",
    ),
    path(
        "library/<uuid:exercise_uuid>/photo/", program_views.exercise_photo, name="exercise_photo"
    ),
    path("templates/", program_views.templates, name="templates"),
    path("templates/new/", program_views.template_new, name="template_new"),
    path("templates/<uuid:program_uuid>/edit/", program_views.template_edit, name="template_edit"),
    path("clinic/", views.clinic_settings, name="clinic_settings"),
    path("clinic/logo/", views.clinic_logo, name="clinic_logo"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/<uuid:membership_uuid>/", views.staff_update, name="staff_update"),
    path("audit/", views_audit.audit_log, name="audit_log"),
]

# The admin site signs in through allauth, so it gets the same lockout and two-factor steps.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", views.home, name="home"),
    path("session/keepalive", views.session_keepalive, name="session_keepalive"),
    path("healthz", views.healthz, name="healthz"),
    path("invite/<str:token>/", views.accept_invitation, name="invitation_accept"),
    *account_overrides,
    path("accounts/", include("allauth.urls")),
    path("portal/", include(portal)),
    path("me/", views_patient.patient_home, name="patient_home"),
    path("me/handout.pdf", views_patient.my_handout, name="patient_handout"),
    path("me/log/", views_patient.log_session, name="patient_log"),
    path("me/log/edit/", views_patient.edit_session, name="patient_edit_session"),
    path("me/morning/", views_patient.morning_check, name="patient_morning"),
    path("me/progress/", views_patient.progress, name="patient_progress"),
    path("me/program/", views_patient.my_program, name="patient_program"),
    path("me/questionnaire/", views_patient.questionnaire, name="patient_questionnaire"),
    path("admin/", admin.site.urls),
]
