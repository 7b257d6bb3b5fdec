"""Labels and per-detector precision: the detection service on every backend, the MCP tool
get_detection_quality over both client lifecycles, and drivers in get_anomaly."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from mcp import Client

from costsight.core.application import Application
from costsight.core.domain.anomalies import AnomalyType
from costsight.core.domain.drivers import AnomalyDrivers, Driver
from costsight.core.errors import Conflict, ValidationError
from costsight.core.timeutil import FixedClock
from costsight.mcp_server import tool_names as names
from costsight.mcp_server.scope import TenantScope
from costsight.mcp_server.server import build_server
from tests.contract.builders import T0, TENANT, detected
from tests.mcp.helpers import call, call_err, connect
from tests.mcp.seed import seed_findings, seed_metering


@pytest.fixture
async def any_app(storage) -> Application:
    await seed_metering(storage)
    await seed_findings(storage)
    return Application(storage, clock=FixedClock(T0), load_entrypoints=False)


async def spikes(app: Application, n: int) -> list[str]:
    async with app.storage.unit_of_work() as uow:
        rows = await uow.anomaly_records.upsert_anomalies(
            [detected(entity_id=f"user-{i}") for i in range(n)],
            since=T0 - timedelta(days=1), now=T0 - timedelta(minutes=30))
        await uow.commit()
    return [r.id for r in rows]


async def test_labels_give_each_detector_its_precision(any_app: Application) -> None:
    ids = await spikes(any_app, 4)
    for anomaly_id, label in zip(ids, ["resolved", "resolved", "resolved", "dismissed"],
                                 strict=True):
        moved = await any_app.detection.label(TENANT, anomaly_id, label)
        assert moved.status.value == label
    quality = await any_app.detection.quality(TENANT)
    by = {d.detector: d for d in quality.detectors}
    spike = by["absolute_spike"]
    # the seeded open spike of u1 is unlabelled
    assert (spike.resolved, spike.dismissed, spike.unlabelled, spike.precision) == (3, 1, 1, 0.75)
    drift = by["sustained_drift"]  # acknowledged only: no label, no precision
    assert (drift.resolved, drift.dismissed, drift.unlabelled, drift.precision) == (0, 0, 1, None)
    later = await any_app.detection.quality(TENANT, since=T0)
    assert later.detectors == []


async def test_a_label_is_resolved_or_dismissed_and_final(any_app: Application) -> None:
    [anomaly_id] = await spikes(any_app, 1)
    with pytest.raises(ValidationError, match="status"):
        await any_app.detection.label(TENANT, anomaly_id, "acknowledged")
    await any_app.detection.label(TENANT, anomaly_id, "dismissed")
    with pytest.raises(Conflict):
        await any_app.detection.label(TENANT, anomaly_id, "resolved")


@pytest.mark.memory
@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_get_detection_quality_over_both_lifecycles(app: Application, seeded,
                                                           mode: str) -> None:
    [anomaly_id] = await spikes(app, 1)
    await app.detection.label(TENANT, anomaly_id, "resolved")
    server = build_server(app, scope=TenantScope.of([TENANT]))
    async with Client(server, mode=mode, raise_exceptions=True) as client:
        out = await call(client, names.GET_DETECTION_QUALITY)
        since = await call(client, names.GET_DETECTION_QUALITY, start=T0.isoformat())
        bad = await call_err(client, names.GET_DETECTION_QUALITY, start="yesterday")
    assert out["tenant_id"] == TENANT
    assert out["detectors"] == [
        {"detector": "absolute_spike", "resolved": 1, "dismissed": 0, "unlabelled": 1,
         "precision": 1.0},
        {"detector": "sustained_drift", "resolved": 0, "dismissed": 0, "unlabelled": 1}]
    assert since["detectors"] == [] and "start" in bad


@pytest.mark.memory
async def test_get_anomaly_returns_the_drivers_and_lists_leave_them_out(
        app: Application) -> None:
    drivers = AnomalyDrivers(delta_cents=Decimal(200), dimensions={"retry": [
        Driver(value="retry", delta_cents=Decimal(150), share=0.75, current_cents=Decimal(150),
               baseline_cents=Decimal(0)),
        Driver(value="first_attempt", delta_cents=Decimal(50), share=0.25,
               current_cents=Decimal(150), baseline_cents=Decimal(100))]})
    async with app.storage.unit_of_work() as uow:
        [row] = await uow.anomaly_records.upsert_anomalies(
            [detected(drivers=drivers, derived_cause="RETRY_LOOP")],
            since=T0 - timedelta(days=1), now=T0)
        await uow.commit()
    async with connect(app) as client:
        one = await call(client, names.GET_ANOMALY, anomaly_id=row.id)
        listed = await call(client, names.LIST_ANOMALIES)
    assert one["drivers"] == {"delta_cents": 200, "dimensions": {"retry": [
        {"value": "retry", "delta_cents": 150, "share": 0.75, "current_cents": 150,
         "baseline_cents": 0, "other": False},
        {"value": "first_attempt", "delta_cents": 50, "share": 0.25, "current_cents": 150,
         "baseline_cents": 100, "other": False}]}}
    assert "drivers" not in listed["items"][0]
    assert AnomalyType(one["anomaly_type"]) is AnomalyType.ABSOLUTE_SPIKE
