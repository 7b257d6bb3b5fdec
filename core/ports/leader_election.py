"""Leader election: one holder per named job lock across every process sharing a database."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from enum import IntEnum
from typing import Protocol

from costsight.core.domain.base import Frozen
from costsight.core.errors import ValidationError
from costsight.core.timeutil import UtcDateTime

LOCK_ID_MIN = 7000
LOCK_ID_MAX = 7999
DEFAULT_ACQUIRE_TIMEOUT = 5.0


class JobLock(IntEnum):
    """Named job locks (unique, inside 7000-7999)."""

    CANARY_RUNNER = 7001
    ALERT_WORKER = 7002
    PROVENANCE_ARCHIVER = 7003
    BASELINE_BACKFILL = 7004
    PREDICTION_CYCLE = 7005
    PATTERN_CYCLE = 7006
    ALERT_DISPATCHER = 7007
    FORECAST_CYCLE = 7008
    PARTITION_MAINTENANCE = 7009


def check_lock_id(lock_id: int) -> int:
    if not LOCK_ID_MIN <= int(lock_id) <= LOCK_ID_MAX:
        raise ValidationError("lock_id", f"{lock_id} is outside the job-lock range",
                              allowed=f"{LOCK_ID_MIN}..{LOCK_ID_MAX}")
    return int(lock_id)


class Lease(Frozen):
    """Proof of leadership: which lock, who holds it, and a fencing token that grows with
    every new acquisition of that lock (a stale token is refused)."""

    lock_id: int
    holder: str
    fencing_token: int
    acquired_at: UtcDateTime
    expires_at: UtcDateTime | None = None


class LeaderElectionPort(Protocol):
    """Non-blocking leader election for background jobs.

    Postgres: session advisory locks on a dedicated (non-pooled) connection per lease; the lock
    dies with that connection. SQLite: a lease row with expiry and fencing token. Memory: an
    in-process map. Lock ids outside 7000-7999 raise ``ValidationError``.
    """

    async def try_acquire(self, lock_id: int, *,
                          timeout: float = DEFAULT_ACQUIRE_TIMEOUT) -> Lease | None:
        """Try once to become leader, bounded by ``timeout`` seconds. None when another holder
        has the lock, on timeout, or on a backend error (logged): never raises for those."""
        ...

    async def release(self, lease: Lease) -> bool:
        """Give the lock up. False if this lease no longer holds it (stale token, lost
        connection, expired lease taken over)."""
        ...

    async def is_held(self, lock_id: int) -> bool:
        """Whether anyone holds the lock right now (informational; may be stale at once)."""
        ...

    async def still_leader(self, lease: Lease) -> bool:
        """Whether this lease still holds its lock; renews a lease-based lock's expiry.
        False once the holder's connection died or the lease was taken over."""
        ...

    def leadership(self, lock_id: int, *, timeout: float = DEFAULT_ACQUIRE_TIMEOUT
                   ) -> AbstractAsyncContextManager[Lease | None]:
        """``async with election.leadership(JobLock.ALERT_WORKER) as lease:`` - lease is None
        when not leader. Releases in ``finally``; exceptions of the body propagate unchanged."""
        ...
