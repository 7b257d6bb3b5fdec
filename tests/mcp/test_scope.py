"""Tenant scope: the default tenant, refusal outside the scope, several and all tenants."""

from __future__ import annotations

import pytest

from costsight.core.application import Application
from costsight.core.errors import OutOfScope, ValidationError
from costsight.mcp_server import tool_names as names
from costsight.mcp_server.scope import TenantScope
from tests.mcp.helpers import call, call_err, connect

pytestmark = pytest.mark.memory

REQUIRED_ARGS = {
    names.GET_COST_BREAKDOWN: {"dimension": "model"},
    names.LIST_DIMENSION_VALUES: {"dimension": "model"},
    names.GET_ANOMALY: {"anomaly_id": "ca_0000000000000000"},
}
TENANT_TOOLS = [n for n in names.ALL_TOOLS if n not in (names.GET_LEADER_STATUS,
                                                        names.LIST_TENANTS)]
WEEK = {"start": "2026-03-04T00:00:00Z", "end": "2026-03-11T00:00:00Z"}


@pytest.mark.parametrize("name", TENANT_TOOLS)
async def test_every_tool_refuses_a_tenant_outside_the_scope(app: Application, seeded,
                                                             name: str) -> None:
    async with connect(app, TenantScope.of(["tenant-a"])) as client:
        text = await call_err(client, name, tenant_id="tenant-b", **REQUIRED_ARGS.get(name, {}))
    assert "tenant_id 'tenant-b' is outside this server's scope (allowed: tenant-a)" in text


async def test_the_only_tenant_in_scope_is_the_default(app: Application, seeded) -> None:
    async with connect(app, TenantScope.of(["tenant-b"])) as client:
        out = await call(client, names.GET_COST_STATISTICS, **WEEK)
    assert out["totals"]["spend_cents"] == 999


async def test_a_scope_of_several_tenants_answers_for_each(app: Application, seeded) -> None:
    async with connect(app, TenantScope.of(["tenant-a", "tenant-b"])) as client:
        a = await call(client, names.GET_COST_STATISTICS, tenant_id="tenant-a", **WEEK)
        b = await call(client, names.GET_COST_STATISTICS, tenant_id="tenant-b", **WEEK)
        text = await call_err(client, names.GET_COST_STATISTICS, **WEEK)
    assert (a["totals"]["spend_cents"], b["totals"]["spend_cents"]) == (11.75, 999)
    assert "'tenant_id'" in text and "several tenants" in text


async def test_an_all_tenants_scope_needs_an_explicit_tenant(app: Application, seeded) -> None:
    async with connect(app, TenantScope.all()) as client:
        b = await call(client, names.GET_COST_STATISTICS, tenant_id="tenant-b", **WEEK)
        text = await call_err(client, names.GET_COST_STATISTICS, **WEEK)
    assert b["totals"]["spend_cents"] == 999
    assert "'tenant_id'" in text and "every tenant" in text


@pytest.mark.parametrize("name", TENANT_TOOLS)
async def test_an_unknown_tenant_in_an_all_tenants_scope_points_to_list_tenants(
        app: Application, seeded, name: str) -> None:
    async with connect(app, TenantScope.all()) as client:
        text = await call_err(client, name, tenant_id="no-such-tenant",
                              **REQUIRED_ARGS.get(name, {}))
    assert "invalid parameter 'tenant_id': 'no-such-tenant' has no data" in text
    assert names.LIST_TENANTS in text


async def test_list_tenants_shows_only_the_callers_scope(app: Application, seeded) -> None:
    async with connect(app, TenantScope.of(["tenant-b", "tenant-z"])) as client:
        some = await call(client, names.LIST_TENANTS)
    async with connect(app, TenantScope.all()) as client:
        every = await call(client, names.LIST_TENANTS)
    assert some["scope"] == "tenant-b, tenant-z"
    # a configured tenant without data is listed, with no activity and no spend
    assert [(t["tenant_id"], t.get("first_seen"), t["spend_30d_cents"]) for t in some["items"]
            ] == [("tenant-b", "2026-03-09T10:00:00+00:00", 999), ("tenant-z", None, 0)]
    assert every["scope"] == "every tenant"
    assert [t["tenant_id"] for t in every["items"]] == ["tenant-a", "tenant-b"]


def test_scope_resolution_rules() -> None:
    one = TenantScope.of(["a"])
    assert one.resolve("") == "a" and one.resolve(" a ") == "a"
    with pytest.raises(OutOfScope):
        one.resolve("b")
    assert TenantScope.all().resolve("zz") == "zz"
    assert one.intersect(TenantScope.all()) == one
    assert TenantScope.all().intersect(one) == one
    empty = one.intersect(TenantScope.of(["b"]))
    with pytest.raises(ValidationError, match="no tenant"):
        empty.resolve("")
    with pytest.raises(OutOfScope):
        empty.resolve("a")


@pytest.mark.parametrize(("value", "expected"), [
    ("*", None), (["*"], None), ("a", frozenset({"a"})), (["a", "b"], frozenset({"a", "b"})),
])
def test_scope_parse(value: object, expected: frozenset[str] | None) -> None:
    assert TenantScope.parse(value).tenants == expected


@pytest.mark.parametrize("value", [[], "", [""], 3, {"a": 1}, ["a", 2]])
def test_scope_parse_rejects(value: object) -> None:
    with pytest.raises(ValidationError):
        TenantScope.parse(value)
