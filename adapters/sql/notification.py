"""NotificationPort on SQL: the outbox table and its claims.

A claim is one UPDATE over a sub-select of due rows. On Postgres the sub-select takes
``FOR UPDATE SKIP LOCKED``, so concurrent claimers take disjoint rows without waiting; on
SQLite the UPDATE opens the transaction with BEGIN IMMEDIATE (see ``engine``), so claimers
queue on the database's single write lock and the second sees the first one's claims.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, and_, func, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from costsight.adapters.sql.dialects import SqlDialect
from costsight.adapters.sql.keyset import check_limit, newest_first, page_of
from costsight.adapters.sql.tables import notifications as outbox
from costsight.core.domain.alerts import (
    DeliveryStatus,
    Finding,
    NewNotification,
    Notification,
    finding_key,
)
from costsight.core.pagination import Page

n = outbox.c
#: Rows per statement when checking what a batch of notifications already reached.
CHUNK = 500


def notification_from_row(row: Row[Any]) -> Notification:
    m = dict(row._mapping)
    m["finding"] = Finding.model_validate(m["finding"])
    for name in ("finding_kind", "finding_id", "severity_rank"):
        m.pop(name)
    return Notification.model_validate(m)


class SqlNotification:
    """The outbox in ``notifications``; never commits (the unit of work does)."""

    def __init__(self, conn: AsyncConnection, dialect: SqlDialect) -> None:
        self._conn = conn
        self._dialect = dialect

    async def enqueue(self, notifications: Sequence[NewNotification]) -> list[Notification]:
        stored: list[Notification] = []
        for start in range(0, len(notifications), CHUNK):
            stored.extend(await self._enqueue_chunk(notifications[start:start + CHUNK]))
        return stored

    async def _enqueue_chunk(self, batch: Sequence[NewNotification]) -> list[Notification]:
        if not batch:
            return []
        by_tenant: dict[str, set[tuple[str, str, str]]] = {}
        for x in batch:
            tenant, *rest = finding_key(x)
            by_tenant.setdefault(tenant, set()).add((rest[0], rest[1], rest[2]))
        key_cols = tuple_(n.route_name, n.finding_kind, n.finding_id)
        reached: dict[tuple[str, str, str, str], int] = {}
        for tenant, keys in sorted(by_tenant.items()):  # each read pinned to one tenant
            for hit in await self._conn.execute(
                    select(n.route_name, n.finding_kind, n.finding_id,
                           func.max(n.severity_rank).label("rank"))
                    .where(n.tenant_id == tenant, key_cols.in_(sorted(keys)))
                    .group_by(n.route_name, n.finding_kind, n.finding_id)):
                reached[(tenant, hit.route_name, hit.finding_kind, hit.finding_id)] = hit.rank
        rows: list[dict[str, Any]] = []
        out: list[Notification] = []
        for new in batch:
            key = finding_key(new)
            if reached.get(key, 0) >= new.severity_rank:
                continue
            reached[key] = new.severity_rank
            row = Notification(**dict(new), next_attempt_at=new.created_at)
            rows.append({"id": row.id, "tenant_id": row.tenant_id,
                         "route_name": row.route_name, "finding_kind": key[2],
                         "finding_id": key[3], "severity_rank": row.severity_rank,
                         "finding": row.finding.model_dump(mode="json"),
                         "status": row.status.value, "attempts": 0,
                         "created_at": row.created_at, "next_attempt_at": row.next_attempt_at})
            out.append(row)
        if rows:
            # A concurrent cycle that stored the same (finding, severity) first wins; ours
            # is then not stored (at most one notification per finding and severity).
            stmt = self._dialect.insert(outbox).on_conflict_do_nothing()
            result = await self._conn.execute(stmt.returning(n.id), rows)
            kept = {row.id for row in result}
            out = [x for x in out if x.id in kept]
        return out

    async def claim(self, *, now: datetime, limit: int, lease_seconds: float,
                    claim_token: str) -> list[Notification]:
        check_limit(limit)
        due = (select(n.id)
               .where(n.status == DeliveryStatus.PENDING.value, n.next_attempt_at <= now,
                      or_(n.claimed_until.is_(None), n.claimed_until <= now))
               .order_by(n.next_attempt_at, n.id).limit(limit)
               .with_for_update(skip_locked=True))
        stmt = (update(outbox).where(n.id.in_(due.scalar_subquery()))
                .values(claim_token=claim_token,
                        claimed_until=now + timedelta(seconds=lease_seconds),
                        attempts=n.attempts + 1)
                .returning(*outbox.c))
        claimed = [notification_from_row(row) for row in await self._conn.execute(stmt)]
        return sorted(claimed, key=lambda x: (x.next_attempt_at, x.id))

    async def _finish(self, notification_id: str, claim_token: str, **values: Any) -> bool:
        result = await self._conn.execute(
            update(outbox)
            .where(and_(n.id == notification_id, n.claim_token == claim_token,
                        n.status == DeliveryStatus.PENDING.value))
            .values(claim_token=None, claimed_until=None, **values))
        return bool(result.rowcount)

    async def record_sent(self, notification_id: str, claim_token: str, *,
                          now: datetime) -> bool:
        return await self._finish(notification_id, claim_token,
                                  status=DeliveryStatus.SENT.value, sent_at=now, last_error=None)

    async def record_retry(self, notification_id: str, claim_token: str, *, error: str,
                           next_attempt_at: datetime) -> bool:
        return await self._finish(notification_id, claim_token, last_error=error,
                                  next_attempt_at=next_attempt_at)

    async def record_dead(self, notification_id: str, claim_token: str, *, error: str,
                          now: datetime) -> bool:
        return await self._finish(notification_id, claim_token,
                                  status=DeliveryStatus.DEAD.value, last_error=error)

    async def list_notifications(self, tenant_id: str, *, status: DeliveryStatus | None = None,
                                 limit: int, cursor: str | None = None) -> Page[Notification]:
        check_limit(limit)
        stmt = select(outbox).where(n.tenant_id == tenant_id)
        if status is not None:
            stmt = stmt.where(n.status == DeliveryStatus(status).value)
        stmt = newest_first(stmt, cursor, n.created_at, self._dialect.text_key(n.id), limit)
        items = [notification_from_row(row) for row in await self._conn.execute(stmt)]
        return page_of(items, limit, lambda x: (x.created_at, x.id))
