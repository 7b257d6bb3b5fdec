"""Sustained drift: the tenant's 7-day rolling average against its 21-day baseline.

rolling = spend over [today - 6, today] / 7 (today so far counts as a day, as in the original);
baseline = spend over [today - 28, today - 8] / its active days. No baseline, no verdict (and
no reset). A ratio >= 1.25 is a drift day, if the rise also stands out from the baseline's
day-to-day noise (``drift_min_z`` standard errors, ``core/engines/noise.py``; a flat baseline
always does); the anomaly fires from the third consecutive one.

The tracker (one per entity, kept in storage) counts drift days:
- last check today (a re-run the same day): the count is KEPT;
- last check yesterday: count + 1;
- otherwise, or no active tracker: restart at 1 with first_drift_date = today.
A ratio below the threshold deactivates an active tracker. A tracker already checked AFTER
today (replaying an earlier day) is newer state: it is neither used nor overwritten, so the
replayed day counts from 1. The cause is derived afterwards by the engines facade.

Seasonality (``core/engines/seasonal.py``): with enough history the baseline is whole weeks
averaged over calendar days, so weekday/weekend rhythm weighs the same in both windows.
``metadata`` then names the baseline (``weekday``) and its first and last day.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import TypedDict

from costsight.core.domain.anomalies import AnomalyType, DetectedAnomaly, DriftTracker, EntityType
from costsight.core.engines import AnomalyContext, AnomalyFindings
from costsight.core.engines.exact import as_fraction, at_least, pct_over, to_cents
from costsight.core.engines.noise import sample_variance, stands_out, weekday_variance
from costsight.core.engines.seasonal import FLAT, WEEKDAY, drift_baseline, seasonal
from costsight.core.engines.severity import classify_deviation
from costsight.core.money import cents_json
from costsight.core.plugins import hookimpl

TENANT = EntityType.TENANT.value


@dataclass(frozen=True)
class SustainedDriftDetector:
    name: str = "sustained_drift"
    order: int = 200

    def detect(self, context: AnomalyContext) -> AnomalyFindings:
        settings, today, tenant_id = context.settings, context.today, context.tenant_id
        first = today - timedelta(days=settings.drift_baseline_first_offset_days)
        last = today - timedelta(days=settings.drift_baseline_last_offset_days)
        kind = FLAT
        divisor = 0
        if seasonal(context):
            first_w, last_w, divisor = drift_baseline(context)
            if divisor:  # at least one whole week of history in the baseline window
                first, last, kind = first_w, last_w, WEEKDAY
        base_total, base_days = context.window(TENANT, tenant_id, first, last)
        if base_days == 0 or base_total <= 0:
            return AnomalyFindings()
        days = context.usage(TENANT, tenant_id)
        if kind == WEEKDAY:
            base_days = divisor
            variance = weekday_variance({d: row.spend_cents for d, row in days.items()},
                                        first, divisor // 7)
        else:
            variance = sample_variance([row.spend_cents for day, row in days.items()
                                        if first <= day <= last])
        roll_total, _ = context.window(
            TENANT, tenant_id, today - timedelta(days=settings.drift_rolling_days - 1), today)
        rolling = as_fraction(roll_total) / settings.drift_rolling_days
        baseline = as_fraction(base_total) / base_days
        drift = pct_over(rolling, baseline)
        stored = next((t for t in context.drift_trackers
                       if t.entity_type == TENANT and t.entity_id == tenant_id), None)
        newer = stored is not None and stored.last_check_date > today
        current = stored if stored is not None and stored.is_active and not newer else None

        noise = None if variance is None else variance / settings.drift_rolling_days
        if not at_least(rolling, baseline, settings.drift_threshold_ratio) or not stands_out(
                rolling - baseline, noise, settings.drift_min_z):
            if current is None:
                return AnomalyFindings()
            ended = current.model_copy(update=_measures(rolling, baseline, drift)
                                       | {"is_active": False, "last_check_date": today})
            return AnomalyFindings(drift_trackers=(ended,))

        if current is not None and current.last_check_date == today:
            count, first_day = current.drift_days_count, current.first_drift_date
        elif current is not None and current.last_check_date == context.yesterday:
            count, first_day = current.drift_days_count + 1, current.first_drift_date
        else:
            count, first_day = 1, today
        tracker = DriftTracker(
            tenant_id=tenant_id, entity_type=TENANT, entity_id=tenant_id,
            drift_days_count=count, first_drift_date=first_day, last_check_date=today,
            is_active=True, **_measures(rolling, baseline, drift))
        anomalies: tuple[DetectedAnomaly, ...] = ()
        if count >= settings.drift_days_required:
            anomalies = (_anomaly(context, tracker, drift, (first, last, kind)),)
        return AnomalyFindings(anomalies=anomalies, drift_trackers=() if newer else (tracker,))


class _Measures(TypedDict):
    rolling_avg_cents: Decimal
    baseline_avg_cents: Decimal
    drift_pct: float


def _measures(rolling: Fraction, baseline: Fraction, drift: Fraction) -> _Measures:
    return {"rolling_avg_cents": to_cents(rolling), "baseline_avg_cents": to_cents(baseline),
            "drift_pct": float(drift)}


def _anomaly(context: AnomalyContext, tracker: DriftTracker, drift: Fraction,
             baseline_days: tuple[date, date, str]) -> DetectedAnomaly:
    n = tracker.drift_days_count
    rolling: Decimal = tracker.rolling_avg_cents
    baseline: Decimal = tracker.baseline_avg_cents
    return DetectedAnomaly(
        tenant_id=context.tenant_id, anomaly_type=AnomalyType.SUSTAINED_DRIFT,
        severity=classify_deviation(drift, context.settings),
        entity_type=TENANT, entity_id=context.tenant_id,
        current_value_cents=rolling, expected_value_cents=baseline,
        deviation_pct=float(drift), threshold_ratio=context.settings.drift_threshold_ratio,
        message=f"Sustained drift detected: {float(drift):.1f}% above baseline for {n} days",
        breach_count=n,
        metadata={"rolling_7d_avg": cents_json(rolling), "baseline_avg": cents_json(baseline),
                  "drift_days": n, "first_drift_date": tracker.first_drift_date.isoformat()}
        | _seasonal_metadata(baseline_days))


def _seasonal_metadata(baseline_days: tuple[date, date, str]) -> dict[str, str]:
    first, last, kind = baseline_days
    if kind == FLAT:
        return {}
    return {"baseline": kind, "baseline_first_date": first.isoformat(),
            "baseline_last_date": last.isoformat()}


@hookimpl
def costsight_register_anomaly_detectors(register: Callable[[object], None]) -> None:
    register(SustainedDriftDetector())
