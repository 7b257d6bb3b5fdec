"""The SSRF guard: a destination is called only if every address its host resolves to is
public (unless the development switch allows private addresses)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import anyio

from costsight.core.domain.alerts import UnsafeDestination, check_url_text, is_public_address


class DestinationUnresolved(UnsafeDestination):
    """The host did not resolve (perhaps for now): a delivery retries, adding a route
    accepts it (every delivery checks again)."""


async def check_destination(url: str, *, allow_private: bool) -> None:
    """``UnsafeDestination`` unless ``url`` passes the textual checks and its host resolves
    only to public addresses. Called before every delivery, so a name re-pointed at an
    internal address after the route was added is refused too."""
    check_url_text(url, allow_private=allow_private)
    if allow_private:
        return
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise DestinationUnresolved(f"host {host!r} does not resolve: {exc}") from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if not is_public_address(address):
            raise UnsafeDestination(f"host {host!r} resolves to {address}, a private, "
                                    "loopback or link-local address")
