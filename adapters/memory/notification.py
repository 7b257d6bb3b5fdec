"""In-memory NotificationPort: the outbox as rows of the unit of work's tables.

Claims are private to the claiming unit until it commits, as every memory write is: run one
memory dispatcher per storage (the SQL adapters are the ones that serialise claimers).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from costsight.adapters.memory._paging import check_limit, keyset_page
from costsight.adapters.memory._tables import Tx
from costsight.core.domain.alerts import (
    DeliveryStatus,
    NewNotification,
    Notification,
    finding_key,
)
from costsight.core.pagination import Page


class MemoryNotification:
    """NotificationPort over the unit of work's tables."""

    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    async def enqueue(self, notifications: Sequence[NewNotification]) -> list[Notification]:
        if not notifications:
            return []
        reached: dict[tuple[str, str, str, str], int] = {}
        for row in self._tx.notifications.rows():
            key = finding_key(row)
            reached[key] = max(reached.get(key, 0), row.severity_rank)
        stored = []
        for new in notifications:
            key = finding_key(new)
            if reached.get(key, 0) >= new.severity_rank or new.id in self._tx.notifications:
                continue
            row = Notification(**dict(new), next_attempt_at=new.created_at)
            self._tx.notifications.put(row.id, row)
            reached[key] = new.severity_rank
            stored.append(row)
        return stored

    async def claim(self, *, now: datetime, limit: int, lease_seconds: float,
                    claim_token: str) -> list[Notification]:
        check_limit(limit)
        due = self._tx.notifications.rows(
            lambda r: r.status is DeliveryStatus.PENDING and r.next_attempt_at <= now
            and (r.claimed_until is None or r.claimed_until <= now))
        due.sort(key=lambda r: (r.next_attempt_at, r.id))
        until = now + timedelta(seconds=lease_seconds)
        claimed = []
        for row in due[:limit]:
            updated = row.model_copy(update={"claim_token": claim_token, "claimed_until": until,
                                             "attempts": row.attempts + 1})
            self._tx.notifications.put(row.id, updated)
            claimed.append(updated)
        return claimed

    def _held(self, notification_id: str, claim_token: str) -> Notification | None:
        row = self._tx.notifications.get(notification_id)
        if row is None or row.status is not DeliveryStatus.PENDING \
                or row.claim_token != claim_token:
            return None
        assert isinstance(row, Notification)
        return row

    async def record_sent(self, notification_id: str, claim_token: str, *,
                          now: datetime) -> bool:
        row = self._held(notification_id, claim_token)
        if row is None:
            return False
        self._tx.notifications.put(row.id, row.model_copy(update={
            "status": DeliveryStatus.SENT, "sent_at": now, "last_error": None,
            "claim_token": None, "claimed_until": None}))
        return True

    async def record_retry(self, notification_id: str, claim_token: str, *, error: str,
                           next_attempt_at: datetime) -> bool:
        row = self._held(notification_id, claim_token)
        if row is None:
            return False
        self._tx.notifications.put(row.id, row.model_copy(update={
            "next_attempt_at": next_attempt_at, "last_error": error, "claim_token": None,
            "claimed_until": None}))
        return True

    async def record_dead(self, notification_id: str, claim_token: str, *, error: str,
                          now: datetime) -> bool:
        row = self._held(notification_id, claim_token)
        if row is None:
            return False
        self._tx.notifications.put(row.id, row.model_copy(update={
            "status": DeliveryStatus.DEAD, "last_error": error, "claim_token": None,
            "claimed_until": None}))
        return True

    async def list_notifications(self, tenant_id: str, *, status: DeliveryStatus | None = None,
                                 limit: int, cursor: str | None = None) -> Page[Notification]:
        rows = self._tx.notifications.rows(
            lambda r: r.tenant_id == tenant_id and (status is None or r.status is status))
        return keyset_page(rows, key=lambda r: (r.created_at, r.id), kinds=(datetime, str),
                           limit=limit, cursor=cursor, descending=True)
