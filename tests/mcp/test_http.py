"""The real streamable-HTTP server on a free loopback port, over a migrated SQLite file.

Bearer tokens map to tenant scopes; a request without a known token gets 401, a token for
another tenant gets an isError result, a good token gets data. Foreign Host / Origin headers
(DNS rebinding) are refused. The database session is read-only.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from costsight.mcp_server import tool_names as names
from costsight.mcp_server.auth import TokenFileVerifier
from costsight.mcp_server.runtime import build_server_from_settings, serving_http
from costsight.mcp_server.scope import TenantScope
from costsight.settings import Settings
from tests.mcp.helpers import INITIALIZE, MCP_HEADERS, call, call_err

pytestmark = pytest.mark.sqlite

TOKENS = {"tok-a": ["tenant-a"], "tok-b": "tenant-b", "tok-ops": "*"}
WEEK = {"start": "2026-03-04T00:00:00Z", "end": "2026-03-11T00:00:00Z"}


@asynccontextmanager
async def running_server(database_url: str, tokens_file: Path,
                         scope: TenantScope) -> AsyncIterator[str]:
    """Serve on 127.0.0.1 and an OS-chosen port; yields the MCP endpoint URL."""
    settings = Settings(database_url=database_url)
    server = build_server_from_settings(settings, scope=scope,
                                        token_verifier=TokenFileVerifier.from_file(tokens_file))
    async with serving_http(server, startup_timeout=10) as url:
        yield url


@asynccontextmanager
async def client_with(url: str, token: str) -> AsyncIterator[Client]:
    http = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
    async with http, Client(streamable_http_client(url, http_client=http)) as client:
        yield client


async def _post(url: str, headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as http:
        return await http.post(url, json=INITIALIZE, headers={**MCP_HEADERS, **headers})


async def test_http_tokens_scopes_and_rebinding(seeded_sqlite_url: str, tmp_path: Path) -> None:
    tokens_file = tmp_path / "tokens.json"
    tokens_file.write_text(json.dumps(TOKENS))
    async with running_server(seeded_sqlite_url, tokens_file, TenantScope.all()) as url:
        missing = await _post(url, {})
        unknown = await _post(url, {"Authorization": "Bearer tok-nope"})
        assert (missing.status_code, unknown.status_code) == (401, 401)
        assert missing.headers["www-authenticate"].startswith("Bearer")

        foreign_host = await _post(url, {"Authorization": "Bearer tok-a",
                                         "Host": "evil.example:80"})
        foreign_origin = await _post(url, {"Authorization": "Bearer tok-a",
                                           "Origin": "http://evil.example"})
        assert (foreign_host.status_code, foreign_origin.status_code) == (421, 403)

        async with client_with(url, "tok-b") as client:
            text = await call_err(client, names.GET_COST_STATISTICS, tenant_id="tenant-a",
                                  **WEEK)
            assert "tenant_id 'tenant-a' is outside" in text and "tenant-b" in text
            own = await call(client, names.GET_COST_STATISTICS, **WEEK)
            assert own["totals"]["spend_cents"] == 999

        async with client_with(url, "tok-a") as client:
            out = await call(client, names.GET_COST_STATISTICS, **WEEK)
            assert out["totals"]["spend_cents"] == 11.75
            budgets = await call(client, names.GET_BUDGET_STATUS)
            assert len(budgets["budgets"]) == 3
            leader = await call(client, names.GET_LEADER_STATUS)
            assert leader["backend"] == "sqlite"

        async with client_with(url, "tok-ops") as client:
            text = await call_err(client, names.GET_COST_STATISTICS, **WEEK)
            assert "'tenant_id'" in text and "every tenant" in text
            other = await call(client, names.GET_COST_STATISTICS, tenant_id="tenant-b", **WEEK)
            assert other["totals"]["spend_cents"] == 999


async def test_server_scope_narrows_every_token(seeded_sqlite_url: str,
                                                tmp_path: Path) -> None:
    tokens_file = tmp_path / "tokens.json"
    tokens_file.write_text(json.dumps(TOKENS))
    async with running_server(seeded_sqlite_url, tokens_file,
                              TenantScope.of(["tenant-a"])) as url:
        async with client_with(url, "tok-ops") as client:
            out = await call(client, names.GET_COST_STATISTICS, **WEEK)
            assert out["totals"]["spend_cents"] == 11.75
            text = await call_err(client, names.GET_COST_STATISTICS, tenant_id="tenant-b",
                                  **WEEK)
            assert "outside" in text
        async with client_with(url, "tok-b") as client:
            text = await call_err(client, names.GET_COST_STATISTICS, **WEEK)
            assert "no tenant is inside" in text


@pytest.mark.parametrize(("content", "message"), [
    ("not json", "is not JSON"),
    ("[]", "non-empty JSON object"),
    ('{"tok": 5}', "not a tenant scope"),
    ('{" ": "*"}', "empty token"),
])
def test_bad_token_files_are_refused(tmp_path: Path, content: str, message: str) -> None:
    from costsight.core.errors import ValidationError

    path = tmp_path / "tokens.json"
    path.write_text(content)
    with pytest.raises(ValidationError, match=message):
        TokenFileVerifier.from_file(path)


async def test_token_verifier_maps_tokens_to_scopes() -> None:
    verifier = TokenFileVerifier({"t1": TenantScope.of(["a", "b"]), "t2": TenantScope.all()})
    one = await verifier.verify_token("t1")
    two = await verifier.verify_token("t2")
    assert one is not None and one.scopes == ["a", "b"] and "t1" not in one.client_id
    assert two is not None and two.scopes == ["*"]
    assert await verifier.verify_token("t3") is None
    assert await verifier.verify_token("") is None


def test_http_needs_a_tokens_file() -> None:
    from costsight.core.errors import ValidationError
    from costsight.mcp_server.runtime import verifier_from_settings

    with pytest.raises(ValidationError, match="COSTSIGHT_MCP_TOKENS_FILE"):
        verifier_from_settings(Settings(database_url="memory://"), None)

