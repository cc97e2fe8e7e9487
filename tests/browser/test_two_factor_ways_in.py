"""Each way in, in a real browser, for a staff member with two-factor on: every one stops
at the code prompt, and only the code lets them through."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from tests.browser.conftest import screenshot
from tests.browser.test_onboarding import sign_in
from tests.conftest import actor_of, run_tasks
from tests.factories import PASSWORD
from tests.signin import current_code, enrol, login_code_from_outbox

pytestmark = pytest.mark.browser

PROMPT = re.compile(r".*/accounts/2fa/authenticate/$")


def answer_the_prompt(page, secret: str, name: str) -> None:
    page.wait_for_url(PROMPT)
    screenshot(page, f"two-factor-{name}")
    assert "/portal/" not in page.url
    page.get_by_label("Code").fill(current_code(secret))
    page.get_by_role("button", name=re.compile("Sign In|Sign in|Continue", re.I)).click()


def test_password(live_server, new_page, clinician_a):
    secret = enrol(clinician_a)
    page = new_page()
    sign_in(page, live_server.url, clinician_a.email, PASSWORD)
    answer_the_prompt(page, secret, "password")
    page.wait_for_url(re.compile(r".*/portal/$"))


def test_emailed_code(live_server, new_page, clinician_a):
    secret = enrol(clinician_a)
    page = new_page(360, 740)
    page.goto(live_server.url + "/accounts/login/code/")
    page.get_by_label("Email").fill(clinician_a.email)
    page.get_by_role("button", name=re.compile("code", re.I)).click()
    page.get_by_label("Code").wait_for()
    page.get_by_label("Code").fill(login_code_from_outbox())
    page.get_by_role("button", name=re.compile("Sign In|Sign in|Confirm", re.I)).click()
    answer_the_prompt(page, secret, "code")
    page.wait_for_url(re.compile(r".*/portal/$"))


def test_invitation_for_an_existing_login(live_server, new_page, settings, admin_a, clinician_b):
    from clinic.services import staff_invite

    settings.SITE_URL = live_server.url
    secret = enrol(clinician_b)
    staff_invite(actor=actor_of(admin_a), email=clinician_b.email, full_name="B", role="clinician")
    run_tasks()  # the worker sends the invitation
    link = re.search(r"http\S+/invite/\S+/", mail.outbox[-1].body).group(0)
    page = new_page()
    page.goto(link)
    page.get_by_role("heading", name="Sign in to accept").wait_for()
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Email").fill(clinician_b.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    answer_the_prompt(page, secret, "invitation")
    page.get_by_role("heading", name="Accept the invitation?").wait_for()
    page.get_by_role("button", name="Accept").click()
    page.wait_for_url(re.compile(r".*/portal/$"))
    assert "Clinic A" in page.content()


def test_password_reset(live_server, new_page, settings, clinician_a):
    secret = enrol(clinician_a)
    page = new_page()
    page.goto(live_server.url + "/accounts/password/reset/")
    page.get_by_label("Email").fill(clinician_a.email)
    page.get_by_role("button", name="E-mail me a link").click()
    page.wait_for_url(re.compile(r".*/password/reset/done/$"))
    link = re.search(r"http\S+/accounts/password/reset/key/\S+/", mail.outbox[-1].body).group(0)
    page.goto(
        link.replace("http://testserver", live_server.url).replace(
            re.match(r"https?://[^/]+", link).group(0), live_server.url
        )
    )
    new = "a fresh spring meadow walk"
    page.get_by_label("New Password", exact=False).first.fill(new)
    page.get_by_label(re.compile("again", re.I)).fill(new)
    page.get_by_role("button", name=re.compile("Change|Set|Save", re.I)).click()
    page.wait_for_url(re.compile(r".*/password/reset/key/done/$"))
    sign_in(page, live_server.url, clinician_a.email, new)
    answer_the_prompt(page, secret, "reset")
    page.wait_for_url(re.compile(r".*/portal/$"))
