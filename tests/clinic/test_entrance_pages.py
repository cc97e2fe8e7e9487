"""The pages of the ways in that allauth draws, in our own words (templates/account/): where
each link goes, a way back to sign in, and nothing that tells who has an account."""

from __future__ import annotations

from django.core import mail
from django.test import Client

from tests.signin import link_from_outbox


def _text(response) -> str:
    return response.content.decode()


def test_a_password_reset_walks_through_our_pages(clinician_a):
    client = Client()
    asked = client.get("/accounts/password/reset/")
    assert "We will e-mail you a link to choose a new password." in _text(asked)
    assert 'href="/accounts/login/"' in _text(asked)
    sent = client.post("/accounts/password/reset/", {"email": clinician_a.email}, follow=True)
    assert "Check your e-mail" in _text(sent)
    form_page = client.get(link_from_outbox("/accounts/password/reset/key/"), follow=True)
    assert "Choose a new password" in _text(form_page)
    new = "a fresh spring meadow walk"
    done = client.post(
        form_page.request["PATH_INFO"], {"password1": new, "password2": new}, follow=True
    )
    assert "Password changed" in _text(done) and "Sign in with your new password." in _text(done)


def test_an_unknown_address_gets_the_same_page_as_a_known_one(db):
    """The page tells no one whether an account uses the address (the e-mail goes to the
    address either way, and says so)."""
    page = _text(
        Client().post("/accounts/password/reset/", {"email": "x@example.test"}, follow=True)
    )
    assert "If an account uses that address" in page
    assert "x@example.test" not in page
    assert len(mail.outbox) == 1


def test_a_used_or_made_up_link_offers_a_new_one(db):
    page = Client().get("/accounts/password/reset/key/1-made-up/", follow=True)
    text = _text(page)
    assert "This link does not work any more" in text
    assert 'href="/accounts/password/reset/"' in text


def test_the_code_page_says_what_comes_and_offers_the_password_way(db):
    text = _text(Client().get("/accounts/login/code/"))
    assert "We will e-mail you a short code" in text
    assert 'href="/accounts/login/"' in text
