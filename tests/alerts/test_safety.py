"""The SSRF guard: https only, no private/loopback/link-local address, judged on the address
the host resolves to, not only on the URL's text."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from costsight.core.domain.alerts import UnsafeDestination, check_url_text
from costsight.core.services import alert_safety
from costsight.core.services.alert_safety import check_destination


@pytest.mark.parametrize("url", [
    "http://hooks.example.com/x", "ftp://hooks.example.com/x", "https:///nohost",
    "https://user:pw@hooks.example.com/x", "https://localhost/x", "https://a.localhost/x",
    "https://127.0.0.1/x", "https://10.1.2.3/x", "https://192.168.0.1/x",
    "https://169.254.169.254/latest/meta-data", "https://[::1]/x", "https://[fe80::1]/x",
    "https://[::ffff:10.0.0.1]/x", "https://0.0.0.0/x", "https://172.16.0.1/x",
])
def test_textually_unsafe_urls_are_refused(url: str) -> None:
    with pytest.raises(UnsafeDestination):
        check_url_text(url, allow_private=False)


def test_public_https_urls_pass_and_the_switch_allows_loopback_http() -> None:
    assert check_url_text("https://hooks.slack.com/services/T/B/x", allow_private=False)
    assert check_url_text("http://127.0.0.1:8080/h", allow_private=True)
    with pytest.raises(UnsafeDestination):
        check_url_text("ftp://127.0.0.1/h", allow_private=True)


def _resolving_to(address: str) -> Any:
    async def fake(host: str, port: int, **kwargs: Any) -> list[Any]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
    return fake


@pytest.mark.anyio
@pytest.mark.parametrize("address", ["10.0.0.5", "127.0.0.1", "169.254.169.254", "::1"])
async def test_a_name_resolving_to_an_internal_address_is_refused(
        monkeypatch: pytest.MonkeyPatch, address: str) -> None:
    monkeypatch.setattr(alert_safety.anyio, "getaddrinfo", _resolving_to(address))
    with pytest.raises(UnsafeDestination, match="resolves to"):
        await check_destination("https://hooks.example.com/x", allow_private=False)


@pytest.mark.anyio
async def test_a_name_resolving_to_a_public_address_passes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(alert_safety.anyio, "getaddrinfo", _resolving_to("93.184.216.34"))
    await check_destination("https://hooks.example.com/x", allow_private=False)
