"""The drivers computation: exact additivity per dimension, top 5 + other, causes from them."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from costsight.core.domain.drivers import DriverDimension, SpendSplit
from costsight.core.engines.drivers import apportion, compute_drivers, model_switch, retries_lead


def split(dimension: str, value: str, current: str, baseline: str) -> SpendSplit:
    return SpendSplit(entity_type="tenant", entity_id="t1",
                      dimension=DriverDimension(dimension), value=value,
                      current_cents=Decimal(current), baseline_cents=Decimal(baseline))


def test_apportion_is_exact_and_proportional() -> None:
    assert apportion(10, [Decimal(1), Decimal(1), Decimal(1)]) == [4, 3, 3]
    assert apportion(7, [Decimal(0), Decimal(2)]) == [0, 7]
    assert apportion(5, [Decimal(0), Decimal(0)]) == [0, 0]


def test_top_five_and_other_add_up_to_the_delta() -> None:
    splits = [split("user", f"u{i}", str(10 * i), "5") for i in range(1, 9)]
    drivers = compute_drivers(splits, current_cents=Decimal(360), expected_cents=Decimal(40))
    users = drivers.dimensions["user"]
    assert [d.value for d in users] == ["u8", "u7", "u6", "u5", "u4", "other"]
    assert users[-1].other and users[-1].delta_cents == Decimal(30 + 20 + 10 - 15)
    assert sum(d.delta_cents for d in users) == drivers.delta_cents == Decimal(320)
    assert users[0].current_cents == 80 and users[0].baseline_cents == 5
    assert users[0].share == round(75 / 320, 4)
    # a dimension without rows is all "other"
    assert [(d.value, d.delta_cents) for d in drivers.dimensions["model"]] == [
        ("other", Decimal(320))]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10**9), st.integers(0, 10**9)), min_size=1,
                max_size=12),
       st.integers(1, 10**10), st.integers(1, 10**10))
def test_every_dimension_adds_up_exactly(values: list[tuple[int, int]], current: int,
                                         expected: int) -> None:
    micro = Decimal("0.000001")
    splits = [split("model", f"m{i}", str(c * micro), str(b * micro))
              for i, (c, b) in enumerate(values)]
    cur, exp = Decimal(current) * micro, Decimal(expected) * micro
    drivers = compute_drivers(splits, current_cents=cur, expected_cents=exp)
    for rows in drivers.dimensions.values():
        assert sum(d.current_cents for d in rows) == cur
        assert sum(d.baseline_cents for d in rows) == exp
        assert sum(d.delta_cents for d in rows) == cur - exp


def test_retries_lead_only_with_the_largest_share() -> None:
    led = compute_drivers([split("retry", "retry", "120", "0"),
                           split("retry", "first_attempt", "80", "100")],
                          current_cents=Decimal(200), expected_cents=Decimal(100))
    assert retries_lead(led)
    shared = compute_drivers([split("retry", "retry", "40", "0"),
                              split("retry", "first_attempt", "160", "100")],
                             current_cents=Decimal(200), expected_cents=Decimal(100))
    assert not retries_lead(shared)


def test_model_switch_needs_a_new_model_carrying_most_and_another_falling() -> None:
    switched = compute_drivers([split("model", "gpt-4o-mini", "10", "100"),
                                split("model", "o3", "300", "0")],
                               current_cents=Decimal(310), expected_cents=Decimal(100))
    assert model_switch(switched)
    grew = compute_drivers([split("model", "gpt-4o", "300", "100")],
                           current_cents=Decimal(300), expected_cents=Decimal(100))
    assert not model_switch(grew)
