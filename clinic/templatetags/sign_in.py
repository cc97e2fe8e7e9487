"""Figures the sign-in pages state, from the settings that decide them."""

from __future__ import annotations

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def login_code_minutes() -> int:
    """How long an e-mailed sign-in code works, in whole minutes."""
    return settings.ACCOUNT_LOGIN_BY_CODE_TIMEOUT // 60
