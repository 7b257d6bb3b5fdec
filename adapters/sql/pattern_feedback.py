"""SQL PatternFeedbackPort: natural-key upsert, listing, acknowledgement, counts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy import update as sql_update
from sqlalchemy.ext.asyncio import AsyncConnection

from costsight.adapters.sql.dialects import SqlDialect
from costsight.adapters.sql.keyset import check_limit, newest_first, page_of
from costsight.adapters.sql.rows import feedback_from_row
from costsight.adapters.sql.tables import pattern_feedback
from costsight.core.domain.patterns import (
    FeedbackFilter,
    FeedbackStats,
    NewPatternFeedback,
    PatternFeedback,
)
from costsight.core.domain.upserts import FEEDBACK_REFRESHED, plan_feedback_upserts
from costsight.core.errors import NotFound
from costsight.core.pagination import Page

pf = pattern_feedback.c


def feedback_values(f: PatternFeedback) -> dict[str, Any]:
    return {
        "id": f.id, "tenant_id": f.tenant_id, "pattern_type": f.pattern_type,
        "severity": f.severity.value, "description": f.description, "signature": f.signature,
        "provenance": list(f.provenance), "occurrence_count": f.occurrence_count,
        "time_window_minutes": f.time_window_minutes, "threshold_used": f.threshold_used,
        "metadata": f.metadata, "detected_at": f.detected_at, "last_seen_at": f.last_seen_at,
        "acknowledged": f.acknowledged, "acknowledged_at": f.acknowledged_at,
        "acknowledged_by": f.acknowledged_by,
    }


class SqlPatternFeedback:
    """Stores the pattern detectors' feedback; tenant-explicit."""

    def __init__(self, conn: AsyncConnection, dialect: SqlDialect) -> None:
        self._conn = conn
        self._dialect = dialect

    async def upsert_feedback(self, items: Sequence[NewPatternFeedback], *, open_since: datetime,
                              now: datetime) -> list[PatternFeedback]:
        if not items:
            return []
        stmt = (select(pattern_feedback)
                .where(pf.tenant_id.in_(sorted({i.tenant_id for i in items})),
                       pf.pattern_type.in_(sorted({i.pattern_type for i in items})),
                       pf.acknowledged.is_(False), pf.last_seen_at >= open_since))
        stored = [feedback_from_row(row) for row in await self._conn.execute(stmt)]
        plan = plan_feedback_upserts(items, stored, open_since=open_since, now=now)
        if plan.inserts:
            await self._conn.execute(insert(pattern_feedback),
                                     [feedback_values(f) for f in plan.inserts])
        if plan.updates:
            fields = [*FEEDBACK_REFRESHED, "last_seen_at"]
            update = (sql_update(pattern_feedback).where(pf.id == bindparam("row_id"))
                      .values({f: bindparam(f"v_{f}") for f in fields}))
            params = []
            for f in plan.updates:
                values = feedback_values(f)
                params.append({"row_id": f.id, **{f"v_{n}": values[n] for n in fields}})
            await self._conn.execute(update, params)
        return plan.rows

    async def list_feedback(self, tenant_id: str, filters: FeedbackFilter, *, limit: int,
                            cursor: str | None = None) -> Page[PatternFeedback]:
        check_limit(limit)
        id_key = self._dialect.text_key(pf.id)
        stmt = select(pattern_feedback).where(pf.tenant_id == tenant_id)
        if filters.pattern_type is not None:
            stmt = stmt.where(pf.pattern_type == filters.pattern_type)
        if filters.severity is not None:
            stmt = stmt.where(pf.severity == filters.severity.value)
        if filters.acknowledged is not None:
            stmt = stmt.where(pf.acknowledged.is_(filters.acknowledged))
        stmt = newest_first(stmt, cursor, pf.detected_at, id_key, limit)
        items = [feedback_from_row(r) for r in await self._conn.execute(stmt)]
        return page_of(items, limit, lambda f: (f.detected_at, f.id))

    async def get_feedback(self, tenant_id: str, feedback_id: str) -> PatternFeedback:
        row = (await self._conn.execute(select(pattern_feedback).where(
            pf.tenant_id == tenant_id, pf.id == feedback_id))).one_or_none()
        if row is None:
            raise NotFound("pattern feedback", feedback_id, tenant_id)
        return feedback_from_row(row)

    async def acknowledge_feedback(self, tenant_id: str, feedback_id: str, *, by: str | None,
                                   at: datetime) -> PatternFeedback:
        current = await self.get_feedback(tenant_id, feedback_id)
        if current.acknowledged:
            return current
        row = (await self._conn.execute(
            sql_update(pattern_feedback)
            .where(pf.tenant_id == tenant_id, pf.id == feedback_id)
            .values(acknowledged=True, acknowledged_at=at, acknowledged_by=by)
            .returning(*pattern_feedback.c))).one()
        return feedback_from_row(row)

    async def feedback_stats(self, tenant_id: str) -> FeedbackStats:
        stmt = (select(pf.pattern_type, pf.severity, pf.acknowledged, func.count())
                .where(pf.tenant_id == tenant_id)
                .group_by(pf.pattern_type, pf.severity, pf.acknowledged))
        total = acknowledged = 0
        by_type: dict[str, int] = {}
        by_severity: dict[str, int] = {}
        for pattern_type, severity, acked, count in await self._conn.execute(stmt):
            total += count
            acknowledged += count if acked else 0
            by_type[pattern_type] = by_type.get(pattern_type, 0) + count
            by_severity[severity] = by_severity.get(severity, 0) + count
        return FeedbackStats(total=total, acknowledged=acknowledged,
                             unacknowledged=total - acknowledged,
                             by_type=dict(sorted(by_type.items())),
                             by_severity=dict(sorted(by_severity.items())))
