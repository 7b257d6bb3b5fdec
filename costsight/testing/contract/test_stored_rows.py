"""Contract: the whole row each write rule leaves behind, every field, on every backend.

The rules (anomaly status moves, natural-key upserts of anomalies, feedback and predictions,
terminal worker runs) live once in the core; these tests pin the rows the adapters return AND
store, field by field, against rows spelled out from the inputs, plus the exact error texts.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from costsight.core.domain.anomalies import AnomalyStatus, Severity
from costsight.core.errors import Conflict
from costsight.core.ports import Storage
from costsight.testing.contract.builders import (
    MIDNIGHT,
    OTHER_TENANT,
    T0,
    TENANT,
    completed_run,
    detected,
    feedback,
    in_uow,
    prediction,
    read,
    run_id,
    upsert_runs,
    worker_run,
)

LATER = T0 + timedelta(hours=2)
LATEST = T0 + timedelta(hours=5)


async def _anomaly(storage: Storage, anomaly_id: str) -> dict[str, Any]:
    row = await read(storage, lambda uow: uow.anomaly_records.get_anomaly(TENANT, anomaly_id))
    return row.model_dump()


async def _move(storage: Storage, anomaly_id: str, status: AnomalyStatus,
                when: datetime) -> dict[str, Any]:
    row = await in_uow(storage, lambda uow: uow.anomaly_records.set_anomaly_status(
        TENANT, anomaly_id, status, when))
    return row.model_dump()


async def test_status_moves_stamp_their_field_and_updated_at(storage: Storage) -> None:
    [first] = await in_uow(storage, lambda uow: uow.anomaly_records.upsert_anomalies(
        [detected()], since=MIDNIGHT, now=T0))
    base = {**detected().model_dump(), "id": first.id, "status": AnomalyStatus.OPEN,
            "detected_at": T0, "updated_at": T0, "acknowledged_at": None,
            "resolved_at": None, "dismissed_at": None, "incident_id": None,
            "action_taken": None}
    assert first.model_dump() == base

    acknowledged = {**base, "status": AnomalyStatus.ACKNOWLEDGED, "acknowledged_at": LATER,
                    "updated_at": LATER}
    assert await _move(storage, first.id, AnomalyStatus.ACKNOWLEDGED, LATER) == acknowledged
    assert await _anomaly(storage, first.id) == acknowledged

    resolved = {**acknowledged, "status": AnomalyStatus.RESOLVED, "resolved_at": LATEST,
                "updated_at": LATEST}
    assert await _move(storage, first.id, AnomalyStatus.RESOLVED, LATEST) == resolved
    assert await _anomaly(storage, first.id) == resolved

    # The same status again writes nothing: not even updated_at moves.
    assert await _move(storage, first.id, AnomalyStatus.RESOLVED,
                       LATEST + timedelta(hours=1)) == resolved
    assert await _anomaly(storage, first.id) == resolved


async def test_a_refused_move_names_the_rule_and_leaves_the_row_whole(storage: Storage) -> None:
    [first] = await in_uow(storage, lambda uow: uow.anomaly_records.upsert_anomalies(
        [detected()], since=MIDNIGHT, now=T0))
    await _move(storage, first.id, AnomalyStatus.DISMISSED, LATER)
    before = await _anomaly(storage, first.id)
    with pytest.raises(Conflict) as refused:
        await _move(storage, first.id, AnomalyStatus.ACKNOWLEDGED, LATEST)
    assert str(refused.value) == (
        f"status: anomaly {first.id!r} cannot move from dismissed to acknowledged "
        "(allowed from dismissed: none, it is closed)")
    assert await _anomaly(storage, first.id) == before


async def test_an_upsert_that_updates_keeps_identity_and_lifecycle(storage: Storage) -> None:
    [first] = await in_uow(storage, lambda uow: uow.anomaly_records.upsert_anomalies(
        [detected()], since=MIDNIGHT, now=T0))
    acknowledged = await _move(storage, first.id, AnomalyStatus.ACKNOWLEDGED, LATER)
    again = detected(severity=Severity.MEDIUM, current_value_cents=Decimal("450.125"),
                     expected_value_cents=Decimal("99.5"), deviation_pct=352.4,
                     threshold_ratio=1.5, usage_pct=12.5, message="changed", breach_count=4,
                     derived_cause="RETRY_LOOP", metadata={"why": ["retries"]})
    [refreshed] = await in_uow(storage, lambda uow: uow.anomaly_records.upsert_anomalies(
        [again], since=MIDNIGHT, now=LATEST))
    expected = {**acknowledged, **again.model_dump(), "updated_at": LATEST}
    assert refreshed.model_dump() == expected
    assert await _anomaly(storage, first.id) == expected


async def test_two_findings_of_one_key_in_a_batch_make_one_row(storage: Storage) -> None:
    one, two = detected(message="first"), detected(message="second", breach_count=3)
    rows = await in_uow(storage, lambda uow: uow.anomaly_records.upsert_anomalies(
        [one, two], since=MIDNIGHT, now=T0))
    assert rows[0].id == rows[1].id
    assert rows[1].model_dump() == {**rows[0].model_dump(), "message": "second",
                                    "breach_count": 3}
    assert await _anomaly(storage, rows[0].id) == rows[1].model_dump()


async def test_a_feedback_upsert_that_updates_refreshes_exactly_its_fields(
        storage: Storage) -> None:
    [first] = await in_uow(storage, lambda uow: uow.pattern_feedback.upsert_feedback(
        [feedback()], open_since=T0 - timedelta(days=1), now=T0))
    assert first.model_dump() == {**feedback().model_dump(), "id": first.id,
                                  "detected_at": T0, "last_seen_at": T0, "acknowledged": False,
                                  "acknowledged_at": None, "acknowledged_by": None}
    again = feedback(description="seen more", severity="warning", provenance=["wr_x"],
                     occurrence_count=9, time_window_minutes=60, threshold_used="t=9",
                     metadata={"sample": "other"})
    [refreshed] = await in_uow(storage, lambda uow: uow.pattern_feedback.upsert_feedback(
        [again], open_since=T0 - timedelta(days=1), now=LATER))
    expected = {**first.model_dump(), **again.model_dump(), "last_seen_at": LATER}
    assert refreshed.model_dump() == expected
    stored = await read(storage, lambda uow: uow.pattern_feedback.get_feedback(TENANT, first.id))
    assert stored.model_dump() == expected


async def test_a_prediction_upsert_that_updates_refreshes_exactly_its_fields(
        storage: Storage) -> None:
    [first] = await in_uow(storage, lambda uow: uow.prediction_records.upsert_predictions(
        [prediction()], now=T0))
    assert first.model_dump() == {**prediction().model_dump(), "id": first.id,
                                  "created_at": T0, "updated_at": T0, "is_advisory": True}
    again = prediction(confidence_score=0.9, prediction_value={"predicted_outcome": "x"},
                       contributing_factors=[], notes=None,
                       expires_at=T0 + timedelta(hours=48))
    [refreshed] = await in_uow(storage, lambda uow: uow.prediction_records.upsert_predictions(
        [again], now=LATER))
    expected = {**first.model_dump(), **again.model_dump(), "updated_at": LATER}
    assert refreshed.model_dump() == expected
    stored = await read(storage, lambda uow: uow.prediction_records.get_prediction(TENANT, first.id))
    assert stored.model_dump() == expected


async def _runs(storage: Storage, tenant: str = TENANT) -> list[dict[str, Any]]:
    runs = await read(storage, lambda uow: uow.predictions.recent_failed_runs(
        tenant, T0 - timedelta(days=1), T0 + timedelta(days=1), 10))
    done = await read(storage, lambda uow: uow.patterns.recent_cost_runs(
        tenant, T0 - timedelta(days=1), T0 + timedelta(days=1), 10))
    return [r.model_dump() for r in [*runs, *done]]


async def test_a_refused_worker_run_update_names_the_changed_fields(storage: Storage) -> None:
    done = completed_run(1, cost_cents="12.5", total_tokens=40)
    await upsert_runs(storage, done)
    changed = completed_run(1, cost_cents="13", total_tokens=41)
    with pytest.raises(Conflict) as refused:
        await upsert_runs(storage, changed)
    assert str(refused.value) == (
        f"worker_run {run_id(1)!r} is completed (terminal) and cannot change "
        "(changed: cost_cents, total_tokens); only an identical replay is allowed")
    assert await _runs(storage) == [done.model_dump()]


async def test_a_run_id_of_another_tenant_is_refused_with_one_text(storage: Storage) -> None:
    await upsert_runs(storage, worker_run(1, tenant_id=OTHER_TENANT))
    with pytest.raises(Conflict) as refused:
        await upsert_runs(storage, worker_run(1))
    assert str(refused.value) == (
        f"worker_run.id: run {run_id(1)!r} belongs to another tenant; run ids are global, "
        f"so use a new id for tenant {TENANT!r}")
