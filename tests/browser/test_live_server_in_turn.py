"""The live server's requests on the in-memory SQLite take turns (tests/browser/conftest.py).

Two requests at once broke each other there (on one shared connection, or on the shared
cache that never waits), and a browser test failed on CI for it. Here a signed-in
clinician's pages are asked for from four threads at once, as tabs would; every answer
must be the page."""

from __future__ import annotations

import http.client
import threading
from urllib.parse import urlsplit

from django.conf import settings
from django.test import Client


def test_two_tabs_at_once_both_get_their_page(live_server, clinician_a):
    client = Client()
    client.force_login(clinician_a)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    statuses: list[int] = []
    start = threading.Barrier(4)

    def tab() -> None:
        start.wait()
        address = urlsplit(live_server.url)
        for _ in range(40):
            connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
            connection.request("GET", "/portal/", headers={"Cookie": cookie})
            statuses.append(connection.getresponse().status)
            connection.close()

    tabs = [threading.Thread(target=tab) for _ in range(4)]
    for thread in tabs:
        thread.start()
    for thread in tabs:
        thread.join(timeout=120)
    assert statuses == [200] * 160
