"""Stored cost anomalies: dedupe upsert of findings, keyset listing, lifecycle transitions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from costsight.core.domain.anomalies import (
    Anomaly,
    AnomalyFilter,
    AnomalyStatus,
    DetectedAnomaly,
    StatusCount,
)
from costsight.core.pagination import Page


class AnomalyRecordPort(Protocol):
    """The anomalies the cycle found, as stored rows with a status the operator moves along."""

    async def upsert_anomalies(self, anomalies: Sequence[DetectedAnomaly], *, since: datetime,
                               now: datetime) -> list[Anomaly]:
        """Persist findings with dedupe; returns the stored rows in input order.

        A finding updates the newest stored anomaly with the same dedupe key (tenant,
        anomaly_type, entity_type, entity_id, period) that is not resolved or dismissed and was
        detected at or after ``since``: every measured field, message, cause, metadata and
        updated_at = now are overwritten; id, status and detected_at are kept. Otherwise a new
        row (``ca_`` id, status open, detected_at = updated_at = now) is inserted.
        """
        ...

    async def list_anomalies(self, tenant_id: str, filters: AnomalyFilter, *, limit: int,
                             cursor: str | None = None) -> Page[Anomaly]:
        """The tenant's anomalies, newest detected first (ties by id desc), keyset-paged."""
        ...

    async def get_anomaly(self, tenant_id: str, anomaly_id: str) -> Anomaly:
        """One anomaly of the tenant; ``NotFound`` otherwise (also for another tenant's id)."""
        ...

    async def set_anomaly_status(self, tenant_id: str, anomaly_id: str, status: AnomalyStatus,
                                 at: datetime) -> Anomaly:
        """Move an anomaly along open -> acknowledged -> resolved | dismissed (open may go
        straight to resolved or dismissed) and stamp the matching ``*_at`` field.

        ``NotFound`` for an unknown id; ``Conflict`` for a transition not allowed (see
        ``STATUS_TRANSITIONS``); setting the current status again is a no-op.
        """
        ...

    async def status_counts(self, tenant_id: str, *,
                            detected_since: datetime | None = None) -> list[StatusCount]:
        """How many of the tenant's anomalies (detected at or after ``detected_since`` when
        given) are in each (anomaly_type, status); only non-zero counts, ordered by
        (anomaly_type, status). One statement."""
        ...
