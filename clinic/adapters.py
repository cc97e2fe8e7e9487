from __future__ import annotations

import base64
import hashlib

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from cryptography.fernet import Fernet
from django.conf import settings
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Nobody signs themselves up: clinics invite their staff and patients.
        return False


class MFAAdapter(DefaultMFAAdapter):
    """TOTP secrets are stored encrypted: a raw database dump does not reveal them."""

    def _fernet(self) -> Fernet:
        key = settings.MFA_ENCRYPTION_KEY
        if not key:
            # Local runs only (settings refuse to start without a key when DEBUG is off).
            digest = hashlib.sha256(f"limber-mfa:{settings.SECRET_KEY}".encode()).digest()
            key = base64.urlsafe_b64encode(digest).decode()
        return Fernet(key)

    def encrypt(self, text: str) -> str:
        return self._fernet().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        return self._fernet().decrypt(encrypted_text.encode()).decode()
