"""In-memory LeaderElectionPort: an in-process lock map with fencing tokens.

The map lives on the MemoryStorage (``LockTable``), so every MemoryLeaderElection made from the
same storage (``storage.leader``, ``storage.new_leader_election()``) contends for the same locks,
like processes sharing one database. A lease never expires: it is held until released.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from costsight.core.leadership import LeadershipMixin
from costsight.core.ports.leader_election import DEFAULT_ACQUIRE_TIMEOUT, Lease, check_lock_id
from costsight.core.timeutil import Clock, SystemClock


@dataclass
class LockTable:
    """lock_id -> (holder, fencing token) of the current holder, and the last token issued."""

    held: dict[int, tuple[str, int]] = field(default_factory=dict)
    last_token: dict[int, int] = field(default_factory=dict)


class MemoryLeaderElection(LeadershipMixin):
    """One contender. ``holder`` names it (a fresh uuid unless given)."""

    def __init__(self, locks: LockTable, *, holder: str | None = None,
                 clock: Clock | None = None) -> None:
        self._locks = locks
        self.holder = holder or str(uuid.uuid4())
        self._clock = clock or SystemClock()

    async def try_acquire(self, lock_id: int, *,
                          timeout: float = DEFAULT_ACQUIRE_TIMEOUT) -> Lease | None:
        """Never waits: the lock is free (acquired, new fencing token) or it is not (None).
        A contender that already holds the lock does not get it a second time."""
        lock_id = check_lock_id(lock_id)
        if lock_id in self._locks.held:
            return None
        token = self._locks.last_token.get(lock_id, 0) + 1
        self._locks.last_token[lock_id] = token
        self._locks.held[lock_id] = (self.holder, token)
        return Lease(lock_id=lock_id, holder=self.holder, fencing_token=token,
                     acquired_at=self._clock.now())

    def _holds(self, lease: Lease) -> bool:
        return self._locks.held.get(lease.lock_id) == (lease.holder, lease.fencing_token)

    async def release(self, lease: Lease) -> bool:
        if not self._holds(lease):
            return False
        del self._locks.held[lease.lock_id]
        return True

    async def is_held(self, lock_id: int) -> bool:
        return check_lock_id(lock_id) in self._locks.held

    async def still_leader(self, lease: Lease) -> bool:
        return self._holds(lease)
