"""The real server's lifespan: the application built from settings, read-only, on SQL backends."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from mcp import Client

from costsight.core.errors import SchemaOutOfDate, ValidationError
from costsight.mcp_server import tool_names as names
from costsight.mcp_server.runtime import (
    build_server_from_settings,
    settings_lifespan,
    transport_security,
)
from costsight.mcp_server.scope import TenantScope
from costsight.mcp_server.server import new_server
from costsight.settings import Settings
from tests.contract.builders import cost
from tests.mcp.helpers import call
from tests.mcp.seed import seed_metering

WEEK = {"start": "2026-03-04T00:00:00Z", "end": "2026-03-11T00:00:00Z"}


async def _seed(url: str) -> None:
    from costsight.bootstrap import open_storage

    storage = await open_storage(url)
    try:
        await seed_metering(storage)
    finally:
        await storage.aclose()


async def test_the_lifespan_opens_a_read_only_database(sql_url: str) -> None:
    lifespan = settings_lifespan(Settings(database_url=sql_url), TenantScope.of(["tenant-a"]))
    async with lifespan(new_server(lifespan)) as state:
        assert state.app.storage.backend in {"sqlite", "postgresql"}
        assert state.scope == TenantScope.of(["tenant-a"])
        with pytest.raises(Exception, match="(?i)read.?only"):
            async with state.app.storage.unit_of_work() as uow:
                await uow.costs.record_costs([cost()])
                await uow.commit()


async def test_tools_over_a_settings_built_server(sql_url: str) -> None:
    await _seed(sql_url)
    server = build_server_from_settings(Settings(database_url=sql_url),
                                        scope=TenantScope.of(["tenant-a"]))
    async with Client(server, raise_exceptions=True) as client:
        stats: Any = await call(client, names.GET_COST_STATISTICS, **WEEK)
        preview = await call(client, names.PREVIEW_ANOMALIES, as_of="2026-03-10T12:00:00Z")
        breakdown = await call(client, names.GET_COST_BREAKDOWN, dimension="worker", **WEEK)
        leader = await call(client, names.GET_LEADER_STATUS)
    assert stats["totals"]["spend_cents"] == 11.75
    assert ("BUDGET_EXCEEDED", "u1", "daily") in {
        (a["anomaly_type"], a["entity_id"], a["period"]) for a in preview["items"]}
    assert [(r["key"], r["spend_cents"]) for r in breakdown["rows"]] == [
        ("unknown", 10.25), ("worker-a", 1.5)]
    assert not any(lock["held"] for lock in leader["locks"])


@pytest.mark.sqlite
async def test_the_lifespan_never_creates_a_schema(tmp_path: Any) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    lifespan = settings_lifespan(Settings(database_url=url), TenantScope.all())
    # A missing file is a wrong path: named as such, and not created (mode=ro).
    with pytest.raises(ValidationError, match="costsight migrate"):
        async with lifespan(new_server(lifespan)):
            pass
    # An existing but empty file has no schema: refused, never migrated.
    sqlite3.connect(tmp_path / "empty.db").close()
    with pytest.raises(SchemaOutOfDate, match="costsight migrate"):
        async with lifespan(new_server(lifespan)):
            pass


def test_rebinding_protection_allows_only_our_names() -> None:
    loopback = transport_security("127.0.0.1")
    assert loopback.enable_dns_rebinding_protection
    assert "127.0.0.1:*" in loopback.allowed_hosts and "[::1]:*" in loopback.allowed_hosts
    assert "http://localhost:*" in loopback.allowed_origins
    public = transport_security("10.0.0.5", ("costsight.internal",))
    assert {"10.0.0.5:*", "costsight.internal:*"} <= set(public.allowed_hosts)
