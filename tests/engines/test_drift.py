"""Sustained drift and its tracker, pure (no storage)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from costsight.core.domain.anomalies import AnomalyType, Severity
from costsight.plugins.anomaly.drift import SustainedDriftDetector
from tests.engines.builders import TENANT, TODAY, anomaly_context, day, flat_history, tracker

DETECT = SustainedDriftDetector().detect


def drifting(rolling: str = "130", baseline: str = "100") -> list:
    """Baseline days [-28, -8] at ``baseline``, rolling days [-6, 0] at ``rolling``."""
    return (flat_history("tenant", TENANT, baseline, first=-28, last=-8)
            + flat_history("tenant", TENANT, "100000", first=-7, last=-7)  # in neither window
            + flat_history("tenant", TENANT, rolling, first=-6, last=0))


def test_first_drift_day_starts_a_tracker_without_anomaly() -> None:
    found = DETECT(anomaly_context(drifting()))
    [state] = found.drift_trackers
    assert (state.drift_days_count, state.first_drift_date, state.last_check_date) == (1, TODAY, TODAY)
    assert state.is_active and state.rolling_avg_cents == Decimal(130)
    assert state.baseline_avg_cents == Decimal(100) and state.drift_pct == pytest.approx(30.0)
    assert found.anomalies == ()


@pytest.mark.parametrize(("rolling", "drift"), [("124.99", False), ("125", True)])
def test_threshold_is_1_25(rolling: str, drift: bool) -> None:
    found = DETECT(anomaly_context(drifting(rolling), trackers=[tracker(2, day(-1))]))
    assert bool(found.anomalies) is drift


def test_third_consecutive_day_fires() -> None:
    found = DETECT(anomaly_context(drifting(), trackers=[tracker(2, day(-1), first=day(-2))]))
    [anomaly] = found.anomalies
    assert anomaly.anomaly_type is AnomalyType.SUSTAINED_DRIFT
    assert anomaly.breach_count == 3 and anomaly.severity is Severity.MEDIUM
    assert (anomaly.entity_type, anomaly.entity_id) == ("tenant", TENANT)
    assert anomaly.message == "Sustained drift detected: 30.0% above baseline for 3 days"
    assert anomaly.threshold_ratio == 1.25
    assert found.drift_trackers[0].first_drift_date == day(-2)


def test_high_severity_from_40_pct() -> None:
    found = DETECT(anomaly_context(drifting("140"), trackers=[tracker(2, day(-1))]))
    assert found.anomalies[0].severity is Severity.HIGH


def test_same_day_rerun_keeps_the_count() -> None:
    found = DETECT(anomaly_context(drifting(), trackers=[tracker(3, TODAY, first=day(-2))]))
    assert found.drift_trackers[0].drift_days_count == 3
    assert found.drift_trackers[0].first_drift_date == day(-2)
    assert found.anomalies[0].breach_count == 3


def test_gap_restarts_at_one_with_a_new_first_day() -> None:
    found = DETECT(anomaly_context(drifting(), trackers=[tracker(5, day(-2), first=day(-6))]))
    state = found.drift_trackers[0]
    assert (state.drift_days_count, state.first_drift_date) == (1, TODAY)
    assert found.anomalies == ()


def test_inactive_tracker_is_reactivated_from_one() -> None:
    found = DETECT(anomaly_context(drifting(), trackers=[tracker(5, day(-1), active=False)]))
    state = found.drift_trackers[0]
    assert state.is_active and state.drift_days_count == 1


def test_below_threshold_deactivates_an_active_tracker() -> None:
    found = DETECT(anomaly_context(drifting("110"), trackers=[tracker(2, day(-1))]))
    [state] = found.drift_trackers
    assert not state.is_active and state.last_check_date == TODAY
    assert found.anomalies == ()


def test_below_threshold_without_tracker_writes_nothing() -> None:
    assert DETECT(anomaly_context(drifting("110"))).empty


def test_no_baseline_no_verdict_and_no_reset() -> None:
    rows = flat_history("tenant", TENANT, "500", first=-6, last=0)
    assert DETECT(anomaly_context(rows, trackers=[tracker(2, day(-1))])).empty


def test_rolling_divides_by_seven_days() -> None:
    # Only today has spend in the rolling window: 875 / 7 = 125 = 1.25 x baseline.
    rows = flat_history("tenant", TENANT, "100", first=-28, last=-8) + flat_history(
        "tenant", TENANT, "875", first=0, last=0)
    found = DETECT(anomaly_context(rows))
    assert found.drift_trackers[0].rolling_avg_cents == Decimal(125)


def test_replaying_an_earlier_day_leaves_newer_tracker_alone() -> None:
    found = DETECT(anomaly_context(drifting(), trackers=[tracker(4, day(2))]))
    assert found.drift_trackers == () and found.anomalies == ()
