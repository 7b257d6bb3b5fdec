"""SQL AnomalyRecordPort: dedupe upsert, keyset listing, lifecycle transitions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, func, insert, select
from sqlalchemy import update as sql_update
from sqlalchemy.ext.asyncio import AsyncConnection

from costsight.adapters.sql.dialects import SqlDialect
from costsight.adapters.sql.keyset import check_limit, newest_first, page_of
from costsight.adapters.sql.tables import cost_anomalies
from costsight.core.domain.anomalies import (
    MEASURED_FIELDS,
    STATUS_STAMPS,
    Anomaly,
    AnomalyFilter,
    AnomalyStatus,
    AnomalyType,
    DetectedAnomaly,
    StatusCount,
    move_anomaly,
    parse_status,
)
from costsight.core.domain.drivers import AnomalyDrivers
from costsight.core.domain.upserts import plan_anomaly_upserts
from costsight.core.errors import NotFound
from costsight.core.money import cents_to_micros, micros_to_cents
from costsight.core.pagination import Page

a = cost_anomalies.c

#: The columns a refresh overwrites: the core's MEASURED_FIELDS (money stored as micro-cents)
#: plus updated_at.
_UPDATED_COLUMNS = tuple(
    {"current_value_cents": "current_value_micros",
     "expected_value_cents": "expected_value_micros"}.get(f, f) for f in MEASURED_FIELDS
    if f != "drivers"  # kept in the metadata column, see _metadata_of
) + ("updated_at",)

#: The metadata key holding an anomaly's drivers in the JSON column.
DRIVERS_KEY = "drivers"


def _metadata_of(x: DetectedAnomaly) -> dict[str, Any]:
    if x.drivers is None:
        return x.metadata
    return {**x.metadata, DRIVERS_KEY: x.drivers.model_dump(mode="json")}


def _split_metadata(raw: dict[str, Any] | None) -> tuple[dict[str, Any], AnomalyDrivers | None]:
    metadata = dict(raw or {})
    drivers = metadata.pop(DRIVERS_KEY, None)
    return metadata, (AnomalyDrivers.model_validate(drivers) if drivers is not None else None)
_OPEN = (AnomalyStatus.OPEN.value, AnomalyStatus.ACKNOWLEDGED.value)


def anomaly_from_row(row: Row[Any]) -> Anomaly:
    m = row._mapping
    metadata, drivers = _split_metadata(m["metadata"])
    return Anomaly(
        id=m["id"], tenant_id=m["tenant_id"], anomaly_type=m["anomaly_type"],
        severity=m["severity"], entity_type=m["entity_type"], entity_id=m["entity_id"],
        period=m["period"], current_value_cents=micros_to_cents(m["current_value_micros"]),
        expected_value_cents=micros_to_cents(m["expected_value_micros"]),
        deviation_pct=m["deviation_pct"], threshold_ratio=m["threshold_ratio"],
        usage_pct=m["usage_pct"], message=m["message"], breach_count=m["breach_count"],
        derived_cause=m["derived_cause"], metadata=metadata, drivers=drivers,
        status=m["status"], detected_at=m["detected_at"], updated_at=m["updated_at"],
        acknowledged_at=m["acknowledged_at"], resolved_at=m["resolved_at"],
        dismissed_at=m["dismissed_at"], incident_id=m["incident_id"],
        action_taken=m["action_taken"],
    )


def anomaly_values(x: Anomaly) -> dict[str, Any]:
    return {
        "id": x.id, "tenant_id": x.tenant_id, "anomaly_type": x.anomaly_type.value,
        "severity": x.severity.value, "entity_type": x.entity_type, "entity_id": x.entity_id,
        "period": x.period, "current_value_micros": cents_to_micros(x.current_value_cents),
        "expected_value_micros": cents_to_micros(x.expected_value_cents),
        "deviation_pct": x.deviation_pct, "threshold_ratio": x.threshold_ratio,
        "usage_pct": x.usage_pct, "message": x.message, "breach_count": x.breach_count,
        "derived_cause": x.derived_cause, "metadata": _metadata_of(x), "status": x.status.value,
        "detected_at": x.detected_at, "updated_at": x.updated_at,
        "acknowledged_at": x.acknowledged_at, "resolved_at": x.resolved_at,
        "dismissed_at": x.dismissed_at, "incident_id": x.incident_id,
        "action_taken": x.action_taken,
    }


class SqlAnomalyRecord:
    """AnomalyRecordPort on SQL: one statement per read, two at most per upsert."""

    def __init__(self, conn: AsyncConnection, dialect: SqlDialect) -> None:
        self._conn = conn
        self._dialect = dialect

    async def upsert_anomalies(self, anomalies: Sequence[DetectedAnomaly], *, since: datetime,
                               now: datetime) -> list[Anomaly]:
        if not anomalies:
            return []
        plan = plan_anomaly_upserts(anomalies, await self._open_since(anomalies, since),
                                    since=since, now=now)
        if plan.inserts:
            await self._conn.execute(insert(cost_anomalies),
                                     [anomaly_values(x) for x in plan.inserts])
        if plan.updates:
            await self._write(plan.updates, _UPDATED_COLUMNS)
        return plan.rows

    async def _open_since(self, anomalies: Sequence[DetectedAnomaly],
                          since: datetime) -> list[Anomaly]:
        """Stored rows the batch might refresh (the core's plan picks among them)."""
        stmt = (select(cost_anomalies)
                .where(a.tenant_id.in_(sorted({x.tenant_id for x in anomalies})),
                       a.anomaly_type.in_(sorted({x.anomaly_type.value for x in anomalies})),
                       a.status.in_(_OPEN), a.detected_at >= since))
        return [anomaly_from_row(row) for row in await self._conn.execute(stmt)]

    async def _write(self, rows: Sequence[Anomaly], fields: Sequence[str]) -> None:
        # Only the named columns: a refresh never rewrites lifecycle columns (status, *_at,
        # incident, action) from the row read earlier, nor a move the measured ones.
        stmt = (sql_update(cost_anomalies).where(a.id == bindparam("row_id"))
                .values({f: bindparam(f"v_{f}") for f in fields}))
        params = []
        for row in rows:
            values = anomaly_values(row)
            params.append({"row_id": row.id, **{f"v_{f}": values[f] for f in fields}})
        await self._conn.execute(stmt, params)

    async def list_anomalies(self, tenant_id: str, filters: AnomalyFilter, *, limit: int,
                             cursor: str | None = None) -> Page[Anomaly]:
        check_limit(limit)
        id_key = self._dialect.text_key(a.id)
        stmt = select(cost_anomalies).where(a.tenant_id == tenant_id)
        equal = {"status": filters.status, "severity": filters.severity,
                 "anomaly_type": filters.anomaly_type, "entity_type": filters.entity_type,
                 "entity_id": filters.entity_id}
        for name, value in equal.items():
            if value is not None:
                stmt = stmt.where(a[name] == getattr(value, "value", value))
        if filters.detected_since is not None:
            stmt = stmt.where(a.detected_at >= filters.detected_since)
        if filters.detected_before is not None:
            stmt = stmt.where(a.detected_at < filters.detected_before)
        stmt = newest_first(stmt, cursor, a.detected_at, id_key, limit)
        items = [anomaly_from_row(r) for r in await self._conn.execute(stmt)]
        return page_of(items, limit, lambda x: (x.detected_at, x.id))

    async def get_anomaly(self, tenant_id: str, anomaly_id: str) -> Anomaly:
        row = (await self._conn.execute(select(cost_anomalies).where(
            a.tenant_id == tenant_id, a.id == anomaly_id))).one_or_none()
        if row is None:
            raise NotFound("anomaly", anomaly_id, tenant_id)
        return anomaly_from_row(row)

    async def set_anomaly_status(self, tenant_id: str, anomaly_id: str, status: AnomalyStatus,
                                 at: datetime) -> Anomaly:
        status = parse_status(status)
        current = await self.get_anomaly(tenant_id, anomaly_id)
        moved = move_anomaly(current, status, at)
        if moved is not current:
            await self._write([moved], ("status", STATUS_STAMPS[status], "updated_at"))
        return moved

    async def status_counts(self, tenant_id: str, *,
                            detected_since: datetime | None = None) -> list[StatusCount]:
        stmt = (select(a.anomaly_type, a.status, func.count())
                .where(a.tenant_id == tenant_id)
                .group_by(a.anomaly_type, a.status))
        if detected_since is not None:
            stmt = stmt.where(a.detected_at >= detected_since)
        rows = [StatusCount(anomaly_type=AnomalyType(r[0]), status=AnomalyStatus(r[1]),
                            count=r[2]) for r in await self._conn.execute(stmt)]
        return sorted(rows, key=lambda c: (c.anomaly_type.value, c.status.value))
