"""Async engines per dialect: SQLite pragmas and transaction mode, Postgres session settings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from core.errors import ValidationError

SQLITE_BUSY_TIMEOUT_MS = 30_000
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


def _sqlite_engine(url: str, *, read_only: bool) -> AsyncEngine:
    kwargs: dict[str, Any] = {}
    if _is_memory(url):
        # One shared connection, otherwise every connection sees its own empty database.
        kwargs["poolclass"] = StaticPool
    engine = create_async_engine(url, **kwargs)
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin
        # (SAVEPOINTs and transactional DDL depend on it).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            if not read_only:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS:d}")
            cursor.execute("PRAGMA synchronous=NORMAL")
            if read_only:
                cursor.execute("PRAGMA query_only=ON")
        finally:
            cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Deferred, so a reading unit never waits for a writing one (WAL readers see the last
        # commit). A unit whose first statement writes waits on busy_timeout for the lock; a
        # unit that read first and then writes after another commit gets SQLITE_BUSY and must
        # be retried: the write paths of hot operations therefore start with their write.
        conn.exec_driver_sql("BEGIN")

    return engine
