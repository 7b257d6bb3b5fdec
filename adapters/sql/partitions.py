"""Monthly partitions of ``cost_records`` on Postgres (SQLite keeps one table: no-op there).

``cost_records`` is ``PARTITION BY RANGE (created_at)`` with one partition per UTC month,
``cost_records_pYYYY_MM`` = [first instant of the month, first instant of the next), and a
DEFAULT partition ``cost_records_default`` for rows outside every month partition (an outlier
far in the future or the past). ``ensure_partitions`` creates the current month and
``months_ahead`` months after it, and adopts the months of the last ``ADOPT_MONTHS_BACK`` whose
rows a backfill left in DEFAULT (history written after its month was past); ``costsight
migrate`` calls it after upgrading and the worker once per tick. It is idempotent and safe to run concurrently (a transaction-scoped advisory
lock serialises the callers; writers never take it).

``drop_months_before`` serves ``costsight retention`` of every tenant: a month wholly older than
the cut-off is dropped (a per-tenant count first), not deleted row by row.

Postgres refuses to create a partition for a month that already has rows in the DEFAULT
partition. So every month is created as a plain table (LIKE cost_records), the default's rows
of that month are moved into it, and it is then attached: the attach checks the default
holds no row of that month, which the move made true. All in the caller's transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

PARENT = "cost_records"
DEFAULT_PARTITION = "cost_records_default"
#: Months created ahead of the current one.
MONTHS_AHEAD = 3
#: Key of the transaction-scoped advisory lock of partition maintenance (one-bigint form:
#: outside the job locks 7000-7999, and the tenant writers use the two-int form).
PARTITION_LOCK_KEY = 0x43535450
#: How far back (months before the current one) rows found in DEFAULT get their month's
#: partition; older (or future) outliers stay in DEFAULT.
ADOPT_MONTHS_BACK = 36


def month_of(instant: datetime | date) -> date:
    """The first day of the UTC month of ``instant``."""
    if isinstance(instant, datetime):
        if instant.tzinfo is not None:
            instant = instant.astimezone(UTC)
        return date(instant.year, instant.month, 1)
    return date(instant.year, instant.month, 1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def partition_name(month: date) -> str:
    return f"{PARENT}_p{month.year:04d}_{month.month:02d}"


#: The name of a partition of cost_records (a table the schema does not list itself).
PARTITION_NAME = re.compile(rf"{PARENT}_(p\d{{4}}_\d{{2}}|default)")


def is_partition(name: str) -> bool:
    return PARTITION_NAME.fullmatch(name) is not None


def _bound(month: date) -> str:
    return f"'{month.isoformat()} 00:00:00+00'"


def existing_partitions(conn: Connection) -> set[str]:
    """Names of the partitions attached to cost_records."""
    rows = conn.execute(text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = CAST(:parent AS regclass)"), {"parent": PARENT})
    return {row[0] for row in rows}


def ensure_partitions_sync(conn: Connection, months_ahead: int = MONTHS_AHEAD, *,
                           now: datetime | None = None,
                           months: Iterable[date] = ()) -> list[str]:
    """Create the DEFAULT partition, the partitions from the month of ``now`` (default: the
    clock) to ``months_ahead`` months after it, and those of ``months``; the names created."""
    if conn.dialect.name != "postgresql":
        return []
    if months_ahead < 0:
        raise ValueError(f"months_ahead {months_ahead} is negative (allowed: 0 or more)")
    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PARTITION_LOCK_KEY})
    existing = existing_partitions(conn)
    created = []
    if DEFAULT_PARTITION not in existing:
        conn.execute(text(f"CREATE TABLE {DEFAULT_PARTITION} PARTITION OF {PARENT} DEFAULT"))
        created.append(DEFAULT_PARTITION)
    first = month_of(now or datetime.now(UTC))
    wanted = {add_months(first, k) for k in range(months_ahead + 1)} | set(months)
    wanted |= months_in_default(conn, add_months(first, -ADOPT_MONTHS_BACK), first)
    for month in sorted(wanted):
        name = partition_name(month)
        if name not in existing:
            _create_month(conn, month)
            created.append(name)
    return created


def months_in_default(conn: Connection, first: date, end: date) -> set[date]:
    """The months from ``first`` up to (not including) ``end`` that have rows in DEFAULT."""
    rows = conn.execute(text(
        f"SELECT DISTINCT CAST(date_trunc('month', created_at AT TIME ZONE 'UTC') AS date) "
        f"FROM {DEFAULT_PARTITION} WHERE created_at >= {_bound(first)} "
        f"AND created_at < {_bound(end)}"))
    return {row[0] for row in rows}


def month_of_partition(name: str) -> date | None:
    """The month a ``cost_records_pYYYY_MM`` partition holds (None: DEFAULT or another name)."""
    match = re.fullmatch(rf"{PARENT}_p(\d{{4}})_(\d{{2}})", name)
    return date(int(match[1]), int(match[2]), 1) if match else None


def drop_months_before_sync(conn: Connection, before: datetime, *,
                            dry_run: bool = False) -> dict[str, dict[str, int]]:
    """The month partitions that end at or before ``before`` (every row older than it, of
    every tenant): per partition, its rows per tenant; each dropped unless ``dry_run``.
    Postgres only ({} elsewhere). ``DROP TABLE`` of a partition locks cost_records for a moment
    (ACCESS EXCLUSIVE): it waits for running reads and writes, and they wait for it."""
    if conn.dialect.name != "postgresql":
        return {}
    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PARTITION_LOCK_KEY})
    out: dict[str, dict[str, int]] = {}
    for name in sorted(existing_partitions(conn)):
        month = month_of_partition(name)
        if month is None or datetime.combine(add_months(month, 1), time(), UTC) > before:
            continue
        rows = conn.execute(text(f"SELECT tenant_id, count(*) FROM {name} GROUP BY tenant_id"))
        out[name] = {tenant: int(count) for tenant, count in rows}
        if not dry_run:
            conn.execute(text(f"DROP TABLE {name}"))
    return out


def _create_month(conn: Connection, month: date) -> None:
    name, start, end = partition_name(month), _bound(month), _bound(add_months(month, 1))
    conn.execute(text(f"CREATE TABLE {name} (LIKE {PARENT} INCLUDING DEFAULTS "
                      f"INCLUDING CONSTRAINTS)"))
    # Rows of this month that landed in DEFAULT move to the new table before it is attached.
    conn.execute(text(
        f"WITH moved AS (DELETE FROM {DEFAULT_PARTITION} WHERE created_at >= {start} "
        f"AND created_at < {end} RETURNING *) INSERT INTO {name} SELECT * FROM moved"))
    conn.execute(text(f"ALTER TABLE {PARENT} ATTACH PARTITION {name} "
                      f"FOR VALUES FROM ({start}) TO ({end})"))


async def drop_months_before(conn: AsyncConnection, before: datetime, *,
                             dry_run: bool = False) -> dict[str, dict[str, int]]:
    """``drop_months_before_sync`` on an async connection (inside its transaction)."""
    return await conn.run_sync(
        lambda sync: drop_months_before_sync(sync, before, dry_run=dry_run))


async def ensure_partitions(conn: AsyncConnection, months_ahead: int = MONTHS_AHEAD, *,
                            now: datetime | None = None) -> list[str]:
    """``ensure_partitions_sync`` on an async connection (inside its transaction)."""
    return await conn.run_sync(
        lambda sync: ensure_partitions_sync(sync, months_ahead, now=now))
