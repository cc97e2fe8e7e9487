"""Per-clinic API tokens: made on the admin page or by the command, shown once, stored
hashed, scoped by capability, expiring, revocable, rate limited, every call audited."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from clinic.api.tokens import TokenError, api_token_create
from clinic.models import ApiToken, AuditEvent, Membership
from tests.conftest import actor_of, api_client, api_token_for, client_for, make_staff
from tests.factories import FlagFactory


def test_a_token_is_stored_only_as_its_hash(clinic_a, admin_a):
    token, raw = api_token_create(
        actor=actor_of(admin_a), clinic=clinic_a, name="EHR", scope=["patients.view"]
    )
    assert raw.startswith("lmb_") and len(raw) > 40
    row = ApiToken.objects.values().get(pk=token.pk)
    assert raw not in str(row)
    assert row["token_hash"] == hashlib.sha256(raw.encode()).hexdigest()
    assert row["created_by_id"] == admin_a.pk
    assert row["scope"] == ["patients.view"]


def test_it_refuses_a_scope_outside_the_capability_table(clinic_a, admin_a):
    with pytest.raises(TokenError):
        api_token_create(actor=actor_of(admin_a), clinic=clinic_a, name="x", scope=["root"])
    with pytest.raises(TokenError):
        api_token_create(actor=actor_of(admin_a), clinic=clinic_a, name="x", scope=[])


def test_the_command_prints_a_working_token(clinic_a, patient_a1):
    out = StringIO()
    call_command(
        "api_token", "create", "--clinic", "clinic a", "--scope",
        "patients.view,clinical.view", "--name", "Nightly sync", stdout=out,
    )  # fmt: skip
    raw = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert token.scope == ["patients.view", "clinical.view"] and token.created_by is None
    assert api_client(raw).get("/api/v1/patients/").json()["count"] == 1
    out = StringIO()
    call_command(
        "api_token", "create", "--clinic", str(clinic_a.uuid), "--scope", "library.view",
        "--name", "By id", stdout=out,
    )  # fmt: skip
    assert ApiToken.objects.count() == 2


def test_the_command_refuses_unknown_clinics_and_capabilities(clinic_a):
    with pytest.raises(CommandError):
        call_command("api_token", "create", "--clinic", "Nowhere", "--scope", "patients.view",
                     "--name", "x")  # fmt: skip
    with pytest.raises(CommandError):
        call_command("api_token", "create", "--clinic", "Clinic A", "--scope", "everything",
                     "--name", "x")  # fmt: skip
    assert ApiToken.objects.count() == 0


def test_revoked_expired_and_unknown_tokens_are_refused(clinic_a, patient_a1):
    raw = api_token_for(clinic_a, ["patients.view"])
    assert api_client(raw).get("/api/v1/patients/").status_code == 200
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api_client(raw).get("/api/v1/patients/").status_code == 401
    ApiToken.objects.update(
        expires_at=timezone.now() + timedelta(days=1), revoked_at=timezone.now()
    )
    assert api_client(raw).get("/api/v1/patients/").status_code == 401
    response = api_client("lmb_" + "x" * 43).get("/api/v1/patients/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["error"]["code"] == "authentication_failed"


def test_a_stopped_token_still_being_tried_is_in_the_clinics_audit_log(
    settings, clinic_a, clinic_b, admin_a, patient_a1
):
    """Found by the attack review: a revoked token's calls were refused with nothing
    written, so a clinic could not see that a leaked token was still being tried. Once a
    minute per token, with the caller's address (behind the trusted proxy)."""
    settings.TRUSTED_PROXY_COUNT = 1
    raw = api_token_for(clinic_a, ["patients.view"], by=admin_a)
    token = ApiToken.objects.get()
    ApiToken.objects.update(revoked_at=timezone.now())
    tried = Client(headers={"Authorization": f"Bearer {raw}"}, HTTP_X_FORWARDED_FOR="203.0.113.9")
    for _ in range(3):
        assert tried.get(f"/api/v1/patients/{patient_a1.uuid}/").status_code == 401
    (event,) = AuditEvent.objects.filter(action="api.refused")
    assert (event.clinic, event.api_token, event.outcome) == (clinic_a, token, "denied")
    assert event.ip_address == "203.0.113.9" and event.patient_uuid is None
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        assert tried.get("/api/v1/patients/").status_code == 401
    assert AuditEvent.objects.filter(action="api.refused").count() == 2
    # A value that was never a token names no clinic: nothing to write.
    assert api_client("lmb_" + "x" * 43).get("/api/v1/patients/").status_code == 401
    assert AuditEvent.objects.filter(action="api.refused").count() == 2


def test_the_scheme_is_read_whatever_its_case(clinic_a, patient_a1):
    """RFC 9110 makes the scheme's name case-insensitive; some clients send "bearer"."""
    raw = api_token_for(clinic_a, ["patients.view"])
    for scheme in ("bearer", "BEARER"):
        sent = Client(headers={"Authorization": f"{scheme} {raw}"})
        assert sent.get("/api/v1/patients/").status_code == 200
    assert (
        Client(headers={"Authorization": f"Token {raw}"}).get("/api/v1/patients/").status_code
        == 401
    )


def test_a_session_is_not_a_token(as_admin_a, patient_a1):
    """A signed-in portal session gets nothing from the API: tokens only."""
    assert as_admin_a.get("/api/v1/patients/").status_code == 401


def test_each_token_has_its_own_rate_limit(settings, clinic_a, patient_a1):
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    busy = api_client(api_token_for(clinic_a, ["patients.view"]))
    other = api_client(api_token_for(clinic_a, ["patients.view"]))
    assert [busy.get("/api/v1/patients/").status_code for _ in range(4)] == [200, 200, 200, 429]
    refused = busy.get("/api/v1/patients/")
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert refused.json()["error"]["code"] == "throttled"
    assert other.get("/api/v1/patients/").status_code == 200
    # The pause is audited once, not once per refused call.
    assert AuditEvent.objects.filter(action="api.throttled").count() == 1
    # A minute later the token may call again.
    ApiToken.objects.update(window_started_at=timezone.now() - timedelta(seconds=61))
    assert busy.get("/api/v1/patients/").status_code == 200


def test_every_call_is_audited_with_the_token_and_the_admin_who_made_it(
    clinic_a, admin_a, patient_a1
):
    raw = api_token_for(clinic_a, ["patients.view"], by=admin_a)
    token = ApiToken.objects.get()
    api_client(raw).get(f"/api/v1/patients/{patient_a1.uuid}/")
    event = AuditEvent.objects.filter(action="patient.view").get()
    assert event.api_token_id == token.pk and event.actor_id == admin_a.pk
    assert event.actor_role == "api" and event.patient_uuid == patient_a1.uuid
    assert event.clinic_id == clinic_a.pk


def test_another_clinics_token_gets_404_and_is_audited(clinic_b, patient_a1):
    raw = api_token_for(clinic_b, "all")
    response = api_client(raw).get(f"/api/v1/patients/{patient_a1.uuid}/")
    assert response.status_code == 404
    assert "Okafor" not in response.content.decode()
    event = AuditEvent.objects.get(action="access.denied")
    assert event.clinic_id == clinic_b.pk and event.api_token_id is not None


def test_admin_page_shows_a_new_token_once(as_admin_a, clinic_a, patient_a1):
    expires = (date.today() + timedelta(days=30)).isoformat()
    response = as_admin_a.post(
        "/portal/clinic/api-tokens/",
        {"name": "Dashboard", "scope": ["patients.view", "clinical.view"], "expires_on": expires},
    )
    assert response.status_code == 200
    raw = response.context["new_token"]
    assert raw in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get()
    assert token.scope == ["patients.view", "clinical.view"]
    assert token.expires_at.date() >= date.today() + timedelta(days=29)
    # Listed afterwards by name and prefix only.
    page = as_admin_a.get("/portal/clinic/api-tokens/").content.decode()
    assert "Dashboard" in page and token.prefix in page and raw not in page
    assert api_client(raw).get("/api/v1/patients/").status_code == 200


def test_admin_page_refuses_a_past_expiry_and_unknown_capabilities(as_admin_a):
    response = as_admin_a.post(
        "/portal/clinic/api-tokens/",
        {"name": "x", "scope": ["root"], "expires_on": date.today().isoformat()},
    )
    assert response.status_code == 200 and response.context["new_token"] is None
    assert set(response.context["form"].errors) == {"scope", "expires_on"}
    assert ApiToken.objects.count() == 0


def test_revoking_asks_first_then_the_token_stops_working(as_admin_a, clinic_a, admin_a):
    raw = api_token_for(clinic_a, ["library.view"], by=admin_a)
    token = ApiToken.objects.get()
    url = f"/portal/clinic/api-tokens/{token.uuid}/revoke/"
    asked = as_admin_a.post(url)
    assert asked.status_code == 200 and "Revoke the token" in asked.content.decode()
    assert api_client(raw).get("/api/v1/library/").status_code == 200
    assert as_admin_a.post(url, {"confirm": "1"}).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == admin_a
    assert api_client(raw).get("/api/v1/library/").status_code == 401
    assert AuditEvent.objects.filter(action="api_token.revoke").count() == 1


def test_a_token_stops_when_its_maker_leaves_and_works_again_if_they_return(
    clinic_a, admin_a, patient_a1
):
    """The admin who made a token saw its secret. Deactivated on the Staff page (the way a
    clinic lets someone go), their portal session is refused; the token they may have
    copied must be too."""
    other_admin = make_staff(clinic_a, "admin2.a@example.test", Membership.Role.ADMIN)
    raw = api_token_for(clinic_a, ["patients.view"], by=admin_a)
    url = f"/api/v1/patients/{patient_a1.uuid}/"
    assert api_client(raw).get(url).status_code == 200
    membership = Membership.objects.get(user=admin_a, clinic=clinic_a)
    staff_page = f"/portal/staff/{membership.uuid}/"
    as_other = client_for(other_admin)
    assert as_other.post(staff_page, {"action": "deactivate", "confirm": "1"}).status_code == 302
    assert api_client(raw).get(url).status_code == 401
    page = as_other.get("/portal/clinic/api-tokens/").content.decode()
    assert "Stopped" in page and "no longer administers this clinic" in page
    as_other.post(staff_page, {"action": "reactivate"})
    assert api_client(raw).get(url).status_code == 200


@pytest.mark.parametrize("how", ["account deactivated", "no longer an admin"])
def test_a_token_stops_when_its_maker_may_no_longer_make_one(clinic_a, admin_a, patient_a1, how):
    raw = api_token_for(clinic_a, ["patients.view"], by=admin_a)
    if how == "account deactivated":
        type(admin_a).objects.filter(pk=admin_a.pk).update(is_active=False)
    else:
        Membership.objects.filter(user=admin_a).update(role=Membership.Role.CLINICIAN)
    assert api_client(raw).get(f"/api/v1/patients/{patient_a1.uuid}/").status_code == 401


def test_a_token_made_by_the_command_belongs_to_no_one_and_keeps_working(clinic_a, patient_a1):
    raw = api_token_for(clinic_a, ["patients.view"])
    assert api_client(raw).get(f"/api/v1/patients/{patient_a1.uuid}/").status_code == 200


def test_another_clinics_admin_cannot_revoke(clinic_a, clinic_b, admin_a):
    from clinic.models import Membership
    from tests.conftest import make_staff

    other_admin = make_staff(clinic_b, "admin.b@example.test", Membership.Role.ADMIN)
    api_token_for(clinic_a, ["library.view"], by=admin_a)
    token = ApiToken.objects.get()
    response = client_for(other_admin).post(
        f"/portal/clinic/api-tokens/{token.uuid}/revoke/", {"confirm": "1"}
    )
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


# --- A write answers with what it wrote: it needs the capability to see that too ---------


def test_a_token_that_may_change_patients_but_not_see_them_reads_nothing_through_a_change(
    clinic_a, patient_a1
):
    """An empty PATCH changes nothing and would answer with the whole record."""
    api = api_client(api_token_for(clinic_a, ["patients.edit"]))
    response = api.patch(
        f"/api/v1/patients/{patient_a1.uuid}/", {}, content_type="application/json"
    )
    assert response.status_code == 403
    body = response.content.decode()
    assert patient_a1.last_name not in body and patient_a1.email not in body
    assert "patients.view" in response.json()["error"]["message"]


def test_a_token_that_may_record_but_not_see_the_record_cannot_resolve_a_flag(clinic_a, patient_a1):
    flag = FlagFactory(patient=patient_a1, reason="Pain 9 of 10 on Monday", raised_on=date.today())
    api = api_client(api_token_for(clinic_a, ["clinical.record"]))
    response = api.post(f"/api/v1/patients/{patient_a1.uuid}/flags/{flag.uuid}/resolve/")
    assert response.status_code == 403
    assert "Pain 9" not in response.content.decode()


def test_an_endpoint_that_writes_must_say_what_its_answers_show():
    from clinic.api.framework import ClinicApiView

    class Careless(ClinicApiView):
        capabilities = {"GET": "patients.view", "POST": "patients.edit"}

    with pytest.raises(ValueError, match="shows"):
        Careless.as_view()

    class Careful(Careless):
        shows = "patients.view"

    assert Careful.as_view().api_capabilities == {
        "GET": ("patients.view",),
        "POST": ("patients.edit", "patients.view"),
    }


def test_accounts_are_never_deleted_in_the_django_admin(db, admin_a):
    """A deleted maker would leave their tokens looking like the command's (no maker)."""
    from clinic.models import User

    root = User.objects.create_superuser("root@example.test", "the root's own passphrase")
    response = client_for(root).post(f"/admin/clinic/user/{admin_a.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert User.objects.filter(pk=admin_a.pk).exists()
