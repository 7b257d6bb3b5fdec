"""Every list tool pages through a long list with its cursor: nothing lost, nothing repeated."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from mcp import Client

from costsight.core.application import Application
from costsight.mcp_server import tool_names as names
from tests.contract.builders import (
    T0,
    audit,
    cost,
    detected,
    feature_tag,
    feedback,
    prediction,
    provenance,
)
from tests.mcp.helpers import call, call_err, connect

pytestmark = pytest.mark.memory

N = 23
PAGE = 5


async def _seed_many(app: Application) -> None:
    async with app.storage.unit_of_work() as uow:
        await uow.anomaly_records.upsert_anomalies(
            [detected(entity_id=f"u{i:02d}") for i in range(N)], since=T0, now=T0)
        await uow.pattern_feedback.upsert_feedback([feedback(f"sig-{i:02d}") for i in range(N)],
                                           open_since=T0, now=T0)
        await uow.prediction_records.upsert_predictions([prediction(f"w{i:02d}") for i in range(N)],
                                                 now=T0)
        await uow.provenance.write_batch([provenance(i) for i in range(N)])
        for i in range(N):
            await uow.audit.append(audit(f"audit-{i:02d}"))
            await uow.costs.create_feature_tag(feature_tag(f"ns.tag{i:02d}"))
        await uow.costs.record_costs([
            cost(user_id=f"user-{i:02d}", created_at=T0 - timedelta(hours=1),
                 cost_cents=Decimal(i)) for i in range(N)])
        await uow.commit()


def _key(field: str) -> Callable[[Any], Any]:
    return lambda item: item[field]


LISTS = [
    pytest.param(names.LIST_ANOMALIES, {}, _key("id"), id="anomalies"),
    pytest.param(names.LIST_PATTERN_FEEDBACK, {}, _key("id"), id="feedback"),
    pytest.param(names.LIST_PREDICTIONS, {}, _key("id"), id="predictions"),
    pytest.param(names.QUERY_PROVENANCE, {}, _key("id"), id="provenance"),
    pytest.param(names.LIST_AUDIT_RECORDS, {}, _key("audit_id"), id="audit"),
    pytest.param(names.LIST_FEATURE_TAGS, {}, _key("tag"), id="feature-tags"),
    pytest.param(names.LIST_DIMENSION_VALUES, {"dimension": "user"}, lambda v: v,
                 id="dimension-values"),
]


async def _walk(client: Client, name: str, args: dict, key: Callable[[Any], Any]
                ) -> list[list[Any]]:
    pages: list[list[Any]] = []
    cursor = ""
    for _ in range(N + 2):
        out = await call(client, name, limit=PAGE, cursor=cursor, **args)
        pages.append([key(item) for item in out["items"]])
        if out.get("next_cursor") is None:
            return pages
        cursor = out.get("next_cursor")
    raise AssertionError(f"{name} did not reach the last page")


@pytest.mark.parametrize(("name", "args", "key"), LISTS)
async def test_walk_a_long_list(app: Application, name: str, args: dict,
                                key: Callable[[Any], Any], monkeypatch: pytest.MonkeyPatch
                                ) -> None:
    monkeypatch.setenv("COSTSIGHT_MCP_MAX_RESULT_CHARS", "10000000")  # the whole list at once
    await _seed_many(app)
    async with connect(app) as client:
        pages = await _walk(client, name, args, key)
        whole = await call(client, name, limit=500, **args)
    walked = [k for page in pages for k in page]
    assert [len(page) for page in pages] == [PAGE] * (N // PAGE) + [N % PAGE]
    assert len(walked) == len(set(walked)) == N
    assert walked == [key(item) for item in whole["items"]]
    assert whole.get("next_cursor") is None


async def test_default_limit_is_50(app: Application, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COSTSIGHT_MCP_MAX_RESULT_CHARS", "10000000")
    async with app.storage.unit_of_work() as uow:
        await uow.anomaly_records.upsert_anomalies(
            [detected(entity_id=f"u{i:03d}") for i in range(60)], since=T0, now=T0)
        await uow.commit()
    async with connect(app) as client:
        first = await call(client, names.LIST_ANOMALIES)
        rest = await call(client, names.LIST_ANOMALIES, cursor=first["next_cursor"])
    assert (len(first["items"]), len(rest["items"]), rest.get("next_cursor")) == (50, 10, None)


@pytest.mark.parametrize(("name", "args"), [
    (names.LIST_ANOMALIES, {}), (names.QUERY_PROVENANCE, {}), (names.LIST_AUDIT_RECORDS, {}),
    (names.LIST_DIMENSION_VALUES, {"dimension": "model"}),
])
async def test_a_forged_cursor_is_a_clear_error(app: Application, name: str, args: dict) -> None:
    async with connect(app) as client:
        text = await call_err(client, name, cursor="bm90LWEtY3Vyc29y", **args)
    assert "cursor" in text
