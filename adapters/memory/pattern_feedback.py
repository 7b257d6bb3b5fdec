"""In-memory PatternFeedbackPort: natural-key upsert, listing, acknowledgement, counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from costsight.adapters.memory._buckets import aware
from costsight.adapters.memory._paging import keyset_page
from costsight.adapters.memory._tables import Tx
from costsight.core.domain.patterns import (
    FeedbackFilter,
    FeedbackStats,
    NewPatternFeedback,
    PatternFeedback,
)
from costsight.core.domain.upserts import plan_feedback_upserts
from costsight.core.errors import NotFound
from costsight.core.pagination import Page


class MemoryPatternFeedback:
    """PatternFeedbackPort over the unit of work's tables."""

    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    async def upsert_feedback(self, items: Sequence[NewPatternFeedback], *, open_since: datetime,
                              now: datetime) -> list[PatternFeedback]:
        open_since, now = aware(open_since, "open_since"), aware(now, "now")
        tenants = {i.tenant_id for i in items}
        plan = plan_feedback_upserts(
            items, self._tx.feedback.rows(lambda f: f.tenant_id in tenants),
            open_since=open_since, now=now)
        for row in (*plan.inserts, *plan.updates):
            self._tx.feedback.put(row.id, row)
        return plan.rows

    async def list_feedback(self, tenant_id: str, filters: FeedbackFilter, *, limit: int,
                            cursor: str | None = None) -> Page[PatternFeedback]:
        f = filters
        rows = self._tx.feedback.rows(
            lambda r: r.tenant_id == tenant_id
            and (f.pattern_type is None or r.pattern_type == f.pattern_type)
            and (f.severity is None or r.severity == f.severity)
            and (f.acknowledged is None or r.acknowledged == f.acknowledged))
        return keyset_page(rows, key=lambda r: (r.detected_at, r.id), kinds=(datetime, str),
                           limit=limit, cursor=cursor, descending=True)

    async def get_feedback(self, tenant_id: str, feedback_id: str) -> PatternFeedback:
        row = self._tx.feedback.get(feedback_id)
        if row is None or row.tenant_id != tenant_id:
            raise NotFound("pattern feedback", feedback_id, tenant_id)
        return row

    async def acknowledge_feedback(self, tenant_id: str, feedback_id: str, *, by: str | None,
                                   at: datetime) -> PatternFeedback:
        at = aware(at, "at")
        row = await self.get_feedback(tenant_id, feedback_id)
        if row.acknowledged:
            return row
        new = row.model_copy(update={"acknowledged": True, "acknowledged_at": at,
                                     "acknowledged_by": by})
        self._tx.feedback.put(new.id, new)
        return new

    async def feedback_stats(self, tenant_id: str) -> FeedbackStats:
        rows = self._tx.feedback.rows(lambda r: r.tenant_id == tenant_id)
        acknowledged = sum(1 for r in rows if r.acknowledged)
        by_type = Counter(r.pattern_type for r in rows)
        by_severity = Counter(r.severity.value for r in rows)
        return FeedbackStats(total=len(rows), acknowledged=acknowledged,
                             unacknowledged=len(rows) - acknowledged,
                             by_type=dict(sorted(by_type.items())),
                             by_severity=dict(sorted(by_severity.items())))
