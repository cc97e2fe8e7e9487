"""Django's PostgreSQL backend, within the running request's database deadline
(clinic/deadline.py).

A connection opened near the deadline waits for the server's greeting no longer than the
time left (libpq waits at least 2 s), not DB_CONNECT_TIMEOUT. Past the deadline none is
opened: the deadline cut the wait of a server that did not answer, and Django, finding the
kept connection unusable, would otherwise open another to the same server and wait again.
"""

from __future__ import annotations

import math

from django.db.backends.postgresql import base

from clinic import deadline


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict:
        params = super().get_connection_params()
        left = deadline.seconds_left()
        if left is None:
            return params
        if left <= 0:
            raise deadline.NoAnswerInTime(
                "The database gave no answer in time: not connecting again."
            )
        if "connect_timeout" in params:
            params["connect_timeout"] = max(2, min(int(params["connect_timeout"]), math.ceil(left)))
        return params
