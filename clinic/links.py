"""Absolute links for e-mails, printed sheets and QR codes: one base address, from settings.

Links leave the request that made them (a printed handout, an e-mail sent later by a
worker), so they cannot be built from the request's Host header.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse


def absolute_url(viewname: str, *args: Any) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(viewname, args=args)
