"""HTTP auth for real deployments: OAuth protected-resource metadata (RFC 9728) next to the
static tokens file, and a 401 that tells the client where to find it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from costsight.core.errors import ValidationError
from costsight.mcp_server.auth import TokenFileVerifier, resource_auth
from costsight.mcp_server.runtime import build_server_from_settings, serving_http
from costsight.mcp_server.scope import TenantScope
from costsight.settings import Settings
from tests.mcp.helpers import INITIALIZE, MCP_HEADERS

pytestmark = pytest.mark.sqlite

PUBLIC = "https://mcp.example.com/mcp"
AS = "https://login.example.com/realms/costsight"


@asynccontextmanager
async def running(database_url: str, tmp_path: Path, **settings: str) -> AsyncIterator[str]:
    tokens = tmp_path / "tokens.json"
    tokens.write_text(json.dumps({"tok-a": ["tenant-a"]}))
    server = build_server_from_settings(Settings(database_url=database_url, **settings),  # type: ignore[arg-type]
                                        scope=TenantScope.all(),
                                        token_verifier=TokenFileVerifier.from_file(tokens))
    async with serving_http(server, startup_timeout=10) as url:
        yield url.removesuffix("/mcp")


async def test_metadata_is_served_and_named_by_every_401(seeded_sqlite_url: str,
                                                         tmp_path: Path) -> None:
    async with running(seeded_sqlite_url, tmp_path, mcp_public_url=PUBLIC,
                       mcp_authorization_server=AS) as base, httpx.AsyncClient(timeout=10) as http:
        root = await http.get(f"{base}/.well-known/oauth-protected-resource")
        suffixed = await http.get(f"{base}/.well-known/oauth-protected-resource/mcp")
        anonymous = await http.post(f"{base}/mcp", json=INITIALIZE, headers=MCP_HEADERS)
        wrong = await http.post(f"{base}/mcp", json=INITIALIZE,
                                headers={**MCP_HEADERS, "Authorization": "Bearer nope"})
        good = await http.post(f"{base}/mcp", json=INITIALIZE,
                               headers={**MCP_HEADERS, "Authorization": "Bearer tok-a"})
    for response in (root, suffixed):
        assert response.status_code == 200
        doc = response.json()
        assert doc["resource"] == PUBLIC
        assert doc["authorization_servers"] == [AS]
        assert doc["bearer_methods_supported"] == ["header"]
    for response in (anonymous, wrong):
        assert response.status_code == 401
        challenge = response.headers["www-authenticate"]
        assert challenge.startswith("Bearer ")
        assert ('resource_metadata="https://mcp.example.com/.well-known/'
                'oauth-protected-resource/mcp"') in challenge
    assert good.status_code == 200  # the static tokens file still admits its tokens


async def test_without_a_public_url_the_resource_is_the_loopback_endpoint(
        seeded_sqlite_url: str, tmp_path: Path) -> None:
    async with running(seeded_sqlite_url, tmp_path) as base, \
            httpx.AsyncClient(timeout=10) as http:
        doc = (await http.get(f"{base}/.well-known/oauth-protected-resource")).json()
    assert doc["resource"] == "http://127.0.0.1:8765/mcp"
    assert doc["authorization_servers"] == ["http://127.0.0.1:8765"]


def test_a_public_url_that_is_not_http_is_refused_by_name() -> None:
    with pytest.raises(ValidationError) as caught:
        resource_auth("mcp.example.com/mcp")
    assert caught.value.field == "COSTSIGHT_MCP_PUBLIC_URL"
    with pytest.raises(ValidationError) as caught:
        resource_auth(PUBLIC, "login.example.com")
    assert caught.value.field == "COSTSIGHT_MCP_AUTHORIZATION_SERVER"
