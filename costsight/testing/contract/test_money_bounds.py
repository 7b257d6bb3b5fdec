"""Contract: money at its exact bounds through the write ports, on every backend.

Amounts are Decimal cents with at most 6 decimals, stored as BIGINT micro-cents, so the largest
magnitude is ``MAX_CENTS`` = (2**63 - 1) micro-cents. Exactly +/-MAX_CENTS is stored and read back
unchanged; one micro-cent beyond is refused naming the field. A half-micro-cent (the rounding
tie of the 6th decimal) is never rounded, either way: it is refused, and nothing is written.
"""

from __future__ import annotations

from decimal import Decimal

import pydantic
import pytest

from costsight.core.domain.costs import BudgetType
from costsight.core.domain.provenance import ProvenanceFilter
from costsight.core.domain.statistics import Dimension
from costsight.core.money import MAX_CENTS, MICROS_PER_CENT
from costsight.core.ports import Storage
from costsight.testing.contract.builders import (
    MIDNIGHT,
    T0,
    TENANT,
    at,
    budget,
    cost,
    detected,
    in_uow,
    provenance,
    read,
    record,
    upsert_budgets,
    window,
)

MICRO = Decimal(1) / MICROS_PER_CENT
DAY = window(at(10, 0), at(11, 0))


def test_max_cents_is_the_largest_bigint_of_micro_cents() -> None:
    assert MAX_CENTS * MICROS_PER_CENT == 2**63 - 1


async def _spend(storage: Storage) -> list[tuple[str, Decimal]]:
    rows = await read(storage, lambda uow: uow.analytics.cost_breakdown(
        TENANT, DAY, Dimension.MODEL))
    return [(r.key, r.spend_cents) for r in rows]


async def test_a_cost_of_exactly_max_cents_is_stored_exactly(storage: Storage) -> None:
    await record(storage, cost(cost_cents=MAX_CENTS, model="edge"))
    assert await _spend(storage) == [("edge", MAX_CENTS)]


async def test_plus_and_minus_max_cents_round_trip_on_an_anomaly(storage: Storage) -> None:
    found = detected(current_value_cents=MAX_CENTS, expected_value_cents=-MAX_CENTS)
    [stored] = await in_uow(storage, lambda uow: uow.anomaly_records.upsert_anomalies(
        [found], since=MIDNIGHT, now=T0))
    again = await read(storage, lambda uow: uow.anomaly_records.get_anomaly(TENANT, stored.id))
    assert (again.current_value_cents, again.expected_value_cents) == (MAX_CENTS, -MAX_CENTS)


async def test_a_provenance_delta_of_minus_max_cents_is_stored_exactly(storage: Storage) -> None:
    await in_uow(storage, lambda uow: uow.provenance.write(
        provenance(1, v1_cost=MAX_CENTS, v2_cost=Decimal(0))))
    page = await read(storage, lambda uow: uow.provenance.query(
        TENANT, ProvenanceFilter(), limit=10))
    [row] = page.items
    assert (row.v1_cost, row.v2_cost, row.cost_delta) == (MAX_CENTS, Decimal(0), -MAX_CENTS)


async def test_a_budget_limit_of_max_cents_is_stored_exactly(storage: Storage) -> None:
    await upsert_budgets(storage, budget(BudgetType.TENANT, daily_limit_cents=MAX_CENTS,
                                         monthly_limit_cents=MAX_CENTS - MICRO))
    [stored] = await read(storage, lambda uow: uow.costs.list_budgets(TENANT))
    assert (stored.daily_limit_cents, stored.monthly_limit_cents) == (MAX_CENTS,
                                                                       MAX_CENTS - MICRO)


@pytest.mark.parametrize("amount", [MAX_CENTS + MICRO, -MAX_CENTS - MICRO],
                         ids=["above", "below"])
def test_one_micro_cent_beyond_the_bound_is_refused_naming_the_field(amount: Decimal) -> None:
    with pytest.raises(pydantic.ValidationError) as refused:
        detected(current_value_cents=amount)
    [error] = refused.value.errors()
    assert error["loc"] == ("current_value_cents",)
    assert "within" in error["msg"]


@pytest.mark.parametrize("tie", ["0.0000005", "1.0000005", "2.0000015", "-0.0000005",
                                 str(MAX_CENTS - MICRO / 2)])
async def test_a_half_micro_cent_tie_is_refused_not_rounded(storage: Storage, tie: str) -> None:
    with pytest.raises(pydantic.ValidationError) as refused:
        cost(cost_cents=tie)
    assert refused.value.errors()[0]["loc"] == ("cost_cents",)
    assert "6 decimal places" in str(refused.value)
    assert await _spend(storage) == []


async def test_the_smallest_amounts_next_to_a_tie_are_stored_exactly(storage: Storage) -> None:
    # Either neighbour of the 1.0000005 tie, and 2.675 as a float (binary 2.67499999...).
    await record(storage, cost(cost_cents=Decimal("1.000000"), model="a"),
                 cost(cost_cents=Decimal("1.000001"), model="b"),
                 cost(cost_cents=2.675, model="c"), cost(cost_cents=MICRO, model="d"))
    assert sorted(await _spend(storage)) == [
        ("a", Decimal(1)), ("b", Decimal("1.000001")), ("c", Decimal("2.675")), ("d", MICRO)]

