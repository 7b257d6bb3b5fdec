"""Contract: PriceBookPort (effective-dated overrides over genai-prices defaults) and the
pricing of cost records written without a cost."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from genai_prices import Usage, calc_price

from costsight.core.domain.costs import CostChange, CostRecord, CostSource
from costsight.core.domain.prices import ModelPrice, NewModelPrice, PriceLookup, Rate, Tier
from costsight.core.domain.statistics import Dimension, Resolution, TimeWindow
from costsight.core.ports import Storage
from costsight.testing.contract.builders import OTHER_TENANT, T0, TENANT, cost, in_uow, read

DAY = timedelta(days=1)


def price(model: str = "acme-model", *, tenant_id: str | None = None,
          provider: str | None = None, effective_from: Any = T0,
          **cents_per_mtok: int | str) -> NewModelPrice:
    rates = {kind: Rate.from_cents(value) for kind, value in
             (cents_per_mtok or {"input_mtok": 100, "output_mtok": 400}).items()}
    return NewModelPrice(tenant_id=tenant_id, provider=provider, model=model,
                         effective_from=effective_from, rates=rates)


async def set_prices(storage: Storage, *prices: NewModelPrice) -> list[ModelPrice]:
    async def action(uow: Any) -> list[ModelPrice]:
        return [await uow.price_book.set_price(p) for p in prices]
    return await in_uow(storage, action)


async def resolve(storage: Storage, model: str, at: Any = T0, *, tenant_id: str = TENANT,
                  provider: str | None = None) -> ModelPrice | None:
    found = await read(storage, lambda uow: uow.price_book.resolve_many(
        tenant_id, [PriceLookup(provider=provider, model=model, at=at)]))
    return found[0]


async def stored(storage: Storage, tenant_id: str = TENANT) -> list[CostRecord]:
    return await read(storage, lambda uow: uow.costs.records_to_reprice(
        tenant_id, T0 - 30 * DAY, None, after_id=None, limit=1000))


async def test_set_price_stores_exact_rates_and_lists_by_scope(storage: Storage) -> None:
    glob, mine, theirs = await set_prices(
        storage, price(input_mtok="2.5", output_mtok=10),
        price(tenant_id=TENANT, effective_from=T0 + DAY, input_mtok=1),
        price(tenant_id=OTHER_TENANT, input_mtok=3))
    assert glob.rates["input_mtok"] == Rate(base=2_500_000)
    assert glob.rates["output_mtok"] == Rate(base=10_000_000)
    assert glob.tenant_id is None and mine.tenant_id == TENANT
    assert [p.id for p in await read(storage, lambda u: u.price_book.list_prices(TENANT))] \
        == [glob.id, mine.id]
    assert [p.id for p in await read(storage, lambda u: u.price_book.list_prices(None))] \
        == [glob.id]
    assert await read(storage, lambda u: u.price_book.get_price(theirs.id)) == theirs


async def test_same_scope_model_and_date_replaces_the_rates_and_keeps_the_id(
        storage: Storage) -> None:
    (first,) = await set_prices(storage, price(input_mtok=1))
    (second,) = await set_prices(storage, price(model="ACME-Model", input_mtok=2))
    assert second.id == first.id and second.model == "acme-model"
    assert second.rates == {"input_mtok": Rate(base=2_000_000)}
    assert len(await read(storage, lambda u: u.price_book.list_prices(None))) == 1


async def test_tenant_entry_overrides_the_global_one_for_that_tenant_only(
        storage: Storage) -> None:
    glob, mine = await set_prices(storage, price(input_mtok=5),
                                  price(tenant_id=TENANT, input_mtok=4))
    assert (await resolve(storage, "acme-model")) == mine
    assert (await resolve(storage, "acme-model", tenant_id=OTHER_TENANT)) == glob


async def test_a_later_entry_supersedes_an_earlier_one_from_its_effective_from(
        storage: Storage) -> None:
    old, new = await set_prices(storage, price(input_mtok=5),
                                price(effective_from=T0 + 2 * DAY, input_mtok=6))
    assert await resolve(storage, "acme-model", T0 - DAY) is None
    assert await resolve(storage, "acme-model", T0 + DAY) == old
    assert await resolve(storage, "acme-model", T0 + 2 * DAY) == new


async def test_dated_ids_and_aliases_resolve_to_the_entry_of_the_model(
        storage: Storage) -> None:
    undated, canonical, other = await set_prices(
        storage, price("claude-sonnet-4", input_mtok=1),
        price("claude-opus-4-0", provider="anthropic", input_mtok=2),
        price("claude-opus-4-0", provider="aws", input_mtok=3))
    assert await resolve(storage, "claude-sonnet-4-20250514") == undated
    assert await resolve(storage, "Claude-Sonnet-4-2025-05-14") == undated
    # genai-prices knows claude-opus-4-20250514 as claude-opus-4-0
    assert await resolve(storage, "claude-opus-4-20250514", provider="anthropic") == canonical
    assert await resolve(storage, "claude-opus-4-20250514", provider="aws.bedrock") == other


async def test_without_an_override_the_genai_prices_default_applies(storage: Storage) -> None:
    found = await resolve(storage, "gpt-4o", provider="openai")
    assert found is not None and found.default and found.id.startswith("genai-prices:openai/")
    again = await read(storage, lambda u: u.price_book.get_price(found.id))
    assert again == found
    assert await resolve(storage, "no-such-model-anywhere-xyz") is None


async def test_records_without_cost_are_priced_reported_kept_unknown_flagged(
        storage: Storage) -> None:
    await set_prices(storage, price(input_mtok=100, output_mtok=400))
    at = T0 + DAY
    await in_uow(storage, lambda uow: uow.costs.record_costs([
        cost(model="acme-model", cost_cents=None, input_tokens=1000, output_tokens=500,
             request_id="priced", created_at=at),
        cost(model="no-such-model-xyz", cost_cents=None, input_tokens=10, request_id="unpriced",
             created_at=at),
        cost(model="gpt-4o", provider="openai", cost_cents=None, input_tokens=12_345,
             output_tokens=678, cache_read_tokens=2_000, request_id="default", created_at=at),
        cost(model="acme-model", cost_cents=Decimal("7"), request_id="reported", created_at=at),
    ]))
    rows = {r.request_id: r for r in await stored(storage)}
    assert set(rows) == {"priced", "unpriced", "default"}  # reported records never reprice
    assert rows["priced"].cost_cents == Decimal("0.3")  # 1000 x 100 + 500 x 400 per 10^6
    assert rows["priced"].cost_source is CostSource.PRICED
    assert rows["unpriced"].cost_cents == 0 and rows["unpriced"].price_id is None
    assert rows["unpriced"].cost_source is CostSource.UNPRICED
    usd = calc_price(Usage(input_tokens=12_345, output_tokens=678, cache_read_tokens=2_000),
                     "gpt-4o", provider_id="openai", genai_request_timestamp=at).total_price
    assert rows["default"].cost_cents == (usd * 100).quantize(Decimal("0.000001"))
    assert rows["default"].price_id is not None
    assert rows["default"].price_id.startswith("genai-prices:openai/")


async def test_cache_tokens_are_part_of_input_and_never_counted_twice(storage: Storage) -> None:
    await set_prices(storage, price(input_mtok=100, cache_read_mtok=10, cache_write_mtok=125,
                                    output_mtok=400, output_reasoning_mtok=800))
    await in_uow(storage, lambda uow: uow.costs.record_costs([cost(
        model="acme-model", cost_cents=None, input_tokens=1_000_000, cache_read_tokens=600_000,
        cache_write_tokens=100_000, output_tokens=10_000, reasoning_tokens=2_500)]))
    (row,) = await stored(storage)
    # 300k uncached x 100 + 600k x 10 + 100k x 125 + 7.5k x 400 + 2.5k x 800, per 10^6
    assert row.cost_cents == Decimal("30") + 6 + Decimal("12.5") + 3 + 2


async def test_a_tier_switches_the_whole_kind_by_total_input_tokens(storage: Storage) -> None:
    rates = {"input_mtok": Rate(base=100_000_000, tiers=(Tier(start=200_000,
                                                              rate=200_000_000),))}
    await in_uow(storage, lambda uow: uow.price_book.set_price(NewModelPrice(
        model="tiered", effective_from=T0, rates=rates)))
    await in_uow(storage, lambda uow: uow.costs.record_costs([
        cost(model="tiered", cost_cents=None, input_tokens=200_000, request_id="at"),
        cost(model="tiered", cost_cents=None, input_tokens=200_001, request_id="above")]))
    rows = {r.request_id: r.cost_cents for r in await stored(storage)}
    assert rows == {"at": Decimal("20"), "above": Decimal("40.0002")}


async def test_update_costs_changes_priced_records_of_the_tenant_only(storage: Storage) -> None:
    await set_prices(storage, price(input_mtok=100))
    await in_uow(storage, lambda uow: uow.costs.record_costs([
        cost(model="acme-model", cost_cents=None, input_tokens=10, request_id="p"),
        cost(model="acme-model", cost_cents=None, input_tokens=10, request_id="q",
             tenant_id=OTHER_TENANT)]))
    (mine,) = await stored(storage)
    (theirs,) = await stored(storage, OTHER_TENANT)
    change = CostChange(id=mine.id, cost_cents=Decimal("1.25"), cost_source=CostSource.PRICED,
                        price_id="x")
    other = CostChange(id=theirs.id, cost_cents=Decimal("9"), cost_source=CostSource.UNPRICED)
    assert await in_uow(storage, lambda u: u.costs.update_costs(TENANT, [change, other])) == 1
    assert await in_uow(storage, lambda u: u.costs.update_costs(TENANT, [change])) == 0
    (after,) = await stored(storage)
    assert (after.cost_cents, after.price_id) == (Decimal("1.25"), "x")
    assert (await stored(storage, OTHER_TENANT))[0].cost_cents == theirs.cost_cents


async def test_spend_and_breakdowns_count_unpriced_calls_beside_spend(storage: Storage) -> None:
    await in_uow(storage, lambda uow: uow.costs.record_costs([
        cost(model="no-such-model-xyz", cost_cents=None, input_tokens=70, output_tokens=30),
        cost(model="no-such-model-xyz", cost_cents=None, input_tokens=7, output_tokens=3),
        cost(model="gpt-4o", cost_cents=Decimal("2"))]))
    window = TimeWindow(start=T0 - DAY, end=T0 + DAY)
    buckets = await read(storage, lambda uow: uow.analytics.cost_spend(
        TENANT, window, Resolution.DAY))
    assert [(b.spend_cents, b.requests, b.unpriced_calls, b.unpriced_tokens)
            for b in buckets if b.requests] == [(Decimal(2), 3, 2, 110)]
    by_source = await read(storage, lambda uow: uow.analytics.cost_breakdown(
        TENANT, window, Dimension.COST_SOURCE))
    assert [(r.key, r.spend_cents, r.requests, r.unpriced_calls, r.unpriced_tokens)
            for r in by_source] == [("reported", Decimal(2), 1, 0, 0),
                                    ("unpriced", Decimal(0), 2, 2, 110)]
    by_model = await read(storage, lambda uow: uow.analytics.cost_breakdown(
        TENANT, window, Dimension.MODEL))
    assert {r.key: r.unpriced_calls for r in by_model} == {"gpt-4o": 0,
                                                          "no-such-model-xyz": 2}
