"""The write rules the core owns, pure: anomaly status moves, natural-key upsert plans,
worker-run upsert plans."""

from __future__ import annotations

from datetime import timedelta

import pytest

from costsight.core.domain.anomalies import AnomalyStatus, move_anomaly
from costsight.core.domain.costs import RunStatus, UpsertResult
from costsight.core.domain.upserts import (
    plan_anomaly_upserts,
    plan_prediction_upserts,
    plan_worker_runs,
)
from costsight.core.errors import Conflict, ValidationError
from costsight.testing.contract.builders import (
    MIDNIGHT,
    T0,
    completed_run,
    detected,
    prediction,
    worker_run,
)


def _stored(**overrides):
    [row] = plan_anomaly_upserts([detected()], [], since=MIDNIGHT, now=T0).rows
    return row.model_copy(update=overrides)


def test_move_stamps_the_status_field_and_updated_at() -> None:
    later = T0 + timedelta(hours=1)
    moved = move_anomaly(_stored(), "acknowledged", later)
    assert (moved.status, moved.acknowledged_at, moved.updated_at) == (
        AnomalyStatus.ACKNOWLEDGED, later, later)


def test_move_to_the_same_status_returns_the_row_itself() -> None:
    row = _stored()
    assert move_anomaly(row, AnomalyStatus.OPEN, T0 + timedelta(hours=1)) is row


def test_move_out_of_a_closed_status_and_unknown_statuses_are_refused() -> None:
    with pytest.raises(Conflict, match="allowed from resolved: none, it is closed"):
        move_anomaly(_stored(status=AnomalyStatus.RESOLVED), "open", T0)
    with pytest.raises(ValidationError, match="status: unknown anomaly status 'gone'"):
        move_anomaly(_stored(), "gone", T0)


def test_the_plan_refreshes_the_newest_open_row_since_and_ignores_the_rest() -> None:
    old = _stored(id="ca_old", detected_at=T0 - timedelta(hours=2))
    newest = _stored(id="ca_new", detected_at=T0 - timedelta(hours=1))
    closed = _stored(id="ca_closed", detected_at=T0, status=AnomalyStatus.DISMISSED)
    before = _stored(id="ca_before", detected_at=MIDNIGHT - timedelta(seconds=1))
    plan = plan_anomaly_upserts([detected(message="again")], [old, closed, newest, before],
                                since=MIDNIGHT, now=T0 + timedelta(hours=1))
    assert [r.id for r in plan.rows] == ["ca_new"] and plan.inserts == []
    assert plan.updates == plan.rows and plan.rows[0].message == "again"


def test_a_row_inserted_earlier_in_the_batch_stays_one_insert() -> None:
    plan = plan_prediction_upserts([prediction(), prediction(confidence_score=0.9)], [],
                                   now=T0)
    assert plan.rows[0].id == plan.rows[1].id and plan.updates == []
    assert [p.confidence_score for p in plan.inserts] == [0.9]


def test_worker_run_plan_counts_and_splits_inserts_from_updates() -> None:
    stored = {r.id: r for r in [worker_run(1), completed_run(2)]}
    plan = plan_worker_runs([worker_run(1, status=RunStatus.RUNNING), completed_run(2),
                             worker_run(3), completed_run(3)], stored)
    assert plan.result == UpsertResult(inserted=1, updated=2, unchanged=1)
    assert [r.id for r in plan.updates] == [worker_run(1).id]
    assert plan.inserts == [completed_run(3)]  # inserted, then progressed in the batch
