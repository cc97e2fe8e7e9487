"""The caseload's search term, a patient's name, stays out of every URL: the form is
posted and the term kept in the searcher's session (patients/caseload_search.py)."""

from __future__ import annotations

import re
from html import unescape

from django.contrib.sessions.backends.db import SessionStore

from patients.caseload_search import KEPT, SESSION_KEY, recall, remember
from patients.views.records import CASELOAD_PAGE_SIZE
from tests.conftest import caseload_search, client_for, make_patient


def links(body: str) -> list[str]:
    return [unescape(href) for href in re.findall(r'(?:href|action)="([^"]*)"', body)]


def test_the_term_is_in_no_url_and_the_page_shows_what_was_found(
    as_clinician_a, patient_a1, patient_a2
):
    response = as_clinician_a.post("/portal/", {"q": "Okafor", "sort": "activity"})
    assert response.status_code == 302
    url = response["Location"]
    assert "okafor" not in url.lower()
    assert "sort=activity" in url and "search=" in url
    body = as_clinician_a.get(url).content.decode()
    assert "Okafor" in body and "Nguyen" not in body
    # The box still holds the term, and the search form is posted, never sent as a link.
    assert 'name="q" value="Okafor"' in body
    assert re.search(r'<form method="post"[^>]*role="search"', body)
    assert not [link for link in links(body) if "okafor" in link.lower()]


def test_a_term_typed_into_the_url_is_not_a_search(as_clinician_a, patient_a1, patient_a2):
    body = as_clinician_a.get("/portal/?q=Okafor").content.decode()
    assert "Okafor" in body and "Nguyen" in body
    assert 'name="q" value=""' in body


def test_a_search_link_is_of_no_use_to_anyone_else(as_clinician_a, admin_a, patient_a1, patient_a2):
    url = caseload_search(as_clinician_a, "Okafor", sort="activity")
    response = client_for(admin_a).get(url, follow=True)
    # Sent back to the same list without the search, and told why.
    assert response.redirect_chain == [("/portal/?sort=activity", 302)]
    body = response.content.decode()
    assert "That search has ended. Search again." in body
    assert 'name="q" value=""' in body and "Nguyen" in body


def test_a_search_ends_when_its_session_does(client, clinician_a, patient_a1, patient_a2):
    client.force_login(clinician_a)
    url = caseload_search(client, "Okafor")
    client.logout()
    client.force_login(clinician_a)
    body = client.get(url, follow=True).content.decode()
    assert "That search has ended" in body and "Nguyen" in body


def test_the_next_page_keeps_the_search(as_clinician_a, clinic_a):
    for number in range(CASELOAD_PAGE_SIZE + 2):
        make_patient(clinic_a, "Pat", f"Searchable{number:02}", login=False)
    make_patient(clinic_a, "Pat", "Elsewhere", login=False)
    first = as_clinician_a.get(caseload_search(as_clinician_a, "searchable")).content.decode()
    assert f"{CASELOAD_PAGE_SIZE + 2} patients" in first
    (next_page,) = [link for link in links(first) if "page=2" in link]
    second = as_clinician_a.get("/portal/" + next_page).content.decode()
    assert "Searchable26" in second and "Elsewhere" not in second
    assert 'name="q" value="searchable"' in second


def test_a_session_keeps_only_its_last_few_searches():
    session = SessionStore()
    keys = [remember(session, f"term {number}") for number in range(KEPT + 1)]
    assert recall(session, keys[0]) is None
    assert recall(session, keys[-1]) == f"term {KEPT}"
    assert len(session[SESSION_KEY]) == KEPT
    assert recall(session, "made-up") is None


def test_a_search_too_long_is_refused_and_nothing_is_kept(as_clinician_a, patient_a1):
    response = as_clinician_a.post("/portal/", {"q": "x" * 101}, follow=True)
    assert response.redirect_chain == [("/portal/", 302)]
    assert "That search could not be used" in response.content.decode()
    assert SESSION_KEY not in as_clinician_a.session
