"""PriceBookPort on SQL: overrides in ``model_prices`` over genai-prices defaults."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from costsight.adapters.price_defaults import GENAI_DEFAULTS
from costsight.adapters.sql.dialects import SqlDialect
from costsight.adapters.sql.tables import model_prices
from costsight.adapters.sql.types import utc_now
from costsight.core import ids
from costsight.core.domain.prices import ModelPrice, NewModelPrice, PriceLookup, normalise_name
from costsight.core.pricing.book import Defaults, lookup_names, resolve, sort_key

mp = model_prices.c


def rates_json(price: NewModelPrice) -> dict[str, Any]:
    return {kind: {"base": rate.base, "tiers": [[t.start, t.rate] for t in rate.tiers]}
            for kind, rate in price.rates.items()}


def price_from_row(row: Row[Any]) -> ModelPrice:
    m = row._mapping
    rates = {kind: {"base": value["base"],
                    "tiers": [{"start": s, "rate": r} for s, r in value.get("tiers", [])]}
             for kind, value in m["rates"].items()}
    return ModelPrice.model_validate({
        "id": m["id"], "tenant_id": m["tenant_id"] or None, "provider": m["provider"] or None,
        "model": m["model"], "effective_from": m["effective_from"], "rates": rates})


class SqlPriceBook:
    """Stored entries: ``tenant_id`` '' is global, ``provider`` '' any provider."""

    def __init__(self, conn: AsyncConnection, dialect: SqlDialect,
                 defaults: Defaults = GENAI_DEFAULTS) -> None:
        self._conn = conn
        self._dialect = dialect
        self._defaults = defaults

    async def set_price(self, price: NewModelPrice) -> ModelPrice:
        key = {"tenant_id": price.tenant_id or "", "provider": price.provider or "",
               "model": price.model, "effective_from": price.effective_from}
        stmt = self._dialect.insert(model_prices).values(
            id=ids.new_id(ids.MODEL_PRICE), rates=rates_json(price),
            created_at=utc_now(), updated_at=utc_now(), **key)
        stmt = stmt.on_conflict_do_update(
            index_elements=[mp.tenant_id, mp.provider, mp.model, mp.effective_from],
            set_={"rates": stmt.excluded.rates, "updated_at": utc_now()})
        await self._conn.execute(stmt)
        row = (await self._conn.execute(select(model_prices).where(
            *(mp[k] == v for k, v in key.items())))).one()
        return price_from_row(row)

    async def list_prices(self, tenant_id: str | None, *,
                          model: str | None = None) -> list[ModelPrice]:
        scopes = [""] if tenant_id is None else ["", tenant_id]
        stmt = select(model_prices).where(mp.tenant_id.in_(scopes))
        if model is not None:
            stmt = stmt.where(mp.model == normalise_name(model))
        rows = await self._conn.execute(stmt)
        return sorted((price_from_row(row) for row in rows), key=sort_key)

    async def get_price(self, price_id: str) -> ModelPrice | None:
        row = (await self._conn.execute(select(model_prices).where(mp.id == price_id))).first()
        return price_from_row(row) if row is not None else self._defaults.by_id(price_id)

    async def resolve_many(self, tenant_id: str,
                           lookups: Sequence[PriceLookup]) -> list[ModelPrice | None]:
        if not lookups:
            return []
        names = lookup_names(self._defaults, lookups)
        wanted = sorted({n for candidates, _ in names.values() for n in candidates})
        rows = await self._conn.execute(select(model_prices).where(
            or_(mp.tenant_id == "", mp.tenant_id == tenant_id), mp.model.in_(wanted)))
        stored = [price_from_row(row) for row in rows]
        return resolve(self._defaults, stored, tenant_id, lookups, names)
