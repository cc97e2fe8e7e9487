"""A form sent twice is saved once, on every form-handling POST endpoint the fuzzer knows.

A double click on "Save", a page open in two tabs, a form sent again after a lost answer:
the browser sends exactly the same submission, hidden `once` token included (clinic/once.py
puts one on every form page that creates, sends or changes something). For each endpoint,
a valid submission that its persona is allowed to make is sent; once one is accepted, the
same submission is sent again and must:

- add no row to any application table (the fuzzer's snapshot: audit events, sessions
  and sign-in counters may change). An edit saved again with the same values may rewrite
  its rows; a second record, e-mail, token, invitation or job is what must not happen;
- answer like a working page: below 400, no error message, and a redirect where the first
  was one (not the form shown again, as the builder's "changed while you were editing").
  The person is told it was saved once, not that the page does not exist or that their
  own save was a colleague's.

A new endpoint in tests/fuzz/endpoints.py is checked here too, so a form that writes
without going through clinic/once.py fails this test. SENT_TWICE_EXEMPT lists the few
whose second sending is meant to act again, each with why.
"""

from __future__ import annotations

import pytest
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz.endpoints import ENDPOINTS
from tests.fuzz.posting import client_with, describe, opened, post, session_of
from tests.fuzz.snapshot import snapshot, snapshot_diff

# The token a page's form would carry; any fixed value serves, both sendings share it.
TOKEN = "sent-twice-0123456789abcdefghij"
# Valid submissions tried per endpoint until one is accepted (the rest are skipped). Some
# endpoints accept few of the fuzzer's valid shapes: the session edit only the world's own
# session token with at least one exercise ticked.
TRIES = 200

SENT_TWICE_EXEMPT = {
    "caseload_search": "a search: it writes nothing, and a second search searches again",
    "account_login": "signing in again signs in again (sessions only)",
    "password_reset": "asking again for a reset link sends another (allauth, rate-limited)",
    "clinic_signin": "asking again for a sign-in link sends another (rate-limited)",
}

# Submissions whose second sending is meant to act again (not tried here), and why.
ACTS_AGAIN = {
    # A printed sheet sent twice shows the second sheet, whose link is the one that works
    # ("a new sheet replaces the last sheet"); the first was never shown.
    "patient_invitation": lambda data: data.get("delivery") == "print",
}


def _errors(response) -> list[str]:
    request = getattr(response, "wsgi_request", None)
    if request is None or not hasattr(request, "_messages"):
        return []
    return [str(m) for m in get_messages(request) if m.level == message_levels.ERROR]


def sent_twice(name: str, w: dict) -> str | None:
    """None once an accepted submission was sent again and saved nothing more; else what
    went wrong ("never accepted" if no valid submission got through)."""
    endpoint = ENDPOINTS[name]
    session_cookie = session_of(w["users"][endpoint.persona])
    urls, valid = endpoint.build(w)
    found: list[str] = []

    @settings(
        max_examples=TRIES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(url=urls, data=valid, urlencoded=st.booleans())
    def send_twice(url: str, data: dict, urlencoded: bool) -> None:
        if found or ACTS_AGAIN.get(name, lambda _data: False)(data):
            return
        data = {**data, "once": TOKEN}
        client = client_with(session_cookie)
        with transaction.atomic():
            try:
                url = opened(endpoint, client, url)
                first = post(client, url, data, urlencoded)
                if not endpoint.success(first):
                    return
                before = snapshot()
                second = post(client, url, data, urlencoded)
                after = snapshot()
                added = {t: len(after[t]) - len(before[t]) for t in before}
                added = {t: n for t, n in added.items() if n > 0}
                refused = (
                    second.status_code >= 400
                    or _errors(second)
                    or (first.status_code == 302 and second.status_code != 302)
                )
                if added or refused:
                    found.append(
                        f"the second sending {'added rows' if added else 'was refused'}: "
                        f"{added} {_errors(second)}\n{snapshot_diff(before, after)}\n"
                        + describe(name, url, data, second)
                    )
                else:
                    found.append("")
            finally:
                transaction.set_rollback(True)

    send_twice()
    if not found:
        return "never accepted"
    return found[0] or None


@pytest.mark.parametrize("name", [n for n in ENDPOINTS if n not in SENT_TWICE_EXEMPT])
def test_a_submission_sent_twice_is_saved_once(world, db, name):
    endpoint = ENDPOINTS[name]
    with transaction.atomic():
        if endpoint.setup is not None:
            endpoint.setup(world)
        problem = sent_twice(name, world)
        transaction.set_rollback(True)
    assert problem is None, f"{name}: {problem}"


def test_every_exempt_endpoint_exists():
    assert set(SENT_TWICE_EXEMPT) | set(ACTS_AGAIN) <= set(ENDPOINTS)
