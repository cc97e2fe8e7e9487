"""Redis as a cache that is allowed to fail.

Nothing Limber needs to be correct lives in the cache: sessions, sign-in lockouts and
two-factor counters are in the database. The cache only speeds things up (printed
drawings) and holds allauth's e-mail rate limits. So a stopped or hung Redis must cost
at most its timeout (about a second) and then answer as if the key were missing; it must
never turn a page into a 500 or hang a web worker.

While Redis is failing, allauth's rate limits for e-mailed codes and password resets are
open (they would otherwise refuse everyone); the database-kept limits still apply.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger("limber.cache")

# How often a failing Redis is reported in the log (once, not once per request).
REPORT_EVERY = 60.0
# After a failure, calls skip Redis for this long instead of paying the timeout again on
# every request of every page.
BACKOFF = 5.0


class ResilientRedisCache(RedisCache):
    _down_until = 0.0
    _reported_at = 0.0

    def _failed(self, error: Exception) -> None:
        now = time.monotonic()
        type(self)._down_until = now + BACKOFF
        if now - type(self)._reported_at > REPORT_EVERY:
            type(self)._reported_at = now
            logger.warning("Cache unavailable (%s); carrying on without it.", type(error).__name__)

    def _call(self, method: str, fallback: Any, *args: Any, **kwargs: Any) -> Any:
        if time.monotonic() < self._down_until:
            return fallback
        try:
            return getattr(super(), method)(*args, **kwargs)
        except (RedisError, OSError) as error:
            self._failed(error)
            return fallback

    @property
    def available(self) -> bool:
        """For the health check: can Redis be reached right now? Within the backoff it is
        not asked again: /healthz needs no sign-in, and each call waiting out a hung
        Redis held a web worker for the whole timeout."""
        if time.monotonic() < self._down_until:
            return False
        try:
            return bool(self._cache.get_client(write=False).ping())
        except (RedisError, OSError) as error:
            self._failed(error)
            return False

    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default=default, version=version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, keys, version=version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version=version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", None, key, value, timeout=timeout, version=version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", list(data), data, timeout=timeout, version=version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        # "Added": a lock that cannot be taken would otherwise refuse every caller.
        return self._call("add", True, key, value, timeout=timeout, version=version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, key, timeout=timeout, version=version)

    def delete(self, key, version=None):
        return self._call("delete", False, key, version=version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, keys, version=version)

    def incr(self, key, delta=1, version=None):
        # A missing key is what incr() reports with ValueError; a failing Redis looks alike.
        result = self._call("incr", None, key, delta=delta, version=version)
        if result is None:
            raise ValueError(f"Key {key!r} not found (cache unavailable).")
        return result

    def clear(self):
        return self._call("clear", False)
