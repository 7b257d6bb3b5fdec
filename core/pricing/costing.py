"""The cost of each record of a write: reported as given, priced from the price book, or unpriced.

Adapters of the cost write port call :func:`price_costs` before they store a batch, so every
writer (ingest, the OTLP receiver, the Python port) prices the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from costsight.core.domain.costs import CostSource, NewCostRecord
from costsight.core.domain.prices import ModelPrice, PriceLookup
from costsight.core.money import cents_to_micros
from costsight.core.pricing.calculate import cost_micros


class PriceResolver(Protocol):
    """The part of ``PriceBookPort`` pricing needs."""

    async def resolve_many(self, tenant_id: str, lookups: Sequence[PriceLookup],
                           ) -> Sequence[ModelPrice | None]: ...


@dataclass(frozen=True, slots=True)
class Costed:
    """How one record's stored cost was obtained."""

    micros: int
    source: CostSource
    price_id: str | None = None


UNPRICED = Costed(0, CostSource.UNPRICED)


async def price_costs(records: Sequence[NewCostRecord],
                      price_book: PriceResolver | None, *,
                      reprice: bool = False) -> list[Costed]:
    """One ``Costed`` per record, in order; resolves each needed price once per batch.
    ``reprice`` prices every record, whatever cost it carries (repricing stored records)."""
    out: list[Costed | None] = [
        None if reprice or r.cost_cents is None
        else Costed(cents_to_micros(r.cost_cents), CostSource.REPORTED)
        for r in records]
    todo = [i for i, c in enumerate(out) if c is None]
    if todo and price_book is not None:
        by_tenant: dict[str, list[int]] = {}
        for i in todo:
            by_tenant.setdefault(records[i].tenant_id, []).append(i)
        for tenant_id, positions in by_tenant.items():
            # the records are validated already: no second validation per lookup
            lookups = [PriceLookup.model_construct(provider=records[i].provider,
                                                   model=records[i].model,
                                                   at=records[i].created_at)
                       for i in positions]
            prices = await price_book.resolve_many(tenant_id, lookups)
            for i, price in zip(positions, prices, strict=True):
                if price is not None:
                    out[i] = Costed(cost_micros(price.rates, records[i]), CostSource.PRICED,
                                    price.id)
    return [UNPRICED if c is None else c for c in out]
