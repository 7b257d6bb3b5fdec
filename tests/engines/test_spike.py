"""Absolute spike rules, pure (no storage)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from costsight.core.domain.anomalies import AnomalyType, Severity
from costsight.core.plugins.causes import apply_causes
from costsight.plugins.anomaly.causes import BUILTIN_CAUSES
from costsight.plugins.anomaly.spike import AbsoluteSpikeDetector
from tests.engines.builders import (
    SETTINGS,
    TENANT,
    TODAY,
    anomaly_context,
    day,
    flat_history,
    usage,
)

DETECT = AbsoluteSpikeDetector().detect


def user_rows(today_spend: str, *, baseline: str = "100") -> list:
    return flat_history("user", "u1", baseline, last=-2) + [usage("user", "u1", TODAY, today_spend)]


@pytest.mark.parametrize(("spend", "breached"), [("139.99", False), ("140", True)])
def test_breach_at_exactly_1_40(spend: str, breached: bool) -> None:
    found = DETECT(anomaly_context(user_rows(spend)))
    assert [(b.entity_type, b.entity_id, b.breach_date) for b in found.breaches] == (
        [("user", "u1", TODAY)] if breached else [])
    assert found.anomalies == ()  # one breach day is not enough


def test_second_consecutive_breach_day_fires() -> None:
    found = DETECT(anomaly_context(user_rows("140"), streaks={("user", "u1"): 1}))
    [anomaly] = found.anomalies
    assert anomaly.anomaly_type is AnomalyType.ABSOLUTE_SPIKE
    assert (anomaly.entity_type, anomaly.entity_id, anomaly.tenant_id) == ("user", "u1", TENANT)
    assert anomaly.breach_count == 2
    assert anomaly.deviation_pct == pytest.approx(40.0)
    assert anomaly.severity is Severity.HIGH
    assert anomaly.threshold_ratio == 1.40
    assert anomaly.current_value_cents == Decimal(140)
    assert anomaly.expected_value_cents == Decimal(100)
    assert anomaly.message == "User u1 spending 40.0% above baseline for 2 consecutive days"
    assert anomaly.metadata == {"lookback_days": 14, "baseline_daily_avg": 100,
                                "consecutive_breaches": 2}
    assert anomaly.derived_cause == "UNKNOWN"


def test_below_threshold_with_prior_streak_fires_nothing() -> None:
    found = DETECT(anomaly_context(user_rows("139.99"), streaks={("user", "u1"): 3}))
    assert found.anomalies == () and found.breaches == ()


def test_streak_is_capped_at_lookback_plus_one() -> None:
    found = DETECT(anomaly_context(user_rows("500"), streaks={("user", "u1"): 8}))
    assert found.anomalies[0].breach_count == 8


def test_entity_without_baseline_is_never_flagged() -> None:
    rows = [usage("user", "new", day(-1), "1000"), usage("user", "new", TODAY, "100000")]
    found = DETECT(anomaly_context(rows, streaks={("user", "new"): 5}))
    assert found.breaches == () and found.anomalies == ()


def test_zero_baseline_is_never_flagged() -> None:
    rows = flat_history("user", "u0", "0", last=-2) + [usage("user", "u0", TODAY, "5")]
    assert DETECT(anomaly_context(rows)).breaches == ()


def test_baseline_averages_active_days_and_excludes_today_and_yesterday() -> None:
    # Spend on 2 of the 13 baseline days only (avg 100 per ACTIVE day), a huge yesterday and a
    # day before the window: neither changes the baseline. (The noise gate is off: 50 and 150
    # vary too much for 140 to be significant; this test is about the window.)
    rows = [usage("feature", "chat.reply", day(-15), "100000"),
            usage("feature", "chat.reply", day(-10), "50"),
            usage("feature", "chat.reply", day(-2), "150"),
            usage("feature", "chat.reply", day(-1), "100000"),
            usage("feature", "chat.reply", TODAY, "140")]
    found = DETECT(anomaly_context(rows, streaks={("feature", "chat.reply"): 1},
                                   settings=SETTINGS.model_copy(update={"spike_min_z": 0.0})))
    [anomaly] = found.anomalies
    assert anomaly.expected_value_cents == Decimal(100)
    assert anomaly.entity_type == "feature"


def test_every_entity_type_in_order_user_feature_tenant() -> None:
    rows = (flat_history("tenant", TENANT, "100", last=-2) + [usage("tenant", TENANT, TODAY, "300")]
            + flat_history("feature", "a.b", "10", last=-2) + [usage("feature", "a.b", TODAY, "30")]
            + flat_history("user", "u1", "10", last=-2) + [usage("user", "u1", TODAY, "30")])
    streaks = {("tenant", TENANT): 1, ("feature", "a.b"): 1, ("user", "u1"): 1}
    found = DETECT(anomaly_context(rows, streaks=streaks))
    assert [(a.entity_type, a.entity_id) for a in found.anomalies] == [
        ("user", "u1"), ("feature", "a.b"), ("tenant", TENANT)]
    assert found.anomalies[2].message.startswith("Tenant t1 spending 200.0% above")


def test_the_detector_leaves_the_cause_to_the_post_pass() -> None:
    rows = (flat_history("user", "u1", "100", last=-2)
            + [usage("user", "u1", day(-1), "100", requests=10),
               usage("user", "u1", TODAY, "200", requests=20)])
    context = anomaly_context(rows, streaks={("user", "u1"): 1})
    found = DETECT(context)
    assert found.anomalies[0].derived_cause == "UNKNOWN"
    caused, failures = apply_causes(found, context, BUILTIN_CAUSES)
    assert caused.anomalies[0].derived_cause == "TRAFFIC_GROWTH" and failures == ()
    assert caused.breaches == found.breaches


def test_non_repeating_baseline_is_rounded_to_micro_cents() -> None:
    rows = ([usage("user", "u1", day(-3), "100"), usage("user", "u1", day(-4), "100"),
             usage("user", "u1", day(-5), "101")] + [usage("user", "u1", TODAY, "1000")])
    found = DETECT(anomaly_context(rows, streaks={("user", "u1"): 1}))
    assert found.anomalies[0].expected_value_cents == Decimal("100.333333")
