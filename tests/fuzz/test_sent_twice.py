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

The token is the one the page shows: each example first GETs the endpoint's form page
(Endpoint.form_page: the URL itself, or the chart, list or Today page its button is on)
and reads the `once` input of the forms there that post to the endpoint (or the key of
its own a page is saved once by, OWN_KEY), so a template that forgets `{% once_field %}`
fails here, as a double click on it would save twice.

A new endpoint in tests/fuzz/endpoints.py is checked here too, so a form that writes
without going through clinic/once.py fails this test. SENT_TWICE_EXEMPT lists the few
whose second sending is meant to act again, each with why.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.db import transaction
from django.test import Client
from hypothesis import Phase, find, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from tests.fuzz.endpoints import CODES, ENDPOINTS, Endpoint
from tests.fuzz.form_page import forms_posting_to
from tests.fuzz.posting import client_with, describe, opened, post, session_of
from tests.fuzz.snapshot import snapshot, snapshot_diff

# Valid submissions tried per endpoint until one is accepted (then it stops). Some
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


# Endpoints whose pages send no `once` token, and why that is right: the view reads none,
# as a second sending sets the same state again (still checked here: no row added, a
# working page). The check fails once such a page does carry a token, so that this list
# does not go stale.
_SETS_A_STATE = "sets a state: sent again, it sets the same state (the view reads no token)"
_EDIT_PAGE = (
    "an edit page: sent again, it saves the same values again, and one reopened with Back "
    "and changed must be saved, not dropped as a resend (programs/forms.py ExerciseForm)"
)
NO_TOKEN_ON_PAGE: dict[str, str] = {
    "patient_edit": _EDIT_PAGE,
    "clinic_settings": _EDIT_PAGE,
    "exercise_edit": _EDIT_PAGE,
    "intake": _EDIT_PAGE,
    "patient_archive": _SETS_A_STATE,
    "patient_restore": _SETS_A_STATE,
    "program_status": _SETS_A_STATE,
    "flag_review": _SETS_A_STATE + " (reviewed: 'That flag was already reviewed.')",
    "patient_morning": "one morning check a day: sent again, it records the same answers",
}

# Pages saved once by a key of their own instead of `once`, read from the page the same
# way: the session form's client_token (the offline queue's key too; on the edit page it
# names the session changed) and the questionnaire's assignment (answered once).
OWN_KEY: dict[str, str] = {
    "patient_log": "client_token",
    "patient_log_edit": "client_token",
    **{f"patient_questionnaire_{code}": "assignment" for code in CODES},
}


def _errors(response) -> list[str]:
    request = getattr(response, "wsgi_request", None)
    if request is None or not hasattr(request, "_messages"):
        return []
    return [str(m) for m in get_messages(request) if m.level == message_levels.ERROR]


def form_page(endpoint: Endpoint, w: dict, url: str) -> str:
    """The page a person GETs to see the form that posts to `url`."""
    return endpoint.form_page(w, url) if endpoint.form_page is not None else url


@dataclass(frozen=True)
class TokensShown:
    """What a form page shows for one endpoint: the token (`key`'s value) of each of its
    forms that post there ("" for a form without one); none at all when it shows no such
    form (an archived patient's chart has no "Archive"), or answered other than 200."""

    page: str
    status: int
    key: str
    tokens: tuple[str, ...]

    @property
    def without_token(self) -> int:
        return sum(1 for token in self.tokens if not token)


def tokens_shown(client: Client, page: str, url: str, key: str) -> TokensShown:
    response = client.get(page)
    if response.status_code != 200 or response.streaming:
        return TokensShown(page, response.status_code, key, ())
    html = response.content.decode(response.charset or "utf-8", "replace")
    forms, nested = forms_posting_to(html, page, url)
    assert not nested, f"{page} has a <form> inside another form"
    return TokensShown(page, 200, key, tuple(form.first(key) for form in forms))


def token_problem(name: str, url: str, shown: TokensShown) -> str:
    """Why the page's token cannot be what the browser sends twice ("" if it can)."""
    if name in NO_TOKEN_ON_PAGE:
        if shown.without_token < len(shown.tokens):
            return (
                f"{shown.page} now gives a `once` token to its form posting to {url}: "
                f"remove {name!r} from NO_TOKEN_ON_PAGE"
            )
        return ""
    if shown.without_token:
        how = "its own key"
        if shown.key == "once":
            how = "{% once_field %} or the form's `once` field"
        return (
            f"{shown.page} shows {shown.without_token} of its {len(shown.tokens)} forms "
            f"posting to {url} without a `{shown.key}` input ({how}): sent twice from "
            "there, it would be saved twice"
        )
    return ""


def sent_twice(name: str, w: dict) -> str | None:
    """None once an accepted submission was sent again and saved nothing more; else what
    went wrong ("never accepted" if no valid submission got through)."""
    endpoint = ENDPOINTS[name]
    session_cookie = session_of(w["users"][endpoint.persona])
    urls, valid = endpoint.build(w)
    found: list[str] = []
    # Pages that showed no form posting to the drawn URL, for the message if none did.
    no_form: set[str] = set()

    def sent_and_judged(example: tuple[str, dict, bool]) -> bool:
        """Whether this submission was accepted, and so its second sending judged (into
        `found`). Hypothesis asks again about the example it stops at: answered from
        `found`, not by posting it a third time."""
        if found:
            return True
        url, data, urlencoded = example
        if ACTS_AGAIN.get(name, lambda _data: False)(data):
            return False
        client = client_with(session_cookie)
        with transaction.atomic():
            try:
                url = opened(endpoint, client, url)
                key = OWN_KEY.get(name, "once")
                shown = tokens_shown(client, form_page(endpoint, w, url), url, key)
                if not shown.tokens:
                    no_form.add(f"GET {shown.page} -> {shown.status}, posting to {url}")
                    return False
                if problem := token_problem(name, url, shown):
                    found.append(problem)
                    return True
                # The page's token replaces whatever the generator drew for its key.
                data = {k: v for k, v in data.items() if k != key}
                if shown.tokens[0]:
                    data[key] = shown.tokens[0]
                first = post(client, url, data, urlencoded)
                if not endpoint.success(first):
                    return False
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
                return True
            finally:
                transaction.set_rollback(True)

    # find() stops at the first accepted submission. A @given test would draw all TRIES
    # examples even after it, which was two thirds of this file's time.
    try:
        find(
            st.tuples(urls, valid, st.booleans()),
            sent_and_judged,
            settings=settings(
                max_examples=TRIES,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.generate],
            ),
        )
    except NoSuchExample:
        if no_form:
            return "never accepted; no form posting there was shown on: " + "; ".join(
                sorted(no_form)[:5]
            )
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
    named = set(SENT_TWICE_EXEMPT) | set(ACTS_AGAIN) | set(NO_TOKEN_ON_PAGE) | set(OWN_KEY)
    assert named <= set(ENDPOINTS)
    assert not set(SENT_TWICE_EXEMPT) & set(NO_TOKEN_ON_PAGE)
    assert not set(NO_TOKEN_ON_PAGE) & set(OWN_KEY)
