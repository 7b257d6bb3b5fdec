"""In-memory AnomalyRecordPort: dedupe upsert, keyset listing, lifecycle transitions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from costsight.adapters.memory._buckets import aware
from costsight.adapters.memory._paging import keyset_page
from costsight.adapters.memory._tables import Tx
from costsight.core import ids
from costsight.core.domain.anomalies import (
    STATUS_TRANSITIONS,
    Anomaly,
    AnomalyFilter,
    AnomalyStatus,
    DetectedAnomaly,
)
from costsight.core.errors import Conflict, NotFound, ValidationError
from costsight.core.pagination import Page

_STAMP = {
    AnomalyStatus.ACKNOWLEDGED: "acknowledged_at",
    AnomalyStatus.RESOLVED: "resolved_at",
    AnomalyStatus.DISMISSED: "dismissed_at",
}


class MemoryAnomalyRecord:
    """AnomalyRecordPort over the unit of work's tables."""

    def __init__(self, tx: Tx) -> None:
        self._tx = tx


    async def upsert_anomalies(self, anomalies: Sequence[DetectedAnomaly], *, since: datetime,
                               now: datetime) -> list[Anomaly]:
        since, now = aware(since, "since"), aware(now, "now")
        stored_rows = []
        for finding in anomalies:
            key = finding.dedupe_key
            open_rows = self._tx.anomalies.rows(
                lambda a, key=key: a.dedupe_key == key and not a.status.is_closed
                and a.detected_at >= since)
            measured = dict(finding)
            if open_rows:
                current = max(open_rows, key=lambda a: (a.detected_at, a.id))
                row = current.model_copy(update={**measured, "updated_at": now})
            else:
                row = Anomaly(**measured, id=ids.new_id(ids.ANOMALY),
                              status=AnomalyStatus.OPEN, detected_at=now, updated_at=now)
            self._tx.anomalies.put(row.id, row)
            stored_rows.append(row)
        return stored_rows

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
        try:
            status = AnomalyStatus(status)
        except ValueError:
            raise ValidationError("status", f"unknown anomaly status {status!r}",
                                  allowed=", ".join(s.value for s in AnomalyStatus)) from None
        at = aware(at, "at")
        row = await self.get_anomaly(tenant_id, anomaly_id)
        if row.status == status:
            return row
        allowed = STATUS_TRANSITIONS[row.status]
        if status not in allowed:
            raise Conflict(f"status: anomaly {anomaly_id!r} cannot move from {row.status.value} "
                           f"to {status.value} (allowed from {row.status.value}: "
                           f"{', '.join(sorted(s.value for s in allowed)) or 'none'})")
        new = row.model_copy(update={"status": status, _STAMP[status]: at, "updated_at": at})
        self._tx.anomalies.put(new.id, new)
        return new
