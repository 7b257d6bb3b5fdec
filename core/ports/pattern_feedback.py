"""Advisory pattern feedback: natural-key upsert, listing, acknowledgement, counts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from costsight.core.domain.patterns import (
    FeedbackFilter,
    FeedbackStats,
    NewPatternFeedback,
    PatternFeedback,
)
from costsight.core.pagination import Page


class PatternFeedbackPort(Protocol):
    """The pattern detectors' findings, stored with natural dedupe. Tenant-explicit."""

    async def upsert_feedback(self, items: Sequence[NewPatternFeedback], *, open_since: datetime,
                              now: datetime) -> list[PatternFeedback]:
        """Store feedback with natural dedupe; returns the stored rows in input order.

        An unacknowledged row with the same (tenant, pattern_type, signature) whose
        last_seen_at >= ``open_since`` is updated (description, severity, provenance,
        occurrence_count, window, threshold, metadata, last_seen_at = now); otherwise a new row
        (uuid id, detected_at = last_seen_at = now) is inserted.
        """
        ...

    async def list_feedback(self, tenant_id: str, filters: FeedbackFilter, *, limit: int,
                            cursor: str | None = None) -> Page[PatternFeedback]:
        """The tenant's feedback, newest detected first (ties by id desc), keyset-paged."""
        ...

    async def get_feedback(self, tenant_id: str, feedback_id: str) -> PatternFeedback:
        """One feedback row of the tenant; ``NotFound`` otherwise."""
        ...

    async def acknowledge_feedback(self, tenant_id: str, feedback_id: str, *, by: str | None,
                                   at: datetime) -> PatternFeedback:
        """Mark acknowledged (idempotent: a second call keeps the first time and actor)."""
        ...

    async def feedback_stats(self, tenant_id: str) -> FeedbackStats:
        """Counts over all the tenant's feedback."""
        ...
