"""Root-cause drivers for the anomalies of one detection pass (read, then computed).

The windows mirror each detector's: a spike compares today so far with its baseline days
(flat ``[today - 14, today - 2]``, or the same weekday of earlier weeks when the anomaly's
``metadata["baseline"]`` is ``weekday``); a drift compares the rolling 7 days (today so far
included) with its baseline window (the seasonal one named in its metadata); a budget anomaly
compares its period so far (today, or the month) with the same span of the period before, whose
mix is scaled to the limit. One ``CostDriverPort`` call per distinct window set (at most four
per tenant and pass, whatever the number of anomalies).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from costsight.core.domain.anomalies import AnomalyType, DetectedAnomaly, EntityType
from costsight.core.domain.costs import BudgetPeriod
from costsight.core.domain.drivers import AnomalyDrivers, SpendSplit
from costsight.core.domain.statistics import TimeWindow
from costsight.core.engines.drivers import compute_drivers
from costsight.core.engines.seasonal import WEEKDAY, weekday_days
from costsight.core.plugins.causes import DriverKey, driver_key
from costsight.core.ports.cost_driver import CostDriverPort
from costsight.core.settings import EngineSettings
from costsight.core.timeutil import day_start, month_start, utc_day

_US = timedelta(microseconds=1)
Windows = tuple[TimeWindow, tuple[TimeWindow, ...]]


def _days(first: date, last: date) -> TimeWindow:
    return TimeWindow(start=day_start(first), end=day_start(last + timedelta(days=1)))


def _until(first: date, as_of: datetime) -> TimeWindow:
    return TimeWindow(start=day_start(first), end=as_of + _US)


def windows_for(anomaly: DetectedAnomaly, as_of: datetime,
                settings: EngineSettings) -> Windows | None:
    """(current, baseline windows) of an anomaly, None for a type without drivers."""
    today, meta = utc_day(as_of), anomaly.metadata
    if anomaly.anomaly_type is AnomalyType.ABSOLUTE_SPIKE:
        if meta.get("baseline") == WEEKDAY:
            baseline = tuple(_days(d, d) for d in weekday_days(today, settings))
        else:
            baseline = (_days(today - timedelta(days=settings.spike_lookback_days),
                              today - timedelta(days=settings.spike_baseline_end_offset_days)),)
        return _until(today, as_of), baseline
    if anomaly.anomaly_type is AnomalyType.SUSTAINED_DRIFT:
        first = today - timedelta(days=settings.drift_baseline_first_offset_days)
        last = today - timedelta(days=settings.drift_baseline_last_offset_days)
        if meta.get("baseline") == WEEKDAY:
            first = date.fromisoformat(str(meta["baseline_first_date"]))
            last = date.fromisoformat(str(meta["baseline_last_date"]))
        return (_until(today - timedelta(days=settings.drift_rolling_days - 1), as_of),
                (_days(first, last),))
    if anomaly.period == BudgetPeriod.MONTHLY.value:
        start = day_start(month_start(today))
        before = day_start(month_start(today - timedelta(days=today.day)))
        end = min(before + (as_of - start) + _US, start)
        previous = (TimeWindow(start=before, end=end),) if end > before else ()
        return TimeWindow(start=start, end=as_of + _US), previous
    yesterday = day_start(today - timedelta(days=1))
    return (_until(today, as_of),
            (TimeWindow(start=yesterday, end=yesterday + (as_of - day_start(today)) + _US),))


def _entity(anomaly: DetectedAnomaly) -> tuple[EntityType, str] | None:
    try:
        kind = EntityType(anomaly.entity_type)
    except ValueError:
        return None
    if kind is EntityType.TENANT:
        return kind, anomaly.tenant_id
    return (kind, anomaly.entity_id) if anomaly.entity_id else None


async def read_drivers(port: CostDriverPort, tenant_id: str,
                       anomalies: Sequence[DetectedAnomaly], as_of: datetime,
                       settings: EngineSettings) -> dict[DriverKey, AnomalyDrivers]:
    """The drivers of every anomaly whose entity and windows are known, by ``driver_key``."""
    groups: dict[Windows, list[tuple[DetectedAnomaly, tuple[EntityType, str]]]] = {}
    for anomaly in anomalies:
        entity, windows = _entity(anomaly), windows_for(anomaly, as_of, settings)
        if entity is not None and windows is not None:
            groups.setdefault(windows, []).append((anomaly, entity))
    found: dict[DriverKey, AnomalyDrivers] = {}
    for (current, baseline), members in groups.items():
        splits = await port.spend_splits(tenant_id, sorted({e for _, e in members}),
                                         current=current, baseline=baseline)
        by_entity: dict[tuple[str, str], list[SpendSplit]] = {}
        for split in splits:
            by_entity.setdefault((split.entity_type, split.entity_id), []).append(split)
        for anomaly, (kind, entity_id) in members:
            found[driver_key(anomaly)] = compute_drivers(
                by_entity.get((kind.value, entity_id), []),
                current_cents=anomaly.current_value_cents,
                expected_cents=anomaly.expected_value_cents)
    return found


def with_drivers(anomalies: Sequence[DetectedAnomaly],
                 drivers: dict[DriverKey, AnomalyDrivers]) -> tuple[DetectedAnomaly, ...]:
    return tuple(a.model_copy(update={"drivers": drivers[driver_key(a)]})
                 if driver_key(a) in drivers else a for a in anomalies)
