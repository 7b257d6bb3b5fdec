"""Price book port: effective-dated model prices, stored overrides over genai-prices defaults."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from costsight.core.domain.prices import ModelPrice, NewModelPrice, PriceLookup


class PriceBookPort(Protocol):
    """The prices that turn token counts into cost.

    Resolution for a tenant, provider, model and instant: among the stored entries whose
    model matches (the name as given, lowercase; then the name without a date suffix such as
    ``-20250514`` / ``-2025-05-14``; then genai-prices' canonical id of the model and its
    aliases) and whose provider is the call's or unset, the tenant's entry with the latest
    ``effective_from`` at or before the instant wins, else the global one; without a stored
    entry, the genai-prices default for that instant; else None (the call is unpriced).
    """

    async def set_price(self, price: NewModelPrice) -> ModelPrice:
        """Store an override; the same (scope, provider, model, effective_from) replaces the
        rates of the stored entry (which keeps its id)."""
        ...

    async def list_prices(self, tenant_id: str | None, *,
                          model: str | None = None) -> list[ModelPrice]:
        """Stored entries: the global ones, and the tenant's when ``tenant_id`` is given;
        optionally one model (exact lowercase name); by model, provider, scope, date."""
        ...

    async def get_price(self, price_id: str) -> ModelPrice | None:
        """A stored entry by id, or a genai-prices default by its ``genai-prices:`` id."""
        ...

    async def resolve_many(self, tenant_id: str,
                           lookups: Sequence[PriceLookup]) -> list[ModelPrice | None]:
        """The effective price of each lookup for the tenant, in order (None: unpriced)."""
        ...
