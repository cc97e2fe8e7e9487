"""A marker for the translation catalogue, for the modules that hold clinical text as
plain Python data and do not import Django (programs/safety.py, clinic/emergency.py)."""

from __future__ import annotations


def gettext_noop(text: str) -> str:
    """Marks `text` for the catalogue (`manage.py makemessages` finds it by this name):
    the text stays English here, and the templates translate it when they show it
    ({% translate sign %})."""
    return text
