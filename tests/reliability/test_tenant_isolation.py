"""Tenant isolation under randomised data (hypothesis): for every tenant, every port read and
every MCP tool returns that tenant's data only, with the values computed from its own data;
a server scoped to one tenant refuses every other tenant on every tool.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from costsight.bootstrap import open_storage
from costsight.core.application import Application
from costsight.core.domain.anomalies import AnomalyFilter
from costsight.core.domain.audit import AuditFilter
from costsight.core.domain.provenance import ProvenanceFilter
from costsight.core.domain.statistics import Dimension
from costsight.core.timeutil import FixedClock
from costsight.mcp_server import tool_names as names
from costsight.mcp_server.scope import TenantScope
from tests.backends import BACKENDS
from tests.contract.builders import T0, window
from tests.contract.seed import snapshot
from tests.contract.test_tenant_isolation import tenant_ids
from tests.mcp.helpers import call, call_err, connect
from tests.reliability.fleets import START, TenantData, fleets, seed

WINDOW = {"start": "2026-03-09T00:00:00Z", "end": "2026-03-11T00:00:00Z"}
TWO_DAYS = window(START, START.replace(day=11))
TENANT_TOOLS = [n for n in names.ALL_TOOLS
                if n not in (names.GET_LEADER_STATUS, names.LIST_TENANTS)]
REQUIRED_ARGS: dict[str, dict[str, Any]] = {
    names.GET_COST_BREAKDOWN: {"dimension": "user", "top_n": 50},
    names.LIST_DIMENSION_VALUES: {"dimension": "user"},
    names.GET_ANOMALY: {"anomaly_id": "ca_0000000000000000"},
}
WINDOWED = {names.GET_USAGE_STATISTICS, names.GET_COST_STATISTICS, names.GET_COST_BREAKDOWN}
EXAMPLES = settings(max_examples=8, deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@pytest.fixture(params=BACKENDS)
def backend_url(request: pytest.FixtureRequest) -> str:
    if request.param == "memory":
        return "memory://"
    return request.getfixturevalue(f"{request.param}_url")


async def _fresh_storage(url: str) -> Any:
    if not url.startswith("memory://"):
        from costsight.adapters.sql.storage import truncate_all

        await truncate_all(url)
    return await open_storage(url)


async def _check_ports(storage: Any, data: TenantData) -> None:
    t = data.tenant
    async with storage.unit_of_work() as uow:
        seen = await snapshot(uow, t)
        by_user = await uow.analytics.cost_breakdown(t, TWO_DAYS, Dimension.USER)
        users = await uow.analytics.dimension_values(t, Dimension.USER, None, 50, None)
        tags = await uow.costs.list_feature_tags(t)
        anomalies = await uow.anomaly_records.list_anomalies(t, AnomalyFilter(), limit=50)
        provenance = await uow.provenance.count(t, ProvenanceFilter())
        audits = await uow.audit.list_records(t, AuditFilter(), limit=50)
        known = await uow.analytics.known_tenants()
    assert tenant_ids(seen) <= {t}
    assert {r.key: r.spend_cents for r in by_user} == data.spend_by_user()
    assert users.items == sorted(data.spend_by_user())
    assert sorted(tag.tag for tag in tags) == sorted(data.tags)
    assert sorted(a.id for a in anomalies.items) == sorted(data.anomaly_ids)
    assert provenance == len(data.hashes)
    assert sorted(r.audit_id for r in audits.items) == data.audit_ids()
    assert t in known


async def _check_tools(app: Application, data: TenantData, others: list[TenantData]) -> None:
    t = data.tenant
    async with connect(app, TenantScope.all()) as client:
        for name in TENANT_TOOLS:
            args = {**REQUIRED_ARGS.get(name, {}), "tenant_id": t}
            if name in WINDOWED:
                args.update(WINDOW)
            if name == names.GET_ANOMALY:
                if not data.anomaly_ids:
                    continue
                args["anomaly_id"] = data.anomaly_ids[0]
            out = await call(client, name, **args)
            assert tenant_ids(out) <= {t}, (name, out)
        stats = await call(client, names.GET_COST_STATISTICS, tenant_id=t, **WINDOW)
        assert Decimal(str(stats["totals"]["spend_cents"])) == data.spend()
        users = await call(client, names.LIST_DIMENSION_VALUES, dimension="user", tenant_id=t)
        assert users["items"] == sorted(data.spend_by_user())
        counted = await call(client, names.COUNT_PROVENANCE, tenant_id=t)
        assert counted["count"] == len(data.hashes)
        audits = await call(client, names.LIST_AUDIT_RECORDS, tenant_id=t)
        assert sorted(r["audit_id"] for r in audits["items"]) == data.audit_ids()
        for other in others:  # another tenant's anomaly is not found under this tenant
            for anomaly_id in other.anomaly_ids:
                text = await call_err(client, names.GET_ANOMALY, anomaly_id=anomaly_id,
                                      tenant_id=t)
                assert "not found" in text


async def _check_scoped_server(app: Application, data: TenantData,
                               others: list[TenantData]) -> None:
    async with connect(app, TenantScope.of([data.tenant])) as client:
        own = await call(client, names.GET_COST_STATISTICS, **WINDOW)
        assert Decimal(str(own["totals"]["spend_cents"])) == data.spend()
        for other in others:
            for name in TENANT_TOOLS:
                args = {**REQUIRED_ARGS.get(name, {}), "tenant_id": other.tenant}
                text = await call_err(client, name, **args)
                assert "outside this server's scope" in text, (name, text)


@given(fleet=fleets())
@EXAMPLES
async def test_every_read_and_tool_sees_only_its_tenant(backend_url: str,
                                                        fleet: list[TenantData]) -> None:
    storage = await _fresh_storage(backend_url)
    try:
        for data in fleet:
            await seed(storage, data)
        app = Application(storage, clock=FixedClock(T0), load_entrypoints=False)
        for data in fleet:
            others = [o for o in fleet if o is not data]
            await _check_ports(storage, data)
            await _check_tools(app, data, others)
        await _check_scoped_server(app, fleet[0], fleet[1:])
    finally:
        await storage.aclose()
