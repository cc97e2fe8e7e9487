"""The client's address behind a reverse proxy: one setting, read the same way by the
lockout (django-axes), allauth's rate limits and the audit log."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user
from django.test import Client, RequestFactory

from clinic.models import AuditEvent
from clinic.network import client_ip
from tests.factories import PASSWORD
from tests.signin import sign_in

PROXY = "10.0.0.2"


def through_proxy(client: Client, email: str, password: str, client_address: str):
    """A sign-in as it reaches us through one proxy: the peer is the proxy, and the proxy
    appended the real client to X-Forwarded-For."""
    return sign_in(client, email, password, ip=PROXY, HTTP_X_FORWARDED_FOR=client_address)


@pytest.fixture
def one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1


def test_forty_correct_sign_ins_from_forty_clients_behind_the_proxy_all_get_in(
    one_proxy, clinician_a
):
    """Attack (before): every request showed the proxy's address, so 30 correct sign-ins a
    minute (allauth's per-address limit) locked the whole clinic out."""
    admitted = 0
    for n in range(40):
        client = Client()
        response = through_proxy(client, clinician_a.email, PASSWORD, f"203.0.113.{n + 1}")
        admitted += response.status_code == 302 and get_user(client) == clinician_a
    assert admitted == 40


def test_without_the_setting_the_proxy_address_is_everyone_and_the_limit_bites(clinician_a):
    """The same traffic with TRUSTED_PROXY_COUNT unset: all 40 look like one address."""
    statuses = [
        through_proxy(Client(), clinician_a.email, PASSWORD, f"203.0.113.{n + 1}").status_code
        for n in range(40)
    ]
    assert 429 in statuses


def test_the_lockout_keys_on_the_real_client_behind_the_proxy(one_proxy, clinician_a):
    for n in range(5):
        through_proxy(Client(), clinician_a.email, f"wrong {n}", "203.0.113.66")
    locked = through_proxy(Client(), clinician_a.email, PASSWORD, "203.0.113.66")
    assert locked.status_code == 429
    # The same account from another client behind the same proxy is not locked out.
    other = Client()
    assert through_proxy(other, clinician_a.email, PASSWORD, "203.0.113.67").status_code == 302
    assert get_user(other) == clinician_a
    events = AuditEvent.objects.filter(action="login.failed")
    assert {event.ip_address for event in events} == {"203.0.113.66"}


def test_a_client_cannot_choose_its_own_address(one_proxy):
    """Only the entry our proxy appended counts; what the client sent is ignored."""
    request = RequestFactory().get(
        "/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9"
    )
    assert client_ip(request) == "203.0.113.9"


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.4", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(request) == "198.51.100.4"


def test_a_direct_hit_or_a_malformed_header_falls_back_to_the_peer(one_proxy, settings):
    direct = RequestFactory().get("/", REMOTE_ADDR="198.51.100.4")
    assert client_ip(direct) == "198.51.100.4"
    junk = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="not-an-address")
    assert client_ip(junk) == PROXY
    settings.TRUSTED_PROXY_COUNT = 2
    two = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.3", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9, 10.0.0.2"
    )
    assert client_ip(two) == "203.0.113.9"


def test_the_audit_log_records_the_real_client(one_proxy, as_clinician_a, patient_a1):
    as_clinician_a.get(
        f"/portal/patients/{patient_a1.uuid}/",
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="203.0.113.50",
    )
    event = AuditEvent.objects.get(action="patient.view")
    assert event.ip_address == "203.0.113.50"


def test_behind_a_tls_proxy_with_no_trusted_proxy_the_deploy_check_warns(settings, clinician_a):
    """Review "seams" 4: BEHIND_TLS_PROXY on (a proxy is in front) with TRUSTED_PROXY_COUNT
    left at 0 makes every client the proxy: five wrong passwords from a stranger lock the
    owner out (shown first), and `check --deploy` said nothing about it."""
    from clinic.checks import limber_security_checks

    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(5):
        through_proxy(Client(), clinician_a.email, f"guess {n}", "203.0.113.9")
    assert through_proxy(Client(), clinician_a.email, PASSWORD, "198.51.100.50").status_code == 429

    warned = [p for p in limber_security_checks(None) if p.id == "limber.W007"]
    assert len(warned) == 1
    assert "TRUSTED_PROXY_COUNT" in warned[0].msg and "lock the account out" in warned[0].msg
    settings.TRUSTED_PROXY_COUNT = 1
    assert "limber.W007" not in {p.id for p in limber_security_checks(None)}
    settings.SECURE_PROXY_SSL_HEADER = None
    settings.TRUSTED_PROXY_COUNT = 0  # reached directly: nothing to trust
    assert "limber.W007" not in {p.id for p in limber_security_checks(None)}


def test_an_ipv6_client_is_counted_by_its_64_for_lockouts(one_proxy, clinician_a):
    """Found by an attack review: each address of one /64 (a single subscriber's, or a
    single server's) was a fresh start, so one machine made failures without end. The
    audit log keeps each address as it was."""
    for n in range(1, 6):
        through_proxy(Client(), clinician_a.email, f"wrong {n}", f"2001:db8:dead:beef::{n}")
    locked = through_proxy(Client(), clinician_a.email, PASSWORD, "2001:db8:dead:beef::99")
    assert locked.status_code == 429
    # Another /64, and the same account, gets in.
    other = Client()
    through_proxy(other, clinician_a.email, PASSWORD, "2001:db8:dead:f00d::1")
    assert get_user(other) == clinician_a
    seen = set(
        AuditEvent.objects.filter(action="login.failed").values_list("ip_address", flat=True)
    )
    assert "2001:db8:dead:beef::3" in seen


def test_the_limit_address_of_each_kind_of_client():
    from clinic.network import limit_address

    request = RequestFactory().get("/")
    for given, counted in [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:dead:beef:1:2:3:4", "2001:db8:dead:beef::"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
    ]:
        request.META["REMOTE_ADDR"] = given
        assert limit_address(request) == counted
