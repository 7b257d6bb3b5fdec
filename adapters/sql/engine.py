"""Async engines per dialect: SQLite pragmas and transaction mode, Postgres session settings."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from costsight.core.errors import ValidationError

SQLITE_BUSY_TIMEOUT_MS = 30_000
#: Page cache per SQLite connection, KiB (SQLite's default is 2 MiB). A staged batch of 5,000
#: records touches most leaf pages of the random-keyed indexes and rollups; with the default
#: cache every statement re-reads them from the OS. Memory is taken only as pages are used.
SQLITE_CACHE_KIB = 65_536
ALLOWED = "sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER@HOST:PORT/DB"


def backend_of(url: str) -> str:
    """``sqlite`` or ``postgresql`` for a supported async URL; ValidationError otherwise."""
    try:
        parsed = make_url(url)
    except Exception:  # any parse failure is a bad URL
        raise ValidationError("database_url", f"not a database URL: {url!r}",
                              allowed=ALLOWED) from None
    if parsed.drivername == "sqlite+aiosqlite":
        return "sqlite"
    if parsed.drivername == "postgresql+asyncpg":
        return "postgresql"
    raise ValidationError("database_url", f"unsupported driver {parsed.drivername!r}",
                          allowed=ALLOWED)


def create_engine(url: str, *, read_only: bool = False) -> AsyncEngine:
    """An AsyncEngine for ``url``; ``read_only`` makes every session refuse writes."""
    if backend_of(url) == "sqlite":
        return _sqlite_engine(url, read_only=read_only)
    return _postgres_engine(url, read_only=read_only)


def _postgres_engine(url: str, *, read_only: bool) -> AsyncEngine:
    # UTC session time zone: date_trunc / ::date buckets are UTC calendar days and hours.
    settings = {"timezone": "UTC"}
    if read_only:
        settings["default_transaction_read_only"] = "on"
    return create_async_engine(url, pool_pre_ping=True, isolation_level="READ COMMITTED",
                               connect_args={"server_settings": settings})


def _is_memory(url: str) -> bool:
    database = make_url(url).database
    return not database or database == ":memory:"


def read_only_sqlite_url(url: str) -> URL:
    """The URL opening an existing SQLite file read-only (``mode=ro``): SQLite itself refuses
    every write, and a wrong path is an error instead of a new, empty database file."""
    parsed = make_url(url)
    path = Path(parsed.database or "").expanduser().resolve()
    if not path.is_file():
        raise ValidationError("database_url", f"no SQLite database at {os.fspath(path)!r}",
                              allowed="the path of an existing costsight database "
                                      "(create it with `costsight migrate`)")
    return parsed.set(database=f"file:{quote(os.fspath(path))}",
                      query={"mode": "ro", "uri": "true"})


def _sqlite_engine(url: str, *, read_only: bool) -> AsyncEngine:
    kwargs: dict[str, Any] = {}
    target: str | URL = url
    if _is_memory(url):
        # One shared connection, otherwise every connection sees its own empty database.
        kwargs["poolclass"] = StaticPool
    elif read_only:
        target = read_only_sqlite_url(url)
    engine = create_async_engine(target, **kwargs)
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The sqlite3 module must not open transactions on its own: SAVEPOINTs and
        # transactional DDL depend on it, and _begin_immediate_before_write opens them.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            if not read_only:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS:d}")
            cursor.execute("PRAGMA synchronous=NORMAL")
            # Memory only: no durability setting changes (the staging TEMP tables and the
            # sorts of GROUP BY / ORDER BY stay in memory instead of a temporary file).
            cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB:d}")
            cursor.execute("PRAGMA temp_store=MEMORY")
            if read_only:
                cursor.execute("PRAGMA query_only=ON")
        finally:
            cursor.close()

    if not read_only:
        event.listen(sync_engine, "before_cursor_execute", _begin_immediate_before_write)

    return engine


_READS = ("SELECT", "PRAGMA", "EXPLAIN")


def _begin_immediate_before_write(conn: Any, cursor: Any, statement: str, parameters: Any,
                                  context: Any, executemany: bool) -> None:
    """Open the SQLite transaction with BEGIN IMMEDIATE just before a unit's first write.

    Statements before it (reads) run on the latest committed state without holding a
    transaction, so a reading unit never blocks and is never blocked. From the first write on,
    the unit holds the write lock (waiting up to busy_timeout for it): a deferred transaction
    that read first would instead fail with SQLITE_BUSY once another writer had committed.
    The price is that reads before a unit's first write are not one snapshot.
    """
    if conn.connection.driver_connection.in_transaction:
        return
    head = statement.lstrip()[:8].upper()
    if head.startswith("BEGIN"):
        return
    is_write = context is not None and (context.isinsert or context.isupdate
                                        or context.isdelete or context.isddl)
    if not is_write and head.startswith(_READS):
        return
    if not is_write and head.startswith("WITH"):
        return
    cursor.execute("BEGIN IMMEDIATE")
