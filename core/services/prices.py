"""The price book as people use it: list and set overrides, show the effective price."""

from __future__ import annotations

from datetime import datetime

import pydantic

from costsight.core.domain.prices import ModelPrice, NewModelPrice, PriceLookup
from costsight.core.errors import ValidationError
from costsight.core.ports import Storage


class PriceService:
    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    async def list_prices(self, tenant_id: str | None,
                          model: str | None = None) -> list[ModelPrice]:
        async with self._storage.unit_of_work() as uow:
            return await uow.price_book.list_prices(tenant_id, model=model)

    async def set_price(self, fields: dict[str, object]) -> ModelPrice:
        try:
            price = NewModelPrice.model_validate(fields)
        except pydantic.ValidationError as exc:
            raise ValidationError.from_pydantic(exc) from None
        async with self._storage.unit_of_work() as uow:
            stored = await uow.price_book.set_price(price)
            await uow.commit()
        return stored

    async def effective(self, tenant_id: str, model: str, provider: str | None,
                        at: datetime) -> ModelPrice | None:
        """The entry a call of ``model`` at ``at`` would be priced with (None: unpriced)."""
        async with self._storage.unit_of_work() as uow:
            (found,) = await uow.price_book.resolve_many(
                tenant_id, [PriceLookup(provider=provider, model=model, at=at)])
        return found
