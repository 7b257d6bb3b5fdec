"""Per-entity columns (``EntityDays``) in the anomaly context answer as the per-day rows do.

The cycle hands every user's and feature's days of a seasonal pass to the context as
``entity_days`` (no row objects); the spike detector and every context reading must find
exactly what they found when the same days were ``DailyUsage`` rows.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from costsight.core.domain.anomalies import DailyUsage, EntityType
from costsight.core.domain.entity_days import EntityDays, entity_days_of
from costsight.core.engines.seasonal import same_weekday
from costsight.core.errors import ValidationError
from costsight.plugins.anomaly.spike import AbsoluteSpikeDetector
from tests.engines.builders import SETTINGS, TENANT, TODAY, anomaly_context, day, usage


def history(seed: int) -> list[DailyUsage]:
    """28 days and today of a few users and features (some days missing, some spiking today,
    one with no records on today's weekday: the flat fallback), and the tenant's days."""
    rng = random.Random(seed)
    rows = []
    for kind, ids in (("feature", ["f.a", "f.b"]), ("user", ["u1", "u2", "u3", "u4", "u5"])):
        for entity_id in ids:
            base = rng.randint(50, 500)
            for offset in range(-28, 1):
                if rng.random() < 0.15 or (entity_id == "u5" and offset % 7 == 0 and offset):
                    continue
                spike = 3 if offset == 0 and entity_id in ("u1", "u5", "f.b") else 1
                cents = Decimal(base * spike * rng.randint(80, 120)) / 100 + Decimal("0.000001")
                rows.append(usage(kind, entity_id, day(offset), cents,
                                  requests=rng.randint(1, 50), retries=rng.randint(0, 3)))
    rows += [usage("tenant", TENANT, day(offset), 4000) for offset in range(-28, 1)]
    return sorted(rows, key=lambda r: (r.entity_type.value, r.entity_id, r.day))


@pytest.mark.parametrize("seed", range(8))
def test_the_spike_finds_the_same_from_columns_as_from_rows(seed: int) -> None:
    rows = history(seed)
    as_rows = replace(anomaly_context(rows), seasonal=True,
                      weekday_usage=same_weekday(rows, TODAY, SETTINGS))
    tenant = tuple(r for r in rows if r.entity_type is EntityType.TENANT)
    # as the cycle builds it: the entities' days before today as columns
    entities = [r for r in rows if r.entity_type is not EntityType.TENANT and r.day < TODAY]
    as_columns = replace(as_rows, daily_usage=tenant,
                         weekday_usage=same_weekday(tenant, TODAY, SETTINGS),
                         entity_days=tuple(entity_days_of(entities)))
    from_rows = AbsoluteSpikeDetector().detect(as_rows)
    assert from_rows.anomalies or from_rows.breaches
    assert AbsoluteSpikeDetector().detect(as_columns) == from_rows
    for r in entities:
        kind, entity_id = r.entity_type, r.entity_id
        assert as_columns.usage(kind, entity_id)[r.day] == r
        assert as_columns.day_spends(kind, entity_id)[r.day] == r.spend_cents
        assert as_columns.weekday_rows(kind, entity_id) == {
            d: v for d, v in as_rows.weekday_rows(kind, entity_id).items() if d < TODAY}
        assert as_columns.weekday_spends(kind, entity_id) == {
            d: v.spend_cents for d, v in as_columns.weekday_rows(kind, entity_id).items()}


def test_columns_round_trip_rows_with_micro_cents_exact() -> None:
    rows = [usage("user", "u1", day(-2), "45000000000.000001", requests=3, retries=1,
                  input_tokens=7),
            usage("user", "u1", day(-1), "0", requests=2),
            usage("user", "u2", day(-1), "0.000002")]
    [u1, u2] = entity_days_of(rows)
    assert u1.cost_micros == (45_000_000_000_000_001, 0) and u1.requests == (3, 2)
    assert [*u1.rows().values(), *u2.rows().values()] == rows
    assert u1.spends([day(-1), day(-3)]) == {day(-1): Decimal(0)}


@pytest.mark.parametrize(("field", "days", "micros"), [
    ("cost_micros", (date(2026, 3, 1), date(2026, 3, 2)), (1,)),
    ("days", (date(2026, 3, 2), date(2026, 3, 1)), (1, 2)),
    ("days", (date(2026, 3, 1), date(2026, 3, 1)), (1, 2)),
])
def test_columns_that_do_not_line_up_are_refused_naming_the_field(
        field: str, days: tuple[date, ...], micros: tuple[int, ...]) -> None:
    n = len(days)
    with pytest.raises(ValidationError) as raised:
        EntityDays(entity_type=EntityType.USER, entity_id="u1", days=days, cost_micros=micros,
                   requests=(1,) * n, retries=(0,) * n, input_tokens=(0,) * n)
    assert raised.value.field == field
