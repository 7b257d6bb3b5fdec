"""Absolute spike: today's spend against the average active day of the baseline window.

Per user, per feature and for the tenant. The baseline is the average spend over the days
WITH records in [today - 14, today - 2] (today and yesterday excluded); an entity without such
a baseline (new, or zero spend) is never flagged. Today is compared so far (a partial day
against full-day averages, as in the original), so a spike is caught during the day it starts.

A ratio >= 1.40 is a breach day (recorded, one row per entity and day) if today also stands
``spike_min_z`` (3) sample standard deviations above the baseline days' mean (the noise gate,
``core/engines/noise.py``: it passes for zero-variance baselines and where the per-day rows
are not in the context). The anomaly fires once
an entity has breached on ``spike_consecutive_days`` (2) consecutive days ending today: the
streak is yesterday's stored streak plus today, capped at ``breach_streak_lookback_days + 1``.
A day without a breach breaks the streak (there is nothing to reset). A breach at or above
``spike_immediate_ratio`` (2.0) fires on its first day: a one-day doubling is over by the time
a second day could confirm it. The anomaly's cause is left at UNKNOWN: the engines facade
derives it afterwards with the registered cause derivers.

Seasonality (``core/engines/seasonal.py``): with enough history the baseline is the entity's
average over the same weekday of earlier weeks instead (``metadata["baseline"]`` is then
``weekday``; absent for the flat baseline).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

from costsight.core.domain.anomalies import AnomalyType, Breach, DetectedAnomaly, EntityType
from costsight.core.engines import AnomalyContext, AnomalyFindings
from costsight.core.engines.exact import as_fraction, at_least, pct_over, to_cents
from costsight.core.engines.noise import significant, stands_out, weekday_variance
from costsight.core.engines.seasonal import FLAT, WEEKDAY, seasonal, weekday_days
from costsight.core.engines.severity import classify_deviation
from costsight.core.money import cents_json
from costsight.core.plugins import hookimpl

ENTITY_TYPES = (EntityType.USER, EntityType.FEATURE, EntityType.TENANT)


@dataclass(frozen=True)
class AbsoluteSpikeDetector:
    name: str = "absolute_spike"
    order: int = 100

    def detect(self, context: AnomalyContext) -> AnomalyFindings:
        settings = context.settings
        threshold = as_fraction(settings.spike_threshold_ratio)
        max_streak = settings.breach_streak_lookback_days + 1
        weekly = weekday_days(context.today, settings) if seasonal(context) else None
        anomalies: list[DetectedAnomaly] = []
        breaches: list[Breach] = []
        for entity_type in ENTITY_TYPES:
            for usage in context.summaries(entity_type):
                total, days = usage.baseline_spend_cents, usage.baseline_days
                kind = FLAT
                if weekly is not None:
                    on_weekday = context.weekday_spends(entity_type, usage.entity_id)
                    same = [on_weekday[d] for d in weekly if d in on_weekday]
                    if same:
                        total, days, kind = sum(same, start=Decimal(0)), len(same), WEEKDAY
                if days == 0 or total <= 0:
                    continue
                current = usage.today_spend_cents
                if not _breached(current, total, days, threshold):
                    continue
                if kind == WEEKDAY:
                    noisy = not _weekday_significant(context, entity_type, usage.entity_id,
                                                     as_fraction(current) - as_fraction(total) / days,
                                                     same)
                else:  # the per-day spends only of an entity that breached (few do)
                    spends = _flat_days(context, entity_type, usage.entity_id)
                    noisy = not significant(current, spends, settings.spike_min_z)
                if noisy:
                    continue
                entity_id = usage.entity_id
                baseline = as_fraction(total) / days
                deviation = pct_over(current, baseline)
                breaches.append(Breach(
                    tenant_id=context.tenant_id, entity_type=entity_type.value,
                    entity_id=entity_id, breach_type=AnomalyType.ABSOLUTE_SPIKE.value,
                    breach_date=context.today, deviation_pct=float(deviation),
                    current_value_cents=current, baseline_value_cents=to_cents(baseline)))
                prior = context.prior_streaks.get((entity_type.value, entity_id), 0)
                streak = min(prior + 1, max_streak)
                if streak >= settings.spike_consecutive_days or at_least(
                        current, baseline, settings.spike_immediate_ratio):
                    anomalies.append(_anomaly(context, entity_type, entity_id, current, baseline,
                                              deviation, streak, kind))
        return AnomalyFindings(anomalies=tuple(anomalies), breaches=tuple(breaches))


def _flat_days(context: AnomalyContext, entity_type: EntityType,
               entity_id: str) -> list[Decimal]:
    """The per-day spends of the flat baseline's active days, where the context holds them
    (the tenant's ``daily_usage``); empty otherwise (the noise gate then passes)."""
    first, last = context.baseline_window
    return [spend for day, spend in context.day_spends(entity_type, entity_id).items()
            if first <= day <= last]


def _weekday_significant(context: AnomalyContext, entity_type: EntityType, entity_id: str,
                        excess: Fraction, same: list[Decimal]) -> bool:
    """The seasonal gate: the excess against the within-weekday variance pooled over the
    ``seasonal_weeks`` weeks before today (days without records spend 0), from the entity's
    per-day rows; contexts without them use the same-weekday days alone."""
    settings = context.settings
    spends = context.day_spends(entity_type, entity_id)
    if not spends:
        return significant(excess + as_fraction(sum(same, start=Decimal(0))) / len(same),
                           same, settings.spike_min_z)
    weeks = settings.seasonal_weeks
    first = context.today - timedelta(days=7 * weeks)
    variance = weekday_variance(spends, first, weeks)
    return stands_out(excess, variance, settings.spike_min_z)


def _breached(current: Decimal, total: Decimal, days: int, threshold: Fraction) -> bool:
    """current >= (total / days) x threshold, exactly, in integers (most entities do not
    breach, and Fraction arithmetic for each of thousands of them is the slow part)."""
    cur_num, cur_den = current.as_integer_ratio()
    tot_num, tot_den = total.as_integer_ratio()
    return cur_num * tot_den * days * threshold.denominator >= (
        tot_num * cur_den * threshold.numerator)


def _anomaly(context: AnomalyContext, entity_type: EntityType, entity_id: str,
             current: Decimal, baseline: Fraction, deviation: Fraction,
             streak: int, kind: str) -> DetectedAnomaly:
    days = "day" if streak == 1 else "days"
    return DetectedAnomaly(
        tenant_id=context.tenant_id, anomaly_type=AnomalyType.ABSOLUTE_SPIKE,
        severity=classify_deviation(deviation, context.settings),
        entity_type=entity_type.value, entity_id=entity_id,
        current_value_cents=current, expected_value_cents=to_cents(baseline),
        deviation_pct=float(deviation), threshold_ratio=context.settings.spike_threshold_ratio,
        message=(f"{entity_type.value.capitalize()} {entity_id} spending {float(deviation):.1f}% "
                 f"above baseline for {streak} consecutive {days}"),
        breach_count=streak,
        metadata={"lookback_days": context.settings.spike_lookback_days,
                  "baseline_daily_avg": cents_json(to_cents(baseline)),
                  "consecutive_breaches": streak}
        | ({"baseline": kind} if kind != FLAT else {}))


@hookimpl
def costsight_register_anomaly_detectors(register: Callable[[object], None]) -> None:
    register(AbsoluteSpikeDetector())
