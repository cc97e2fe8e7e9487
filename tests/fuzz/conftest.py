"""The fuzzer's world: built once per module on the permission matrix's personas, and
rolled back to after every test."""

from __future__ import annotations

import pytest

from tests.conftest import kept_for_the_module, new_world
from tests.fuzz.world_data import fuzz_world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with kept_for_the_module(django_db_blocker):
        yield fuzz_world(new_world())
