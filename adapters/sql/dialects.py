"""The few places where Postgres and SQLite differ, one small class per dialect.

Time-bucket units are whitelisted and rendered as SQL literals (never bind parameters), so the
SELECT and GROUP BY expressions are textually identical.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Date,
    String,
    Table,
    any_,
    bindparam,
    cast,
    func,
    literal_column,
    select,
    text,
    type_coerce,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnClause, ColumnElement, UnaryExpression
from sqlalchemy.sql.operators import custom_op

from costsight.adapters.sql.bucket_width import Width
from costsight.adapters.sql.types import UtcDateTime


class SqlDialect:
    """Dialect-specific SQL fragments used by the port adapters."""

    name: str = ""
    #: Large cost-record batches go through COPY into a staging table (Postgres only).
    bulk_copy: bool = False
    #: SUM over BIGINT cannot overflow (Postgres sums into NUMERIC; SQLite raises at 2**63).
    exact_big_sums: bool = False

    def insert(self, table: Table) -> Any:
        """An INSERT supporting ON CONFLICT (``on_conflict_do_nothing`` / ``_do_update``)."""
        raise NotImplementedError

    def bucket(self, column: ColumnElement[datetime],
               width: str) -> ColumnElement[datetime]:
        """Start of the UTC hour, day or month (``Width``; a ``Resolution`` is one) containing
        ``column``, read back as aware UTC."""
        raise NotImplementedError

    def day_of(self, column: ColumnElement[datetime]) -> ColumnElement[date]:
        """The UTC calendar day of a timestamp column, read back as ``date``."""
        raise NotImplementedError

    def text_key(self, column: ColumnElement[str]) -> ColumnElement[str]:
        """A string column compared and ordered by code point (as Python does)."""
        return column

    def unindexed(self, column: ColumnElement[str]) -> ColumnElement[str]:
        """``column`` in a condition that must not choose the index (SQLite: its planner,
        without statistics, prefers ``tenant_id = ?`` on a tenant index over ``id IN (...)``
        on the primary key (id, created_at), and scans the tenant's rows)."""
        return column

    def in_values(self, column: ColumnElement[str], name: str) -> ColumnElement[bool]:
        """``column IN (the values bound to the ONE parameter name)``, so the statement's text
        (and its cached plan) is the same whatever their number; bind ``values_param(values)``
        to ``name`` when executing."""
        raise NotImplementedError

    def values_param(self, values: Sequence[str]) -> Any:
        """What to bind to an ``in_values`` parameter for ``values``."""
        raise NotImplementedError

    async def lock_tenants(self, conn: AsyncConnection, tenant_ids: Iterable[str]) -> None:
        """Queue this transaction behind every other writer of these tenants, until it ends.

        Replays of the same cost records or worker runs then see each other's committed rows
        before deciding what to insert, and rollup rows of a tenant have one writer at a time:
        no deadlock on keys taken in different orders, no duplicate-key race between a check
        and its insert. Writers of other tenants proceed in parallel.
        """
        raise NotImplementedError


#: The classid of the transaction-scoped advisory locks of tenant writers (objid: the tenant's
#: key). The two-int form never collides with the bigint job locks 7000-7999 of leader election.
TENANT_WRITERS_LOCK_CLASS = 0x43535447


def tenant_lock_key(tenant_id: str) -> int:
    """A stable signed 32-bit key per tenant (a collision only serialises two tenants)."""
    return zlib.crc32(tenant_id.encode()) - 2**31


#: Takes the writer locks of the keys bound to ``lock_keys`` (int4[]), in ascending order.
_LOCK_TENANTS = text(
    f"SELECT pg_advisory_xact_lock({TENANT_WRITERS_LOCK_CLASS}, k) "
    "FROM unnest(CAST(:lock_keys AS INTEGER[])) AS k ORDER BY k")


class PostgresDialect(SqlDialect):
    """PostgreSQL through asyncpg; the session time zone is UTC (see engine.py)."""

    name = "postgresql"
    bulk_copy = True
    exact_big_sums = True
    _UNITS = {Width.HOUR: "'hour'", Width.DAY: "'day'", Width.MONTH: "'month'"}

    def insert(self, table: Table) -> Any:
        return postgresql.insert(table)

    def bucket(self, column: ColumnElement[datetime],
               width: str) -> ColumnElement[datetime]:
        unit: ColumnClause[str] = literal_column(self._UNITS[Width(width)])
        return type_coerce(func.date_trunc(unit, column), UtcDateTime())

    def day_of(self, column: ColumnElement[datetime]) -> ColumnElement[date]:
        return cast(column, Date)

    def text_key(self, column: ColumnElement[str]) -> ColumnElement[str]:
        return column.collate("C")

    def in_values(self, column: ColumnElement[str], name: str) -> ColumnElement[bool]:
        return column == any_(bindparam(name, type_=postgresql.ARRAY(String())))

    def values_param(self, values: Sequence[str]) -> Any:
        return list(values)

    async def lock_tenants(self, conn: AsyncConnection, tenant_ids: Iterable[str]) -> None:
        # One round trip for every tenant. Ascending keys: two writers of overlapping tenant
        # sets take them in the same order (Postgres evaluates a volatile output column after
        # the ORDER BY sort). Re-taking a lock this transaction holds is a no-op.
        keys = sorted({tenant_lock_key(t) for t in tenant_ids})
        if keys:
            await conn.execute(_LOCK_TENANTS, {"lock_keys": keys})


class SqliteDialect(SqlDialect):
    """SQLite through aiosqlite; timestamps are UTC text 'YYYY-MM-DD HH:MM:SS.ffffff'."""

    name = "sqlite"
    _FORMATS = {Width.HOUR: "'%Y-%m-%d %H:00:00.000000'",
                Width.DAY: "'%Y-%m-%d 00:00:00.000000'",
                Width.MONTH: "'%Y-%m-01 00:00:00.000000'"}

    def insert(self, table: Table) -> Any:
        return sqlite.insert(table)

    def bucket(self, column: ColumnElement[datetime],
               width: str) -> ColumnElement[datetime]:
        fmt: ColumnClause[str] = literal_column(self._FORMATS[Width(width)])
        return type_coerce(func.strftime(fmt, column), UtcDateTime())

    def day_of(self, column: ColumnElement[datetime]) -> ColumnElement[date]:
        return type_coerce(func.date(column), Date())

    def unindexed(self, column: ColumnElement[str]) -> ColumnElement[str]:
        # The unary + disqualifies a term from index use (SQLite's documented hint).
        unary: UnaryExpression[str] = UnaryExpression(
            column, operator=custom_op("+", precedence=100))
        return type_coerce(unary, column.type)

    def in_values(self, column: ColumnElement[str], name: str) -> ColumnElement[bool]:
        each = func.json_each(bindparam(name, type_=String())).table_valued("value")
        return column.in_(select(each.c.value))

    def values_param(self, values: Sequence[str]) -> Any:
        return json.dumps(list(values))

    async def lock_tenants(self, conn: AsyncConnection, tenant_ids: Iterable[str]) -> None:
        # SQLite admits one writer: taking the write lock now (rather than at the first write,
        # see engine.py) makes the reads that follow part of the serialised transaction.
        driver = (await conn.get_raw_connection()).driver_connection
        if driver is None:  # only after the pool invalidated it; the caller's transaction is gone
            raise RuntimeError("the SQLite connection was invalidated mid-transaction")
        if not driver.in_transaction:
            await conn.exec_driver_sql("BEGIN IMMEDIATE")


def dialect_for(name: str) -> SqlDialect:
    if name == "postgresql":
        return PostgresDialect()
    if name == "sqlite":
        return SqliteDialect()
    raise ValueError(f"unsupported SQL dialect {name!r} (allowed: postgresql, sqlite)")
