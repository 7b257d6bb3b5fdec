"""In-memory PriceBookPort: overrides in the unit of work's tables over genai-prices defaults."""

from __future__ import annotations

from collections.abc import Sequence

from costsight.adapters.memory._tables import Tx
from costsight.adapters.price_defaults import GENAI_DEFAULTS
from costsight.core import ids
from costsight.core.domain.prices import ModelPrice, NewModelPrice, PriceLookup, normalise_name
from costsight.core.pricing.book import Defaults, lookup_names, resolve, sort_key


class MemoryPriceBook:
    """PriceBookPort over the unit of work's ``model_prices`` table."""

    def __init__(self, tx: Tx, defaults: Defaults = GENAI_DEFAULTS) -> None:
        self._tx = tx
        self._defaults = defaults

    async def set_price(self, price: NewModelPrice) -> ModelPrice:
        key = (price.tenant_id or "", price.provider or "", price.model, price.effective_from)
        stored = self._tx.model_prices.get(key)
        entry = ModelPrice(**dict(price),
                           id=stored.id if stored is not None else ids.new_id(ids.MODEL_PRICE))
        self._tx.model_prices.put(key, entry)
        return entry

    async def list_prices(self, tenant_id: str | None, *,
                          model: str | None = None) -> list[ModelPrice]:
        name = None if model is None else normalise_name(model)
        rows = self._tx.model_prices.rows(
            lambda p: (p.tenant_id is None or p.tenant_id == tenant_id)
            and (name is None or p.model == name))
        return sorted(rows, key=sort_key)

    async def get_price(self, price_id: str) -> ModelPrice | None:
        found = self._tx.model_prices.rows(lambda p: p.id == price_id)
        return found[0] if found else self._defaults.by_id(price_id)

    async def resolve_many(self, tenant_id: str,
                           lookups: Sequence[PriceLookup]) -> list[ModelPrice | None]:
        if not lookups:
            return []
        names = lookup_names(self._defaults, lookups)
        wanted = {n for candidates, _ in names.values() for n in candidates}
        stored = self._tx.model_prices.rows(
            lambda p: p.model in wanted and (p.tenant_id is None or p.tenant_id == tenant_id))
        return resolve(self._defaults, stored, tenant_id, lookups, names)
