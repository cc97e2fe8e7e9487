from __future__ import annotations

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.http import require_GET
from django.views.generic import RedirectView

from clinic import views, views_api_tokens, views_invitations

# The e-mail address is the login and is managed by the clinic (it follows the patient
# record), so allauth's self-service address management is switched off.
account_overrides = [
    path(
        "accounts/email/",
        require_GET(RedirectView.as_view(pattern_name="home")),
        name="account_email",
    ),
]

# The clinic's own portal pages. A URL name without a namespace is this file's ("home",
# "staff_list") or comes from a URLconf it includes without one (allauth's "account_login",
# the API's "api_..."); each app's pages are included under the app's name
# ("patients:caseload", "programs:library").
portal = [
    path("preferences/", views.preferences, name="staff_preferences"),
    path("clinic/", views.clinic_settings, name="clinic_settings"),
    path("clinic/logo/", views.clinic_logo, name="clinic_logo"),
    path("clinic/api-tokens/", views_api_tokens.api_tokens, name="api_tokens"),
    path(
        "clinic/api-tokens/<uuid:token_uuid>/revoke/",
        views_api_tokens.api_token_revoke_view,
        name="api_token_revoke",
    ),
    path("clinic/sign-in-cards/", views.signin_card, name="clinic_signin_card"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/<uuid:membership_uuid>/", views.staff_update, name="staff_update"),
    path("staff/<uuid:membership_uuid>/confirm/", views.staff_confirm, name="staff_confirm"),
    path(
        "staff/invitations/<uuid:invitation_uuid>/cancel/",
        views.staff_invitation_cancel_view,
        name="staff_invitation_cancel",
    ),
    path("clinics/", views.clinic_choose, name="clinic_choose"),
    path("clinics/switch/", views.clinic_switch_view, name="clinic_switch"),
]

# The admin site signs in through allauth, so it gets the same lockout and two-factor steps.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", views.home, name="home"),
    path("session/keepalive", views.session_keepalive, name="session_keepalive"),
    path("session/check", views.session_check, name="session_check"),
    path("session/signed-in/", views.session_signed_in, name="session_signed_in"),
    path("healthz", views.healthz, name="healthz"),
    path("healthz/live", views.healthz_live, name="healthz_live"),
    # Before the link's own pattern, which would take "sign-out" for a token.
    path("invite/sign-out/", views_invitations.invitation_sign_out, name="invitation_sign_out"),
    path("invite/<str:token>/", views_invitations.invitation_open, name="invitation_open"),
    path("invite/", views_invitations.invitation_accept, name="invitation_accept"),
    *account_overrides,
    path("accounts/", include("allauth.urls")),
    path("portal/", include(portal)),
    path("", include("patients.urls")),
    path("", include("programs.urls")),
    path("api/v1/", include("clinic.api.urls")),
    path("fhir/R4/", include("clinic.api.fhir_urls")),
    path("admin/", admin.site.urls),
]

handler403 = "clinic.error_pages.permission_denied"
handler404 = "clinic.error_pages.page_not_found"
handler400 = "clinic.error_pages.bad_request"
handler500 = "clinic.error_pages.server_error"
