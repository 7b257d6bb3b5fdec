"""The anomaly context over per-entity summaries: what detectors and cause derivers read.

The cycle gives the context one summary per entity (baseline, yesterday, today) and per-day
rows of the tenant only; every reading below must answer as it would from per-day rows of
every entity.
"""

from __future__ import annotations

import random
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

import pytest

from costsight.core.domain.anomalies import DailyUsage, EntityType, EntityUsageSummary
from costsight.core.engines import AnomalyContext
from costsight.core.engines.contexts import summarize
from costsight.core.engines.exact import at_least
from costsight.core.plugins.causes import apply_causes
from costsight.plugins.anomaly.causes import BUILTIN_CAUSES
from costsight.plugins.anomaly.spike import AbsoluteSpikeDetector, _breached
from tests.engines.builders import AS_OF, SETTINGS, TENANT, TODAY, day, flat_history, usage


def per_day_rows() -> list[DailyUsage]:
    return [
        *flat_history("user", "u1", "100", first=-20, last=-2),
        usage("user", "u1", day(-1), "120", requests=10, retries=1, input_tokens=1000),
        usage("user", "u1", TODAY, "160", requests=10, retries=4, input_tokens=1000),
        usage("user", "old", day(-15), "500"),  # before the summaries' range: not listed
        usage("user", "edge", day(-14), "7"),  # the first day of the range: listed
        usage("user", "zero", TODAY, "0", requests=3),  # records at zero cost still count
        usage("feature", "b.x", TODAY, "30"),
        usage("feature", "a.x", TODAY, "70"),
        usage("feature", "c.x", day(-1), "5"),
        *flat_history("tenant", TENANT, "100", first=-28, last=0),
    ]


def test_summarize_keeps_the_port_semantics() -> None:
    rows = summarize(per_day_rows(), TODAY, SETTINGS)
    keys = [(r.entity_type.value, r.entity_id) for r in rows]
    assert keys == [("feature", "a.x"), ("feature", "b.x"), ("feature", "c.x"),
                    ("tenant", TENANT), ("user", "edge"), ("user", "u1"), ("user", "zero")]
    u1 = rows[keys.index(("user", "u1"))]
    assert u1 == EntityUsageSummary(
        entity_type=EntityType.USER, entity_id="u1", baseline_spend_cents=Decimal(1300),
        baseline_days=13, today_spend_cents=Decimal(160), today_requests=10, today_retries=4,
        today_input_tokens=1000, yesterday_spend_cents=Decimal(120), yesterday_requests=10,
        yesterday_retries=1, yesterday_input_tokens=1000)
    edge = rows[keys.index(("user", "edge"))]
    assert (edge.baseline_spend_cents, edge.baseline_days, edge.today_requests,
            edge.yesterday_requests) == (Decimal(7), 1, 0, 0)


def summaries_only() -> AnomalyContext:
    """What the cycle builds: every entity summarised, per-day rows for the tenant only."""
    rows = per_day_rows()
    return AnomalyContext(
        tenant_id=TENANT, as_of=AS_OF, settings=SETTINGS,
        daily_usage=tuple(r for r in rows if r.entity_type is EntityType.TENANT),
        usage_summaries=summarize(rows, TODAY, SETTINGS))


def test_readings_come_from_the_summaries_for_every_entity() -> None:
    context = summaries_only()
    assert context.baseline_window == (day(-14), day(-2))
    assert context.entities("user") == ["edge", "u1", "zero"]
    assert [s.entity_id for s in context.summaries(EntityType.FEATURE)] == ["a.x", "b.x", "c.x"]
    assert context.summary("user", "old") is None
    assert context.spend_on("user", "u1", TODAY) == Decimal(160)
    assert context.spend_on("user", "u1", day(-1)) == Decimal(120)
    assert context.spend_on("user", "u1", day(-3)) == 0  # no per-day rows of users
    assert context.spend_on("tenant", TENANT, day(-3)) == Decimal(100)
    assert context.window("tenant", TENANT, day(-28), day(-8)) == (Decimal(2100), 21)


def test_cause_evidence_is_rebuilt_from_the_summaries() -> None:
    evidence = summaries_only().cause_evidence("user", "u1")
    assert evidence.today == usage("user", "u1", TODAY, "160", requests=10, retries=4,
                                   input_tokens=1000)
    assert evidence.yesterday == usage("user", "u1", day(-1), "120", requests=10, retries=1,
                                       input_tokens=1000)
    # today's features of the tenant, ascending; c.x spent nothing today
    assert [(f.entity_id, f.spend_cents) for f in evidence.today_features] == [
        ("a.x", Decimal(70)), ("b.x", Decimal(30))]
    zero = summaries_only().cause_evidence("user", "zero")
    assert zero.today is not None and zero.today.requests == 3 and zero.yesterday is None
    assert summaries_only().cause_evidence("budget-kind", "x").today is None


def test_spike_and_cause_from_summaries_match_per_day_rows() -> None:
    streaks = {("user", "u1"): 1}
    summarised = replace(summaries_only(), prior_streaks=streaks)
    from_summaries, _ = apply_causes(AbsoluteSpikeDetector().detect(summarised), summarised,
                                     BUILTIN_CAUSES)
    rows = per_day_rows()
    per_day = AnomalyContext(
        tenant_id=TENANT, as_of=AS_OF, settings=SETTINGS, daily_usage=tuple(rows),
        usage_summaries=summarize(rows, TODAY, SETTINGS), prior_streaks=streaks)
    from_rows, _ = apply_causes(AbsoluteSpikeDetector().detect(per_day), per_day,
                                BUILTIN_CAUSES)
    assert from_summaries == from_rows
    [anomaly] = from_summaries.anomalies
    assert (anomaly.entity_id, anomaly.derived_cause, anomaly.current_value_cents) == (
        "u1", "RETRY_LOOP", Decimal(160))


def test_integer_breach_check_is_the_exact_ratio() -> None:
    rng = random.Random(7)
    thresholds = [Fraction(7, 5), Fraction(3, 2), Fraction(1), Fraction(1234567, 1000000)]
    for _ in range(5000):
        days = rng.randint(1, 13)
        total = Decimal(rng.randint(1, 10**12)) / 10**rng.randint(0, 6)
        threshold = rng.choice(thresholds)
        exact = total / days * Decimal(threshold.numerator) / threshold.denominator
        current = exact.quantize(Decimal("0.000001")) + Decimal(rng.randint(-2, 2)) / 10**6
        expected = at_least(current, Fraction(total) / days, threshold)
        assert _breached(current, total, days, threshold) is expected, (current, total, days)


@pytest.mark.parametrize(("current", "breached"), [("139.999999", False), ("140", True)])
def test_integer_breach_check_at_the_boundary(current: str, breached: bool) -> None:
    assert _breached(Decimal(current), Decimal(1300), 13, Fraction(7, 5)) is breached
