"""The transactional outbox of notifications and their delivery state."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from costsight.core.domain.alerts import DeliveryStatus, NewNotification, Notification
from costsight.core.pagination import Page


class NotificationPort(Protocol):
    """Notifications are written with the finding (same unit of work) and claimed by
    dispatchers. A claim is a lease: (claim_token, claimed_until). Only the holder of an
    unexpired or the latest claim can record an outcome, so two dispatchers never deliver the
    same notification at once and a late outcome of an expired claim is ignored."""

    async def enqueue(self, notifications: Sequence[NewNotification]) -> list[Notification]:
        """Store each notification unless its route already has one for the same finding
        (tenant, route, kind, finding id) at the same or a higher severity. Returns the stored
        ones (pending, due at their created_at) in input order."""
        ...

    async def claim(self, *, now: datetime, limit: int, lease_seconds: float,
                    claim_token: str) -> list[Notification]:
        """Up to ``limit`` pending notifications of any tenant that are due
        (next_attempt_at <= now) and not under an unexpired claim, oldest first; each gets
        ``claim_token``, claimed_until = now + lease and one more attempt. Concurrent callers
        never receive the same notification (Postgres: FOR UPDATE SKIP LOCKED; SQLite: the
        write lock of BEGIN IMMEDIATE)."""
        ...

    async def record_sent(self, notification_id: str, claim_token: str, *,
                          now: datetime) -> bool:
        """Mark it sent and release the claim; False (nothing changed) unless it is pending
        under this claim."""
        ...

    async def record_retry(self, notification_id: str, claim_token: str, *, error: str,
                           next_attempt_at: datetime) -> bool:
        """Keep it pending, due again at ``next_attempt_at``, with its last error; the claim
        is released. False unless it is pending under this claim."""
        ...

    async def record_dead(self, notification_id: str, claim_token: str, *, error: str,
                          now: datetime) -> bool:
        """Dead-letter it with its last error; False unless it is pending under this claim."""
        ...

    async def list_notifications(self, tenant_id: str, *, status: DeliveryStatus | None = None,
                                 limit: int, cursor: str | None = None) -> Page[Notification]:
        """The tenant's notifications, newest first (ties by id desc), keyset-paged."""
        ...
