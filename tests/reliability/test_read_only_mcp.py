"""Read-only MCP: the database itself refuses every write attempted through the sessions of
the MCP server (built from settings, as ``costsight serve`` builds it): inserts, updates,
deletes and DDL through its units of work, and its leader-election connections. Postgres
refuses with SQLSTATE 25006 (default_transaction_read_only); SQLite with SQLITE_READONLY
(query_only). The data is unchanged afterwards.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from costsight.adapters.sql.tables import cost_records, worker_runs
from costsight.bootstrap import open_storage
from costsight.core.domain.anomalies import AnomalyStatus
from costsight.core.ports.leader_election import JobLock
from costsight.mcp_server.runtime import build_server_from_settings
from costsight.mcp_server.scope import TenantScope
from costsight.settings import Settings
from tests.contract.builders import (
    T0,
    TENANT,
    audit,
    budget,
    cost,
    feature_tag,
    provenance,
    worker_run,
)
from tests.mcp.seed import seed_findings, seed_metering
from tests.reliability.tables import row_counts

Write = Callable[[Any, dict[str, str]], Awaitable[Any]]

WRITES: list[tuple[str, Write]] = [
    ("insert cost records", lambda uow, ids: uow.costs.record_costs([cost(request_id="ro")])),
    ("insert a worker run", lambda uow, ids: uow.costs.upsert_worker_runs([worker_run(99)])),
    ("insert a feature tag", lambda uow, ids: uow.costs.create_feature_tag(
        feature_tag("ro.tag"))),
    ("update a budget", lambda uow, ids: uow.costs.upsert_budget(
        budget(daily_limit_cents=Decimal("1")))),
    ("update an anomaly", lambda uow, ids: uow.anomaly_records.set_anomaly_status(
        TENANT, ids["spike"], AnomalyStatus.RESOLVED, T0)),
    ("insert provenance", lambda uow, ids: uow.provenance.write(provenance(99))),
    ("raw UPDATE", lambda uow, ids: uow.connection.execute(
        update(worker_runs).values(error="tampered"))),
    ("raw DELETE", lambda uow, ids: uow.connection.execute(delete(cost_records))),
    ("raw DDL", lambda uow, ids: uow.connection.execute(text("CREATE TABLE intruder (x int)"))),
    ("raw DROP", lambda uow, ids: uow.connection.execute(text("DROP TABLE cost_records"))),
]


def _refused_as_read_only(exc: DBAPIError) -> bool:
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig.__cause__, "sqlstate", None)
    return sqlstate == "25006" or getattr(orig, "sqlite_errorname", "") == "SQLITE_READONLY"


@pytest.fixture
async def seeded(sql_url: str) -> tuple[str, dict[str, str]]:
    storage = await open_storage(sql_url)
    try:
        await seed_metering(storage)
        ids = await seed_findings(storage)
    finally:
        await storage.aclose()
    return sql_url, ids


async def test_every_write_through_the_servers_units_of_work_is_refused(
        seeded: tuple[str, dict[str, str]]) -> None:
    url, ids = seeded
    before = await row_counts(url)
    server = build_server_from_settings(Settings(database_url=url), scope=TenantScope.all())
    async with server.settings.lifespan(server) as state:  # the server's own lifespan
        storage = state.app.storage
        for label, write in WRITES:
            with pytest.raises(DBAPIError) as refused:
                async with storage.unit_of_work() as uow:
                    await write(uow, ids)
                    await uow.commit()
            assert _refused_as_read_only(refused.value), (label, refused.value)
        # Audit appends are savepoint-guarded: the refusal comes back as False.
        async with storage.unit_of_work() as uow:
            assert await uow.audit.append(audit("ro-audit")) is False
            await uow.commit()
        async with storage.unit_of_work() as uow:  # reads still work
            assert (await uow.anomaly_records.get_anomaly(TENANT, ids["spike"])).status.value == "open"
    assert await row_counts(url) == before


async def test_the_servers_leader_election_cannot_write_either(
        seeded: tuple[str, dict[str, str]]) -> None:
    """get_leader_status only reads; but the read-only server's leader election must not be
    able to take a job lock (which writes its fencing token) any more than a tool can."""
    url, _ = seeded
    before = await row_counts(url)
    server = build_server_from_settings(Settings(database_url=url), scope=TenantScope.all())
    async with server.settings.lifespan(server) as state:
        leader = state.app.storage.leader
        lease = await leader.try_acquire(JobLock.ALERT_WORKER, timeout=5)
        if lease is not None:
            await leader.release(lease)
    assert lease is None, "a read-only MCP server took a job lock and wrote its fencing token"
    assert await row_counts(url) == before
