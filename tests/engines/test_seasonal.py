"""Seasonal baselines at the engine level: the weekday spike baseline, whole-week drift
baselines, and the cycle's decision of when they apply."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from costsight.core.engines.seasonal import applies, drift_baseline, same_weekday, weekday_days
from costsight.plugins.anomaly.drift import SustainedDriftDetector
from costsight.plugins.anomaly.spike import AbsoluteSpikeDetector
from tests.engines.builders import SETTINGS, TENANT, TODAY, anomaly_context, day, usage


def weekly(first: int, last: int, busy: str, quiet: str, entity: str = "tenant",
           entity_id: str = TENANT) -> list:
    return [usage(entity, entity_id, day(d), quiet if day(d).weekday() >= 5 else busy)
            for d in range(first, last + 1)]


def test_applies_after_the_minimum_history_only() -> None:
    assert applies(SETTINGS, TODAY, [day(-21), day(-3)])
    assert not applies(SETTINGS, TODAY, [day(-20)])
    assert not applies(SETTINGS.model_copy(update={"seasonal_baselines": False}), TODAY,
                       [day(-40)])
    assert weekday_days(TODAY, SETTINGS) == [day(-28), day(-21), day(-14), day(-7)]


def test_a_weekday_after_quiet_weekends_is_no_spike_with_the_weekday_baseline() -> None:
    # TODAY is a Friday; the flat baseline (days -14..-2) holds four weekend days at 1 cent
    rows = weekly(-30, -1, "100", "1") + [usage("tenant", TENANT, TODAY, "100")]
    # (the noise gate off: the flat baseline's weekday/weekend spread alone would hide it)
    flat = anomaly_context(rows, streaks={("tenant", TENANT): 1},
                           settings=SETTINGS.model_copy(update={"spike_min_z": 0.0}))
    assert [a.entity_type for a in AbsoluteSpikeDetector().detect(flat).anomalies] == ["tenant"]
    seasonal = replace(flat, seasonal=True,
                       weekday_usage=same_weekday(rows, TODAY, SETTINGS))
    assert AbsoluteSpikeDetector().detect(seasonal).anomalies == ()


def test_seasonal_spike_compares_with_the_same_weekday() -> None:
    rows = weekly(-30, -1, "100", "10") + [usage("tenant", TENANT, TODAY, "300")]
    context = replace(anomaly_context(rows), seasonal=True,
                      weekday_usage=same_weekday(rows, TODAY, SETTINGS))
    [anomaly] = AbsoluteSpikeDetector().detect(context).anomalies
    expected = Decimal(10) if TODAY.weekday() >= 5 else Decimal(100)
    assert anomaly.expected_value_cents == expected
    assert anomaly.metadata["baseline"] == "weekday" and anomaly.breach_count == 1


def test_drift_baseline_is_whole_weeks_from_the_first_day() -> None:
    rows = weekly(-25, 0, "100", "10")
    context = replace(anomaly_context(rows), seasonal=True)
    first, last, divisor = drift_baseline(context)
    assert (last, divisor) == (day(-8), 14) and first == last - timedelta(days=13)
    short = replace(anomaly_context(weekly(-12, 0, "100", "10")), seasonal=True)
    assert drift_baseline(short)[2] == 0
    # too little history for a whole week: the flat baseline, no crash
    assert SustainedDriftDetector().detect(short).anomalies == ()


def test_weekly_rhythm_is_no_drift_with_calendar_day_means() -> None:
    rows = weekly(-35, 0, "100", "10")
    context = replace(anomaly_context(rows), seasonal=True)
    found = SustainedDriftDetector().detect(context)
    assert found.anomalies == () and all(not t.is_active for t in found.drift_trackers)
