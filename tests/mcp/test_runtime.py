"""The real server's lifespan: the application is built from settings, read-only."""

from __future__ import annotations

import pytest

from adapters.settings import Settings
from core.errors import SchemaOutOfDate
from mcp_server.runtime import settings_lifespan, transport_security
from mcp_server.scope import TenantScope
from tests.contract.builders import cost

pytestmark = pytest.mark.sqlite


async def test_the_lifespan_opens_a_read_only_database(sqlite_url: str) -> None:
    lifespan = settings_lifespan(Settings(database_url=sqlite_url), TenantScope.of(["tenant-a"]))
    async with lifespan(None) as state:  # type: ignore[arg-type]
        assert state.app.storage.backend == "sqlite"
        assert state.scope == TenantScope.of(["tenant-a"])
        with pytest.raises(Exception, match="(?i)read.?only|readonly"):
            async with state.app.storage.unit_of_work() as uow:
                await uow.costs.record_costs([cost()])
                await uow.commit()


async def test_the_lifespan_never_creates_a_schema(tmp_path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    lifespan = settings_lifespan(Settings(database_url=url), TenantScope.all())
    with pytest.raises(SchemaOutOfDate, match="costsight migrate"):
        async with lifespan(None):  # type: ignore[arg-type]
            pass


def test_rebinding_protection_allows_only_our_names() -> None:
    loopback = transport_security("127.0.0.1")
    assert loopback.enable_dns_rebinding_protection
    assert "127.0.0.1:*" in loopback.allowed_hosts and "[::1]:*" in loopback.allowed_hosts
    assert "http://localhost:*" in loopback.allowed_origins
    public = transport_security("10.0.0.5", ("costsight.internal",))
    assert {"10.0.0.5:*", "costsight.internal:*"} <= set(public.allowed_hosts)
