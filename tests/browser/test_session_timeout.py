from __future__ import annotations

import pytest

from tests.browser.test_onboarding import sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_a_minute_before_the_idle_limit_the_page_warns_and_can_stay_signed_in(
    live_server, new_page, settings, clinician_a
):
    settings.IDLE_TIMEOUT_STAFF = 62  # so the warning, a minute before, comes after 2 s
    page = new_page()
    sign_in(page, live_server.url, clinician_a.email, PASSWORD)
    dialog = page.get_by_role("dialog", name="Still there?")
    dialog.wait_for(timeout=8000)
    assert "signed out in" in dialog.inner_text()
    with page.expect_response(lambda r: r.url.endswith("/session/keepalive")) as reply:
        page.get_by_role("button", name="Stay signed in").click()
    assert reply.value.status == 204
    dialog.wait_for(state="hidden")
    assert page.url.endswith("/portal/")
