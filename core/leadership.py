"""The leadership context manager shared by every LeaderElectionPort adapter."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol, TypeVar

from costsight.core.ports.leader_election import DEFAULT_ACQUIRE_TIMEOUT, LeaderElectionPort, Lease

log = logging.getLogger(__name__)
T = TypeVar("T")


class LockHolder(Protocol):
    """The part of LeaderElectionPort that ``leadership`` needs (what the mixin relies on)."""

    async def try_acquire(self, lock_id: int, *,
                          timeout: float = DEFAULT_ACQUIRE_TIMEOUT) -> Lease | None: ...

    async def release(self, lease: Lease) -> bool: ...


@asynccontextmanager
async def leadership(election: LockHolder, lock_id: int, *,
                     timeout: float = DEFAULT_ACQUIRE_TIMEOUT) -> AsyncIterator[Lease | None]:
    """Yield a lease (or None when not leader); release it in ``finally``.

    Only acquisition is guarded: exceptions raised by the body propagate unchanged.
    """
    lease = await election.try_acquire(lock_id, timeout=timeout)
    try:
        yield lease
    finally:
        if lease is not None:
            try:
                await election.release(lease)
            except Exception:  # release failing must not mask the body's outcome
                log.exception("leader lock %s release failed", lock_id)


class LeadershipMixin:
    """Gives an adapter the port's ``leadership`` method on top of try_acquire/release."""

    def leadership(self: LockHolder, lock_id: int, *, timeout: float = DEFAULT_ACQUIRE_TIMEOUT
                   ) -> AbstractAsyncContextManager[Lease | None]:
        return leadership(self, lock_id, timeout=timeout)


async def with_leader_lock(election: LeaderElectionPort, lock_id: int,
                           callback: Callable[..., Awaitable[T]], *args: object,
                           timeout: float = DEFAULT_ACQUIRE_TIMEOUT, **kwargs: object) -> T | None:
    """Await ``callback(*args, **kwargs)`` only while leader; None when another holder leads."""
    async with leadership(election, lock_id, timeout=timeout) as lease:
        if lease is None:
            log.info("lock %s held elsewhere; skipping", lock_id)
            return None
        return await callback(*args, **kwargs)
