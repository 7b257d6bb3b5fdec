"""The spike and drift noise gate (core/engines/noise.py): a breach must also stand ``spike_min_z``
standard deviations above the entity's own baseline days."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from costsight.core.engines.noise import significant, weekday_variance
from costsight.core.engines.seasonal import same_weekday
from costsight.plugins.anomaly.drift import SustainedDriftDetector
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
DRIFT = SustainedDriftDetector().detect
#: a user's baseline days varying ~20 % around 100 (mean 100, sample sd ~21.6)
NOISY = ["80", "120", "100", "75", "125", "100", "90", "110", "130", "70", "105", "95", "100"]


def noisy_user(today_spend: str) -> list:
    rows = [usage("user", "u1", day(d), spend) for d, spend in zip(range(-14, -1), NOISY,
                                                                   strict=True)]
    return rows + [usage("user", "u1", TODAY, today_spend)]


def test_significant_is_exact_and_passes_when_the_days_cannot_tell() -> None:
    days = [Decimal(d) for d in ("90", "110")]  # mean 100, s = sqrt(200) ~ 14.14
    assert significant(Decimal(100) + Decimal("42.43"), days, 3.0)
    assert not significant(Decimal(100) + Decimal("42.42"), days, 3.0)
    assert significant(Decimal(101), [Decimal(100)] * 5, 3.0)  # zero variance
    assert significant(Decimal(101), [Decimal(100)], 3.0)  # one day
    assert significant(Decimal(101), [], 3.0)
    assert significant(Decimal(101), days, 0.0)  # off
    assert not significant(Decimal(50), [Decimal(100)] * 4 + [Decimal(110)], 0.0001)


def test_noisy_baseline_suppresses_a_chance_1_5x_breach() -> None:
    found = DETECT(anomaly_context(noisy_user("150"), streaks={("user", "u1"): 1}))
    assert found.breaches == () and found.anomalies == ()
    off = SETTINGS.model_copy(update={"spike_min_z": 0.0})
    ungated = DETECT(anomaly_context(noisy_user("150"), streaks={("user", "u1"): 1},
                                     settings=off))
    assert [a.entity_id for a in ungated.anomalies] == ["u1"]


def test_real_2x_spike_on_a_noisy_entity_still_fires_on_its_first_day() -> None:
    [anomaly] = DETECT(anomaly_context(noisy_user("200"))).anomalies
    assert (anomaly.entity_id, anomaly.breach_count) == ("u1", 1)


@pytest.mark.parametrize(("spend", "breached"), [("139.99", False), ("140", True)])
def test_flat_baseline_boundary_is_unchanged(spend: str, breached: bool) -> None:
    rows = flat_history("user", "u1", "100", last=-2) + [usage("user", "u1", TODAY, spend)]
    found = DETECT(anomaly_context(rows))
    assert bool(found.breaches) is breached


def test_seasonal_baseline_gets_the_same_gate() -> None:
    # weeks alternate at 80 and 120 a day: each weekday varies (within-weekday s ~ 23.1 over
    # the last 4 weeks) around the same-weekday baseline of 100
    rows = [usage("tenant", TENANT, day(d), "80" if (d // 7) % 2 else "120")
            for d in range(-30, 0)]
    for today_spend, fires in (("150", False), ("200", True)):
        everything = [*rows, usage("tenant", TENANT, TODAY, today_spend)]
        context = replace(anomaly_context(everything, streaks={("tenant", TENANT): 1}),
                          seasonal=True, weekday_usage=same_weekday(everything, TODAY, SETTINGS))
        found = DETECT(context).anomalies
        assert [(a.metadata["baseline"], a.expected_value_cents) for a in found] == (
            [("weekday", Decimal(100))] if fires else []), today_spend
    # without the per-day rows (weekday rows only) the same-weekday days are the sample
    lone = [usage("tenant", TENANT, day(d), v) for d, v in ((-28, "80"), (-21, "120"),
                                                           (-14, "80"), (-7, "120"))]
    today = usage("tenant", TENANT, TODAY, "150")
    context = replace(anomaly_context([today], streaks={("tenant", TENANT): 1}), seasonal=True,
                      weekday_usage=(*lone, today))
    assert replace(context, daily_usage=()).weekday_rows("tenant", TENANT)
    assert DETECT(replace(context, daily_usage=())).anomalies == ()


def noisy_tenant(rolling: str, *, noise: int) -> list:
    """Baseline days [-28, -8] alternating 100 -/+ ``noise``, rolling days [-6, 0] at
    ``rolling`` (day -7 in neither window)."""
    base = [usage("tenant", TENANT, day(d), str(100 + (noise if d % 2 else -noise)))
            for d in range(-28, -7)]
    return base + [usage("tenant", TENANT, day(d), rolling) for d in range(-6, 1)]


def test_drift_on_a_noisy_baseline_needs_z_standard_errors() -> None:
    # baseline days 100 -/+ 40: s ~ 40.5, the rolling mean of 7 days has s.e. ~ 15.3, so a
    # 1.3x rolling mean (z ~ 2) is noise and 1.6x (z ~ 4) is drift
    assert DRIFT(anomaly_context(noisy_tenant("130", noise=40))).drift_trackers == ()
    [state] = DRIFT(anomaly_context(noisy_tenant("160", noise=40))).drift_trackers
    assert state.is_active
    # the same 1.3x against a quiet baseline (100 -/+ 5) is drift
    [quiet] = DRIFT(anomaly_context(noisy_tenant("130", noise=5))).drift_trackers
    assert quiet.is_active


def test_seasonal_drift_does_not_count_the_weekly_rhythm_as_noise() -> None:
    # a strong weekly rhythm (100 on weekdays, 10 on weekends) and no other noise: the pooled
    # within-weekday variance is 0, so a 1.3x rise of every day is drift
    rows = [usage("tenant", TENANT, day(d), str(10 if day(d).weekday() >= 5 else 100))
            for d in range(-35, -7)]
    rows += [usage("tenant", TENANT, day(d), str(13 if day(d).weekday() >= 5 else 130))
             for d in range(-6, 1)]
    context = replace(anomaly_context(rows), seasonal=True)
    [state] = DRIFT(context).drift_trackers
    assert state.is_active and state.drift_pct == pytest.approx(30.0)
    assert weekday_variance({d: Decimal(1) for d in map(day, range(-20, -6))},
                            day(-20), 2) == 0
    assert weekday_variance({}, day(-20), 1) is None
