"""The patients app's URLconf, included by clinic/urls.py under the `patients` namespace
(so `reverse("patients:patient_chart", ...)`, `{% url "patients:patient_home" %}`): the
clinician portal's patient pages (/portal/), the patient area (/me/), and the public pages
a patient reaches from a handout or an e-mail. Paths are written out in full, as the
tests and the permission matrix spell them, so searching for a path finds its view."""

from __future__ import annotations

from django.urls import path

from patients.views import (
    audit,
    documents,
    goals,
    intake,
    measures,
    programs,
    records,
    reminders,
    signin,
)
from patients.views.patient_area import (
    my_program,
    pictures,
    progress,
    questionnaire,
    service_worker,
    signs,
    today,
)

app_name = "patients"

urlpatterns = [
    # The clinician portal.
    path("portal/", records.caseload, name="caseload"),
    path("portal/patients/new/", records.patient_new, name="patient_new"),
    path("portal/patients/<uuid:patient_uuid>/", records.patient_chart, name="patient_chart"),
    path("portal/patients/<uuid:patient_uuid>/edit/", records.patient_edit, name="patient_edit"),
    path(
        "portal/patients/<uuid:patient_uuid>/archive/",
        records.patient_archive,
        name="patient_archive",
    ),
    path(
        "portal/patients/<uuid:patient_uuid>/restore/",
        records.patient_restore,
        name="patient_restore",
    ),
    path(
        "portal/patients/<uuid:patient_uuid>/invitation/",
        records.patient_send_invitation,
        name="patient_invitation",
    ),
    path(
        "portal/patients/<uuid:patient_uuid>/sessions/",
        records.patient_sessions,
        name="patient_sessions",
    ),
    path(
        "portal/patients/<uuid:patient_uuid>/reminders/",
        reminders.patient_reminders,
        name="patient_reminders_settings",
    ),
    path(
        "portal/patients/<uuid:patient_uuid>/outcomes/schedules/<uuid:schedule_uuid>/end/",
        measures.outcome_schedule_end_view,
        name="patient_outcome_schedule_end",
    ),
    path(
        "portal/patients/<uuid:patient_uuid>/invitation/cancel/",
        records.patient_cancel_invitations,
        name="patient_invitation_cancel",
    ),
    path(
        "portal/patients/<uuid:patient_uuid>/programs/start/",
        programs.program_start,
        name="patient_program_start",
    ),
    path(
        "portal/patients/<uuid:patient_uuid>/programs/<uuid:program_uuid>/edit/",
        programs.program_edit,
        name="patient_program_edit",
    ),
    path(
        "portal/patients/<uuid:patient_uuid>/programs/<uuid:program_uuid>/history/",
        programs.program_history,
        name="patient_program_history",
    ),
    path(
        "portal/patients/<uuid:patient_uuid>/programs/<uuid:program_uuid>/status/",
        programs.program_status,
        name="patient_program_status",
    ),
    path(
        "portal/patients/<uuid:patient_uuid>/programs/<uuid:program_uuid>/progress/",
        programs.program_progress,
        name="patient_program_progress",
    ),
    path(
        "portal/patients/<uuid:patient_uuid>/programs/<uuid:program_uuid>/save-as-template/",
        programs.program_save_as_template,
        name="patient_program_save_as_template",
    ),
    path(
        "portal/patients/<uuid:patient_uuid>/programs/<uuid:program_uuid>/handout.pdf",
        programs.program_handout,
        name="patient_program_handout",
    ),
    path(
        "portal/patients/<uuid:patient_uuid>/programs/<uuid:program_uuid>/handout/email/",
        programs.program_handout_email,
        name="patient_program_handout_email",
    ),
    path(
        "portal/patients/<uuid:patient_uuid>/flags/<uuid:flag_uuid>/review/",
        records.flag_mark_reviewed,
        name="patient_flag_review",
    ),
    path(
        "portal/patients/<uuid:patient_uuid>/measures/",
        measures.measures_page,
        name="patient_measures",
    ),
    path(
        "portal/patients/<uuid:patient_uuid>/measures/new/",
        measures.visit_new,
        name="patient_visit_new",
    ),
    path(
        "portal/patients/<uuid:patient_uuid>/measures/<uuid:measurement_uuid>/correct/",
        measures.measurement_edit,
        name="patient_measurement_correct",
    ),
    path(
        "portal/patients/<uuid:patient_uuid>/outcomes/<slug:code>/new/",
        measures.outcome_new,
        name="patient_outcome_new",
    ),
    path(
        "portal/patients/<uuid:patient_uuid>/outcomes/assign/",
        measures.outcome_assign_view,
        name="patient_outcome_assign",
    ),
    path("portal/patients/<uuid:patient_uuid>/intake/", intake.intake_edit, name="patient_intake"),
    path("portal/patients/<uuid:patient_uuid>/goals/new/", goals.goal_new, name="patient_goal_new"),
    path(
        "portal/patients/<uuid:patient_uuid>/goals/<uuid:goal_uuid>/status/",
        goals.goal_status,
        name="patient_goal_status",
    ),
    path(
        "portal/patients/<uuid:patient_uuid>/discharge/", goals.discharge, name="patient_discharge"
    ),
    path("portal/patients/<uuid:patient_uuid>/screen/", intake.screen_new, name="patient_screen"),
    path(
        "portal/patients/<uuid:patient_uuid>/screen/decision/",
        intake.screen_decision,
        name="patient_screen_decision",
    ),
    path(
        "portal/patients/<uuid:patient_uuid>/programs/<uuid:program_uuid>/precautions/",
        intake.precaution_decision,
        name="patient_precaution_decision",
    ),
    path("portal/patients/<uuid:patient_uuid>/report/", measures.report, name="patient_report"),
    path(
        "portal/patients/<uuid:patient_uuid>/report/<uuid:job_uuid>/",
        documents.report_document,
        name="patient_report_document",
    ),
    path("portal/patients/<uuid:patient_uuid>/export.csv", measures.export, name="patient_export"),
    path("portal/audit/", audit.audit_log, name="audit_log"),
    # The patient area: no ids in these paths, a patient only ever sees their own record.
    path("me/", today.patient_home, name="patient_home"),
    path("me/sw.js", service_worker.service_worker, name="patient_service_worker"),
    path("me/offline/", service_worker.offline_page, name="patient_offline"),
    path("me/handout.pdf", my_program.my_handout, name="patient_handout"),
    path("me/log/", today.log_session, name="patient_log"),
    path("me/log/sync", today.log_session_sync, name="patient_log_sync"),
    path("me/log/edit/", today.edit_session, name="patient_edit_session"),
    path("me/morning/", today.morning_check, name="patient_morning"),
    path("me/progress/", progress.progress, name="patient_progress"),
    path("me/program/", my_program.my_program, name="patient_program"),
    # Which photo is in the query (`?exercise=<the exercise's library id>`), checked
    # against the patient's own program: the path stays free of ids, as every /me/ path.
    path("me/program/photo/", pictures.exercise_photo, name="patient_exercise_photo"),
    path("me/questionnaire/", questionnaire.questionnaire, name="patient_questionnaire"),
    path("me/reminders/", reminders.my_reminders, name="patient_reminders"),
    path("me/symptoms/", signs.report_symptoms, name="patient_symptoms"),
    path("me/advice/", signs.advice, name="patient_advice"),
    # Public: a handout's QR code and a reminder e-mail's stop link open these.
    path("start/<uuid:clinic_uuid>/", signin.clinic_signin, name="clinic_signin"),
    path("reminders/stop/<str:token>/", reminders.reminders_stop, name="reminders_stop"),
]
