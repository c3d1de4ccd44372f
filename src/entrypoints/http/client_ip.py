"""The client's address: the socket peer, or X-Forwarded-For when the peer is a trusted proxy."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from typing import Any

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_proxies(cidrs: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)


def _trusted(address: str, proxies: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in proxies if net.version == ip.version)


def client_ip(scope: Any, proxies: Sequence[Network]) -> str:
    client = scope.get("client")
    peer = client[0] if client else ""
    if not proxies or not _trusted(peer, proxies):
        return peer
    forwarded = b",".join(v for k, v in scope["headers"] if k == b"x-forwarded-for").decode("latin-1")
    # Walk from the right: the first address not belonging to our proxies is the client.
    # Anything further left was written by the client itself and cannot be trusted.
    for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
        if not _trusted(hop, proxies):
            return hop
    return peer
