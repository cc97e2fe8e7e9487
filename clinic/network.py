"""The client's address, read the same way by the lockout, the rate limits and the audit log.

Behind a reverse proxy every request comes from the proxy's address; the client's is in
X-Forwarded-For, which each proxy appends to. Only the entries added by proxies we trust
can be believed (anything left of them was sent by the client), so the address is the
TRUSTED_PROXY_COUNT-th entry from the right. Without trusted proxies the header is
ignored: anyone can send one.

Limits and lockouts count an IPv6 client by its /64 (`limit_address`): one subscriber or
server is given a whole /64, so each address in it was a fresh start (found by an attack
review: six addresses of one /64 made thirty failures). The audit log keeps the address.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    remote = _valid(request.META.get("REMOTE_ADDR"))
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    if len(hops) < count:
        # Not through all our proxies (a direct hit, or a health check): the peer is the client.
        return remote
    return _valid(hops[-count]) or remote


# The prefix one IPv6 subscriber (or one server) is given: counted as one client.
IPV6_CLIENT_PREFIX = 64


def limit_address(request: HttpRequest | None) -> str | None:
    """The client as limits and lockouts count it: its IPv4 address, or its IPv6 /64 (as
    that network's first address, which is a valid address for the tables that keep it)."""
    ip = client_ip(request)
    if ip is None:
        return None
    address = ipaddress.ip_address(ip)
    if isinstance(address, ipaddress.IPv4Address):
        return ip
    if address.ipv4_mapped:
        return str(address.ipv4_mapped)
    network = ipaddress.ip_network(f"{ip}/{IPV6_CLIENT_PREFIX}", strict=False)
    return str(network.network_address)
