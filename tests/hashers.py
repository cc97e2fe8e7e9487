"""The password hasher of the test run (tests/conftest.py puts it first)."""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class QuickArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2 at its lowest cost, for the tests only. At Django's cost each hash or check
    takes about 0.1 s here, and every sign-in, wrong password and invitation a test makes
    paid it: minutes of the suite. The algorithm and the code that checks it are the same;
    test_health_and_settings checks the app's own setting, Argon2 at Django's cost."""

    time_cost = 1
    memory_cost = 64
    parallelism = 1
