"""In-memory AnomalyRecordPort: dedupe upsert, keyset listing, lifecycle transitions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from costsight.adapters.memory._buckets import aware
from costsight.adapters.memory._paging import keyset_page
from costsight.adapters.memory._tables import Tx
from costsight.core.domain.anomalies import (
    Anomaly,
    AnomalyFilter,
    AnomalyStatus,
    AnomalyType,
    DetectedAnomaly,
    StatusCount,
    move_anomaly,
    parse_status,
)
from costsight.core.domain.upserts import plan_anomaly_upserts
from costsight.core.errors import NotFound
from costsight.core.pagination import Page


class MemoryAnomalyRecord:
    """AnomalyRecordPort over the unit of work's tables."""

    def __init__(self, tx: Tx) -> None:
        self._tx = tx


    async def upsert_anomalies(self, anomalies: Sequence[DetectedAnomaly], *, since: datetime,
                               now: datetime) -> list[Anomaly]:
        since, now = aware(since, "since"), aware(now, "now")
        tenants = {f.tenant_id for f in anomalies}
        plan = plan_anomaly_upserts(
            anomalies, self._tx.anomalies.rows(lambda a: a.tenant_id in tenants),
            since=since, now=now)
        for row in (*plan.inserts, *plan.updates):
            self._tx.anomalies.put(row.id, row)
        return plan.rows

    async def list_anomalies(self, tenant_id: str, filters: AnomalyFilter, *, limit: int,
                             cursor: str | None = None) -> Page[Anomaly]:
        f = filters

        def matches(a: Anomaly) -> bool:
            return (a.tenant_id == tenant_id
                    and (f.status is None or a.status == f.status)
                    and (f.severity is None or a.severity == f.severity)
                    and (f.anomaly_type is None or a.anomaly_type == f.anomaly_type)
                    and (f.entity_type is None or a.entity_type == f.entity_type)
                    and (f.entity_id is None or a.entity_id == f.entity_id)
                    and (f.detected_since is None or a.detected_at >= f.detected_since)
                    and (f.detected_before is None or a.detected_at < f.detected_before))

        return keyset_page(self._tx.anomalies.rows(matches),
                           key=lambda a: (a.detected_at, a.id), kinds=(datetime, str),
                           limit=limit, cursor=cursor, descending=True)

    async def get_anomaly(self, tenant_id: str, anomaly_id: str) -> Anomaly:
        row = self._tx.anomalies.get(anomaly_id)
        if row is None or row.tenant_id != tenant_id:
            raise NotFound("anomaly", anomaly_id, tenant_id)
        return row

    async def set_anomaly_status(self, tenant_id: str, anomaly_id: str, status: AnomalyStatus,
                                 at: datetime) -> Anomaly:
        status = parse_status(status)
        at = aware(at, "at")
        row = await self.get_anomaly(tenant_id, anomaly_id)
        moved = move_anomaly(row, status, at)
        if moved is not row:
            self._tx.anomalies.put(moved.id, moved)
        return moved

    async def status_counts(self, tenant_id: str, *,
                            detected_since: datetime | None = None) -> list[StatusCount]:
        since = aware(detected_since, "detected_since") if detected_since is not None else None
        counts: dict[tuple[str, str], int] = {}
        for row in self._tx.anomalies.rows(lambda a: a.tenant_id == tenant_id and (
                since is None or a.detected_at >= since)):
            key = (row.anomaly_type.value, row.status.value)
            counts[key] = counts.get(key, 0) + 1
        return [StatusCount(anomaly_type=AnomalyType(t), status=AnomalyStatus(s), count=n)
                for (t, s), n in sorted(counts.items())]
