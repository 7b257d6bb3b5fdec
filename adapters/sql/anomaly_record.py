"""SQL AnomalyRecordPort: dedupe upsert, keyset listing, lifecycle transitions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, insert, select
from sqlalchemy import update as sql_update
from sqlalchemy.ext.asyncio import AsyncConnection

from costsight.adapters.sql.dialects import SqlDialect
from costsight.adapters.sql.keyset import check_limit, newest_first, page_of
from costsight.adapters.sql.tables import cost_anomalies
from costsight.core.domain.anomalies import (
    STATUS_TRANSITIONS,
    Anomaly,
    AnomalyFilter,
    AnomalyStatus,
    DetectedAnomaly,
)
from costsight.core.errors import Conflict, NotFound, ValidationError
from costsight.core.ids import ANOMALY, new_id
from costsight.core.money import cents_to_micros, micros_to_cents
from costsight.core.pagination import Page

a = cost_anomalies.c

#: Fields a repeated finding overwrites (everything measured, the message, cause, metadata).
MEASURED = ("severity", "current_value_cents", "expected_value_cents", "deviation_pct",
            "threshold_ratio", "usage_pct", "message", "breach_count", "derived_cause",
            "metadata")
#: The columns of MEASURED (money stored as micro-cents) plus updated_at.
_UPDATED_COLUMNS = tuple(
    {"current_value_cents": "current_value_micros",
     "expected_value_cents": "expected_value_micros"}.get(f, f) for f in MEASURED
) + ("updated_at",)
_STAMP = {AnomalyStatus.ACKNOWLEDGED: "acknowledged_at", AnomalyStatus.RESOLVED: "resolved_at",
          AnomalyStatus.DISMISSED: "dismissed_at"}
_OPEN = (AnomalyStatus.OPEN.value, AnomalyStatus.ACKNOWLEDGED.value)


def anomaly_from_row(row: Row[Any]) -> Anomaly:
    m = row._mapping
    return Anomaly(
        id=m["id"], tenant_id=m["tenant_id"], anomaly_type=m["anomaly_type"],
        severity=m["severity"], entity_type=m["entity_type"], entity_id=m["entity_id"],
        period=m["period"], current_value_cents=micros_to_cents(m["current_value_micros"]),
        expected_value_cents=micros_to_cents(m["expected_value_micros"]),
        deviation_pct=m["deviation_pct"], threshold_ratio=m["threshold_ratio"],
        usage_pct=m["usage_pct"], message=m["message"], breach_count=m["breach_count"],
        derived_cause=m["derived_cause"], metadata=dict(m["metadata"] or {}),
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
        "derived_cause": x.derived_cause, "metadata": x.metadata, "status": x.status.value,
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
        targets = await self._open_since(anomalies, since)
        inserted: dict[str, Anomaly] = {}
        updated: dict[str, Anomaly] = {}
        out: list[Anomaly] = []
        for found in anomalies:
            key = found.dedupe_key
            current = targets.get(key)
            if current is None:
                stored = Anomaly(**found.model_dump(), id=new_id(ANOMALY),
                                 status=AnomalyStatus.OPEN, detected_at=now, updated_at=now)
            else:
                changes = {f: getattr(found, f) for f in MEASURED}
                stored = current.model_copy(update={**changes, "updated_at": now})
            (inserted if current is None or current.id in inserted else updated)[stored.id] = stored
            targets[key] = stored
            out.append(stored)
        if inserted:
            await self._conn.execute(insert(cost_anomalies),
                                     [anomaly_values(x) for x in inserted.values()])
        if updated:
            await self._write_updates(list(updated.values()))
        return out

    async def _open_since(self, anomalies: Sequence[DetectedAnomaly],
                          since: datetime) -> dict[tuple[str, ...], Anomaly]:
        """Newest open/acknowledged row per dedupe key detected at or after ``since``."""
        stmt = (select(cost_anomalies)
                .where(a.tenant_id.in_(sorted({x.tenant_id for x in anomalies})),
                       a.anomaly_type.in_(sorted({x.anomaly_type.value for x in anomalies})),
                       a.status.in_(_OPEN), a.detected_at >= since)
                .order_by(a.detected_at, self._dialect.text_key(a.id)))
        newest: dict[tuple[str, ...], Anomaly] = {}
        for row in await self._conn.execute(stmt):
            stored = anomaly_from_row(row)
            newest[stored.dedupe_key] = stored  # ascending order: the last one is the newest
        return newest

    async def _write_updates(self, rows: list[Anomaly]) -> None:
        # Only what a repeated finding overwrites (the port's contract): lifecycle columns
        # (status, *_at, incident, action) are never rewritten from the row read earlier.
        fields = _UPDATED_COLUMNS
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
        try:
            status = AnomalyStatus(status)
        except ValueError:
            raise ValidationError("status", f"unknown anomaly status {status!r}",
                                  allowed=", ".join(s.value for s in AnomalyStatus)) from None
        current = await self.get_anomaly(tenant_id, anomaly_id)
        if current.status is status:
            return current
        if status not in STATUS_TRANSITIONS[current.status]:
            allowed = ", ".join(sorted(s.value for s in STATUS_TRANSITIONS[current.status]))
            raise Conflict(f"anomaly {anomaly_id!r} is {current.status.value} and cannot become "
                           f"{status.value} (allowed from {current.status.value}: "
                           f"{allowed or 'none, it is closed'})")
        stamp = _STAMP[status]
        row = (await self._conn.execute(
            sql_update(cost_anomalies)
            .where(a.tenant_id == tenant_id, a.id == anomaly_id)
            .values({"status": status.value, stamp: at})
            .returning(*cost_anomalies.c))).one()
        return anomaly_from_row(row)
