"""The streamable-HTTP transport as shipped (``costsight serve`` in its own process, on
Postgres): it listens on loopback only; no token or an unknown token gets 401; a token for
tenant A asking any tool about tenant B gets an error; foreign Host and Origin headers are
refused (DNS-rebinding protection).
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from costsight.mcp_server import tool_names as names
from tests.mcp.helpers import INITIALIZE, MCP_HEADERS, call, call_err
from tests.mcp.seed import seed_database
from tests.reliability.http_server import client_with, listening_addresses, serving

pytestmark = pytest.mark.postgres

WEEK = {"start": "2026-03-04T00:00:00Z", "end": "2026-03-11T00:00:00Z"}
REQUIRED_ARGS = {
    names.GET_COST_BREAKDOWN: {"dimension": "model"},
    names.LIST_DIMENSION_VALUES: {"dimension": "model"},
    names.GET_ANOMALY: {"anomaly_id": "ca_0000000000000000"},
}
TENANT_TOOLS = [n for n in names.ALL_TOOLS
                if n not in (names.GET_LEADER_STATUS, names.LIST_TENANTS)]


@pytest.fixture
async def seeded_url(postgres_url: str) -> str:
    return await seed_database(postgres_url)


async def _post(url: str, **headers: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as http:
        return await http.post(url, json=INITIALIZE, headers={**MCP_HEADERS, **headers})


async def test_tokens_scopes_and_rebinding_on_the_shipped_server(seeded_url: str,
                                                                 tmp_path: Path) -> None:
    async with serving(seeded_url, tmp_path) as url:
        port = int(url.split(":")[2].split("/")[0])
        assert listening_addresses(port) == {"127.0.0.1"}

        missing = await _post(url)
        unknown = await _post(url, Authorization="Bearer tok-nope")
        malformed = await _post(url, Authorization="tok-a")
        assert [r.status_code for r in (missing, unknown, malformed)] == [401, 401, 401]
        assert missing.headers["www-authenticate"].startswith("Bearer")

        rebinding_host = await _post(url, Authorization="Bearer tok-a", Host="evil.example")
        rebinding_origin = await _post(url, Authorization="Bearer tok-a",
                                       Origin="http://evil.example")
        assert (rebinding_host.status_code, rebinding_origin.status_code) == (421, 403)
        own_origin = await _post(url, Authorization="Bearer tok-a",
                                 Origin=url.rsplit("/", 1)[0])
        assert own_origin.status_code == 200

        async with client_with(url, "tok-a") as client:
            for name in TENANT_TOOLS:
                text = await call_err(client, name, tenant_id="tenant-b",
                                      **REQUIRED_ARGS.get(name, {}))
                assert "tenant_id 'tenant-b' is outside" in text, (name, text)
            own = await call(client, names.GET_COST_STATISTICS, **WEEK)
            assert own["totals"]["spend_cents"] == 11.75
        async with client_with(url, "tok-b") as client:
            own = await call(client, names.GET_COST_STATISTICS, **WEEK)
            assert own["totals"]["spend_cents"] == 999
            text = await call_err(client, names.GET_BUDGET_STATUS, tenant_id="tenant-a")
            assert "outside" in text


async def test_a_server_scoped_to_one_tenant_refuses_even_the_operator_token(
        seeded_url: str, tmp_path: Path) -> None:
    async with serving(seeded_url, tmp_path, "--tenant", "tenant-b") as url:
        async with client_with(url, "tok-ops") as client:
            own = await call(client, names.GET_COST_STATISTICS, **WEEK)
            assert own["totals"]["spend_cents"] == 999
            text = await call_err(client, names.GET_COST_STATISTICS, tenant_id="tenant-a",
                                  **WEEK)
            assert "outside" in text
        async with client_with(url, "tok-a") as client:
            text = await call_err(client, names.GET_COST_STATISTICS, **WEEK)
            assert "no tenant is inside" in text
