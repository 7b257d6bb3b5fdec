"""The SQL storage: one engine, units of work, leader election, schema check on open."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncEngine

from costsight.adapters.sql.dialects import SqlDialect, dialect_for
from costsight.adapters.sql.engine import backend_of, create_engine
from costsight.adapters.sql.leader_election import SqlLeaderElection
from costsight.adapters.sql.partitions import MONTHS_AHEAD, drop_months_before, ensure_partitions
from costsight.adapters.sql.schema_check import ensure_schema
from costsight.adapters.sql.tables import ALL_TABLES
from costsight.adapters.sql.uow import SqlUnitOfWork


class SqlStorage:
    """Postgres (asyncpg) or SQLite (aiosqlite) behind the same port adapters."""

    def __init__(self, url: str, engine: AsyncEngine, *, read_only: bool = False) -> None:
        self.url = url
        self.engine = engine
        self.backend = backend_of(url)
        self.read_only = read_only
        self.dialect: SqlDialect = dialect_for(self.backend)
        self._leader: SqlLeaderElection | None = None
        self._contenders: list[SqlLeaderElection] = []

    @classmethod
    async def open(cls, url: str, *, read_only: bool = False,
                   create_schema: bool = True) -> SqlStorage:
        """Connect and check the schema (an empty SQLite database is migrated when
        ``create_schema``); ``SchemaOutOfDate`` names ``costsight migrate`` otherwise."""
        engine = create_engine(url, read_only=read_only)
        try:
            await ensure_schema(engine, url, create_schema=create_schema, read_only=read_only)
        except BaseException:
            await engine.dispose()
            raise
        return cls(url, engine, read_only=read_only)

    @property
    def leader(self) -> SqlLeaderElection:
        """This storage's contender for the job locks, built on first use."""
        if self._leader is None:
            self._leader = self.new_leader_election()
        return self._leader

    def new_leader_election(self, holder: str | None = None) -> SqlLeaderElection:
        """Another contender (like another process) for the same database's job locks;
        closed with the storage."""
        election = SqlLeaderElection.for_database(self.url, self.engine, holder=holder,
                                                  read_only=self.read_only)
        self._contenders.append(election)
        return election

    async def ensure_partitions(self, months_ahead: int = MONTHS_AHEAD, *,
                                now: datetime | None = None) -> list[str]:
        """Create the monthly partitions of cost_records up to ``months_ahead`` months after
        the month of ``now`` (Postgres; nothing on SQLite); the names created."""
        if self.backend != "postgresql":
            return []
        async with self.engine.begin() as conn:
            return await ensure_partitions(conn, months_ahead, now=now)

    async def drop_partitions_before(self, before: datetime, *,
                                     dry_run: bool = False) -> dict[str, dict[str, int]]:
        """Drop the month partitions of cost_records wholly older than ``before`` (Postgres;
        nothing on SQLite): per partition dropped (or, ``dry_run``, that would be), its rows
        per tenant. Every tenant's rows go: for ``costsight retention`` of all tenants."""
        if self.backend != "postgresql":
            return {}
        async with self.engine.begin() as conn:
            return await drop_months_before(conn, before, dry_run=dry_run)

    def unit_of_work(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, self.dialect)

    async def aclose(self) -> None:
        contenders, self._contenders, self._leader = self._contenders, [], None
        try:
            for election in contenders:
                await election.aclose()
        finally:
            await self.engine.dispose()


async def truncate_all(url: str) -> None:
    """Empty every costsight table (tests): TRUNCATE on Postgres, DELETE on SQLite."""
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                quote = engine.dialect.identifier_preparer.quote
                names = ", ".join(quote(t.name) for t in ALL_TABLES)
                await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in reversed(ALL_TABLES):
                    await conn.execute(delete(table))
    finally:
        await engine.dispose()
