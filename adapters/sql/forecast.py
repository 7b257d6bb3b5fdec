"""ForecastPort on SQL: ``forecast_snapshots``, ``forecast_series``, ``forecast_days`` and
``budget_projections``, each tenant's rows replaced whole (delete, then batched inserts)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, Table, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from costsight.adapters.sql.dialects import SqlDialect
from costsight.adapters.sql.tables import (
    budget_projections,
    forecast_days,
    forecast_series,
    forecast_snapshots,
)
from costsight.core.domain.forecasts import (
    BudgetProjection,
    ForecastDay,
    ForecastHeader,
    ForecastSnapshot,
    ForecastSubject,
    SeriesForecast,
)
from costsight.core.money import cents_to_micros, micros_to_cents

#: rows per executemany batch
CHUNK = 1000
_BOUNDS = ("low80", "high80", "low95", "high95")
_TABLES = (forecast_days, forecast_series, budget_projections, forecast_snapshots)


def _day_values(tenant_id: str, series: SeriesForecast, day: ForecastDay) -> dict[str, Any]:
    values: dict[str, Any] = {
        "tenant_id": tenant_id, "subject_type": series.subject_type.value,
        "subject_id": series.subject_id, "day": day.day,
        "point_micros": cents_to_micros(day.point_cents)}
    for bound in _BOUNDS:
        values[f"{bound}_micros"] = cents_to_micros(getattr(day, f"{bound}_cents"))
    return values


def _projection_values(p: BudgetProjection) -> dict[str, Any]:
    values: dict[str, Any] = p.model_dump(
        include={"tenant_id", "budget_id", "entity_id", "period_end", "probability_exceed",
                 "breach_date", "breach_date_p80", "method"})
    values.update(budget_type=p.budget_type.value, period=p.period.value)
    for name in ("limit", "spent", "projected", *_BOUNDS):
        values[f"{name}_micros"] = cents_to_micros(getattr(p, f"{name}_cents"))
    return values


def _projection_from_row(row: Row[Any]) -> BudgetProjection:
    m = dict(row._mapping)
    for name in ("limit", "spent", "projected", *_BOUNDS):
        m[f"{name}_cents"] = micros_to_cents(m.pop(f"{name}_micros"))
    return BudgetProjection.model_validate(m)


def _day_from_row(row: Row[Any]) -> ForecastDay:
    m = row._mapping
    return ForecastDay(day=m["day"], point_cents=micros_to_cents(m["point_micros"]),
                       low80_cents=micros_to_cents(m["low80_micros"]),
                       high80_cents=micros_to_cents(m["high80_micros"]),
                       low95_cents=micros_to_cents(m["low95_micros"]),
                       high95_cents=micros_to_cents(m["high95_micros"]))


class SqlForecast:
    """Forecast snapshots; never commits (the unit of work does)."""

    def __init__(self, conn: AsyncConnection, dialect: SqlDialect) -> None:
        self._conn = conn
        self._dialect = dialect

    async def _insert(self, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        for start in range(0, len(rows), CHUNK):
            await self._conn.execute(insert(table), list(rows[start:start + CHUNK]))

    async def replace_snapshot(self, snapshot: ForecastSnapshot) -> None:
        tenant = snapshot.tenant_id
        for table in _TABLES:
            await self._conn.execute(delete(table).where(table.c.tenant_id == tenant))
        await self._insert(forecast_snapshots, [{
            "tenant_id": tenant, "generated_at": snapshot.generated_at,
            "start_day": snapshot.start_day, "horizon_days": snapshot.horizon_days}])
        await self._insert(forecast_series, [{
            "tenant_id": tenant, "subject_type": s.subject_type.value,
            "subject_id": s.subject_id, "method": s.method, "forecaster": s.forecaster,
            "history_days": s.history_days} for s in snapshot.series])
        await self._insert(forecast_days, [_day_values(tenant, s, d)
                                           for s in snapshot.series for d in s.days])
        await self._insert(budget_projections,
                           [_projection_values(p) for p in snapshot.projections])

    async def snapshot_header(self, tenant_id: str) -> ForecastHeader | None:
        row = (await self._conn.execute(select(forecast_snapshots).where(
            forecast_snapshots.c.tenant_id == tenant_id))).first()
        if row is None:
            return None
        series = await self._count(forecast_series, tenant_id)
        projections = await self._count(budget_projections, tenant_id)
        m = row._mapping
        return ForecastHeader(tenant_id=tenant_id, generated_at=m["generated_at"],
                              start_day=m["start_day"], horizon_days=m["horizon_days"],
                              series_count=series, projection_count=projections)

    async def _count(self, table: Table, tenant_id: str) -> int:
        found = await self._conn.scalar(select(func.count()).select_from(table).where(
            table.c.tenant_id == tenant_id))
        return int(found or 0)

    async def get_series(self, tenant_id: str, subject_type: ForecastSubject,
                         subject_id: str) -> SeriesForecast | None:
        kind = ForecastSubject(subject_type).value
        s, d = forecast_series.c, forecast_days.c
        head = (await self._conn.execute(select(forecast_series).where(
            s.tenant_id == tenant_id, s.subject_type == kind, s.subject_id == subject_id))
        ).first()
        # SQLite compares text case-sensitively and Postgres too: ids match exactly.
        if head is None or head._mapping["subject_id"] != subject_id:
            return None
        rows = await self._conn.execute(select(forecast_days).where(
            d.tenant_id == tenant_id, d.subject_type == kind, d.subject_id == subject_id
        ).order_by(d.day))
        m = head._mapping
        return SeriesForecast(tenant_id=tenant_id, subject_type=ForecastSubject(kind),
                              subject_id=subject_id, method=m["method"],
                              forecaster=m["forecaster"], history_days=m["history_days"],
                              days=tuple(_day_from_row(row) for row in rows))

    async def list_projections(self, tenant_id: str) -> list[BudgetProjection]:
        rows = await self._conn.execute(select(budget_projections).where(
            budget_projections.c.tenant_id == tenant_id))
        found = [_projection_from_row(row) for row in rows]
        return sorted(found, key=lambda p: (p.budget_type.value, p.entity_id, p.period.value))
