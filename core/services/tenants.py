"""The tenants a caller may ask about: first and last activity and the last 30 days' spend."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from pydantic import Field

from costsight.core.domain.statistics import Resolution, TenantActivity, TimeWindow
from costsight.core.pagination import Page, decode_cursor, encode_cursor
from costsight.core.ports import Storage
from costsight.core.services.read_models import MoneyCents, MoneyUsd, ReadModel, cents_to_usd, iso

SPEND_DAYS = 30


class TenantSummary(ReadModel):
    tenant_id: str
    first_seen: str | None = Field(None, description="first cost or worker run, ISO 8601 UTC")
    last_seen: str | None = Field(None, description="latest cost or worker run, ISO 8601 UTC")
    spend_30d_cents: MoneyCents
    spend_30d_usd: MoneyUsd


class TenantsService:
    """Tenants known to the storage (or named by a fixed scope), paged by tenant id."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    async def known(self) -> list[str]:
        """Every tenant with cost records, worker runs, budgets or provenance."""
        async with self.storage.unit_of_work() as uow:
            return list(await uow.analytics.known_tenants())

    async def list_tenants(self, scope: frozenset[str] | None, now: datetime, *, limit: int,
                           cursor: str | None) -> Page[TenantSummary]:
        """Tenants in ``scope`` (None: every known tenant), ascending by id."""
        async with self.storage.unit_of_work() as uow:
            activity = {a.tenant_id: a for a in await uow.analytics.tenant_activity()}
            known = set(await uow.analytics.known_tenants())
        ids = sorted(known if scope is None else scope)
        if cursor is not None:
            after = decode_cursor(cursor, 1)[0]
            ids = [t for t in ids if t > str(after)]
        page, more = ids[:limit], len(ids) > limit
        window = TimeWindow(start=now - timedelta(days=SPEND_DAYS), end=now)
        items = [await self._summary(t, activity.get(t), window) for t in page]
        return Page(items=items, next_cursor=encode_cursor(page[-1]) if more else None)

    async def _summary(self, tenant_id: str, activity: TenantActivity | None,
                       window: TimeWindow) -> TenantSummary:
        async with self.storage.unit_of_work() as uow:
            buckets = await uow.analytics.cost_spend(tenant_id, window, Resolution.DAY)
        spend = sum((b.spend_cents for b in buckets), Decimal(0))
        return TenantSummary(
            tenant_id=tenant_id,
            first_seen=iso(activity.first_seen) if activity else None,
            last_seen=iso(activity.last_seen) if activity else None,
            spend_30d_cents=spend, spend_30d_usd=cents_to_usd(spend))
