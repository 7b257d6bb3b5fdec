"""SqlLeaderElection: the LeaderElectionPort adapter of the SQL family.

The two SQL databases need two mechanisms (Postgres: session advisory locks on a dedicated
connection, ``leader_postgres``; SQLite: a lease row with expiry, ``leader_sqlite``). This class
is the one adapter the storage hands out; it picks the mechanism from the database URL and
delegates every port method to it, so callers never branch on the backend.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from costsight.adapters.sql.engine import backend_of
from costsight.adapters.sql.leader_postgres import PostgresLeaderElection
from costsight.adapters.sql.leader_sqlite import SqliteLeaderElection
from costsight.core.leadership import LeadershipMixin
from costsight.core.ports.leader_election import DEFAULT_ACQUIRE_TIMEOUT, Lease


class SqlLeaderElection(LeadershipMixin):
    """One contender for the job locks of one SQL database."""

    def __init__(self, mechanism: PostgresLeaderElection | SqliteLeaderElection) -> None:
        self.mechanism = mechanism

    @classmethod
    def for_database(cls, url: str, engine: AsyncEngine, *, holder: str | None = None,
                     read_only: bool = False) -> SqlLeaderElection:
        """Advisory locks for a Postgres URL (a read-only election only observes), lease rows
        on the storage's engine for SQLite."""
        if backend_of(url) == "postgresql":
            return cls(PostgresLeaderElection(url, holder=holder, read_only=read_only))
        return cls(SqliteLeaderElection(engine, holder=holder))

    @property
    def holder(self) -> str:
        return self.mechanism.holder

    async def try_acquire(self, lock_id: int, *,
                          timeout: float = DEFAULT_ACQUIRE_TIMEOUT) -> Lease | None:
        return await self.mechanism.try_acquire(lock_id, timeout=timeout)

    async def release(self, lease: Lease) -> bool:
        return await self.mechanism.release(lease)

    async def is_held(self, lock_id: int) -> bool:
        return await self.mechanism.is_held(lock_id)

    async def still_leader(self, lease: Lease) -> bool:
        return await self.mechanism.still_leader(lease)

    async def aclose(self) -> None:
        """Give up every lease this contender still holds (Postgres closes its connections)."""
        closer = getattr(self.mechanism, "aclose", None)
        if closer is not None:
            await closer()
