"""The drivers of one anomaly, from the per-value spend ``CostDriverPort`` read.

Each dimension's values share the anomaly's current value and its expected value in
proportion to their spend in the current and the baseline windows (largest-remainder
apportionment in integer micro-cents), so within every dimension the values' current amounts
add up exactly to the anomaly's current value, their baseline amounts to its expected value,
and their deltas to its delta. Values rank by absolute delta (ties by value); the first
``TOP_DRIVERS`` are kept and the rest summed into one ``other`` row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from costsight.core.domain.drivers import (
    TOP_DRIVERS,
    AnomalyDrivers,
    Driver,
    DriverDimension,
    SpendSplit,
)
from costsight.core.engines.exact import common_scale
from costsight.core.money import cents_to_micros, micros_to_cents

OTHER = "other"


def apportion(target: int, weights: Sequence[Decimal]) -> list[int]:
    """``target`` micro-cents split in proportion to ``weights`` (largest remainder, ties to
    the earlier weight); the parts add up to ``target`` exactly. All-zero weights get 0 each
    (the caller keeps the unattributed target apart)."""
    scaled, _ = common_scale(weights)
    total = sum(scaled)
    if total <= 0 or not weights:
        return [0] * len(weights)
    # part i is target x w_i / total exactly: floor and remainder in integers (the common
    # denominator of the weights cancels)
    shares = [divmod(target * w, total) for w in scaled]
    parts = [whole for whole, _ in shares]
    left = target - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (-shares[i][1], i))
    for i in order[:left]:
        parts[i] += 1
    return parts


def compute_drivers(splits: Iterable[SpendSplit], *, current_cents: Decimal,
                    expected_cents: Decimal, top: int = TOP_DRIVERS) -> AnomalyDrivers:
    """The drivers of an anomaly whose current and expected values are given, from the
    splits of its entity (one entity's rows; any dimension may be missing: it is then all
    ``other``)."""
    cur_target, base_target = cents_to_micros(current_cents), cents_to_micros(expected_cents)
    delta = cur_target - base_target
    by_dim: dict[DriverDimension, list[SpendSplit]] = {d: [] for d in DriverDimension}
    for split in splits:
        by_dim[split.dimension].append(split)
    dimensions: dict[str, list[Driver]] = {}
    for dimension, rows in by_dim.items():
        rows.sort(key=lambda s: s.value)
        cur = apportion(cur_target, [s.current_cents for s in rows])
        base = apportion(base_target, [s.baseline_cents for s in rows])
        values = [(s.value, c, b) for s, c, b in zip(rows, cur, base, strict=True)]
        values.sort(key=lambda v: (-abs(v[1] - v[2]), v[0]))
        kept, rest = values[:top], values[top:]
        rest_cur = cur_target - sum(v[1] for v in kept)
        rest_base = base_target - sum(v[2] for v in kept)
        drivers = [_driver(value, c, b, delta) for value, c, b in kept]
        if rest or rest_cur or rest_base:
            drivers.append(_driver(OTHER, rest_cur, rest_base, delta, other=True))
        dimensions[dimension.value] = drivers
    return AnomalyDrivers(delta_cents=micros_to_cents(delta), dimensions=dimensions)


def _driver(value: str, current: int, baseline: int, total_delta: int, *,
            other: bool = False) -> Driver:
    delta = current - baseline
    share = round(delta / total_delta, 4) if total_delta else 0.0
    return Driver(value=value, delta_cents=micros_to_cents(delta), share=share,
                  current_cents=micros_to_cents(current),
                  baseline_cents=micros_to_cents(baseline), other=other)


def retries_lead(drivers: AnomalyDrivers) -> bool:
    """Retried calls carry the largest share of a positive delta (more than first attempts)."""
    retried = drivers.value(DriverDimension.RETRY, "retry")
    first = drivers.value(DriverDimension.RETRY, "first_attempt")
    if retried is None or retried.delta_cents <= 0 or drivers.delta_cents <= 0:
        return False
    return first is None or retried.delta_cents > first.delta_cents


def model_switch(drivers: AnomalyDrivers) -> bool:
    """A model absent (under a tenth of its current spend) from the baseline carries most of
    a positive delta (share > 0.5) while another model's spend fell."""
    models = drivers.top(DriverDimension.MODEL)
    if drivers.delta_cents <= 0 or not models:
        return False
    lead = max(models, key=lambda d: d.delta_cents)
    new = lead.baseline_cents * 10 < lead.current_cents
    fell = any(d.delta_cents < 0 for d in models if d is not lead)
    return new and fell and lead.share > 0.5
