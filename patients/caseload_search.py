"""The caseload's search term, kept out of the URL.

A search is a patient's name or e-mail address: in the address bar it would stay in the
browser's history, in bookmarks and in any proxy's access log (the security rules: no
patient data in URLs). So the search form is posted; the term is kept in the staff
member's own session under a random key, and the page's URL (and its sort and page links)
carry only that key. Another person, or the same person after signing out, gets "search
again" from the same link.
"""

from __future__ import annotations

import secrets

from django.contrib.sessions.backends.base import SessionBase

SESSION_KEY = "caseload_searches"
# A handful is enough for the back button and a few open tabs; the oldest goes first.
KEPT = 10


def remember(session: SessionBase, term: str) -> str:
    """The key under which `term` is kept for this session."""
    searches = dict(session.get(SESSION_KEY, {}))
    key = secrets.token_urlsafe(9)
    searches[key] = term
    session[SESSION_KEY] = dict(list(searches.items())[-KEPT:])
    return key


def recall(session: SessionBase, key: str) -> str | None:
    """The term kept under `key`, or None when this session has no such search."""
    return session.get(SESSION_KEY, {}).get(key)
