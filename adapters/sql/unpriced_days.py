"""The (entity, day) pairs with unpriced calls, and each one's whole spend that day.

Read only when the summaries' one statement saw an unpriced call in a baseline
(``daily_usage`` needs none: it drops such days itself). Two small statements: the days come
from the partial index ``ix_cost_records_unpriced`` (unpriced rows only), then those days'
records are summed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from costsight.adapters.sql.dialects import SqlDialect
from costsight.adapters.sql.tables import cost_records
from costsight.core.domain.anomalies import EntityType
from costsight.core.money import micros_to_cents
from costsight.core.pricing.unpriced_days import EntityDay
from costsight.core.timeutil import day_start

cr = cost_records.c


def _keys(tenant_id: str, day: date, user: str | None, feature: str | None,
          kinds: Sequence[EntityType]) -> list[EntityDay]:
    keys: list[EntityDay] = []
    for kind in kinds:
        entity = {EntityType.TENANT: tenant_id, EntityType.USER: user,
                  EntityType.FEATURE: feature}[kind]
        if entity is not None:
            keys.append((kind.value, entity, day))
    return keys


async def unpriced_entity_days(conn: AsyncConnection, dialect: SqlDialect, tenant_id: str,
                               kinds: Sequence[EntityType], first_day: date,
                               until: datetime) -> dict[EntityDay, Decimal]:
    day = dialect.day_of(cr.created_at)
    found = await conn.execute(
        select(day, cr.user_id, cr.feature_tag).distinct().where(
            cr.tenant_id == tenant_id, cr.cost_source == "unpriced",
            cr.created_at >= day_start(first_day), cr.created_at <= until))
    bad: set[EntityDay] = set()
    days: set[date] = set()
    for on, user, feature in found:
        on = date.fromisoformat(on) if isinstance(on, str) else on
        days.add(on)
        bad.update(_keys(tenant_id, on, user, feature, kinds))
    if not bad:
        return {}
    ranges = [and_(cr.created_at >= day_start(d), cr.created_at < day_start(d + timedelta(1)))
              for d in sorted(days)]
    rows = await conn.execute(
        select(day, cr.user_id, cr.feature_tag, func.sum(cr.cost_micros))
        .where(cr.tenant_id == tenant_id, cr.created_at <= until, or_(*ranges))
        .group_by(day, cr.user_id, cr.feature_tag))
    micros: dict[EntityDay, int] = dict.fromkeys(bad, 0)
    for on, user, feature, total in rows:
        on = date.fromisoformat(on) if isinstance(on, str) else on
        for key in _keys(tenant_id, on, user, feature, kinds):
            if key in micros:
                micros[key] += int(total or 0)
    return {key: micros_to_cents(value) for key, value in micros.items()}
