"""Contract: LeaderElectionPort, on memory, SQLite and Postgres.

``storage.leader`` is the first contender; the second, ``storage.new_leader_election()``, is an
independent election on the same backing state (its own advisory-lock connections on Postgres,
its own holder name on the SQLite lease rows, another election on the memory storage's lock
map), as two processes of one deployment would be.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from costsight.core.errors import ValidationError
from costsight.core.ports import Storage
from costsight.core.ports.leader_election import JobLock, LeaderElectionPort

LOCK = JobLock.ALERT_WORKER

#: The storage's own contender and a second one on the same locks.
Contenders = tuple[LeaderElectionPort, LeaderElectionPort]


class Boom(Exception):
    """Raised inside a leadership block to check it propagates."""


@pytest.fixture
async def contenders(storage: Storage) -> AsyncIterator[Contenders]:
    # The storage closes every contender it handed out.
    yield storage.leader, storage.new_leader_election()


async def test_a_second_contender_is_refused_while_the_lock_is_held(contenders: Contenders) -> None:
    first, second = contenders
    lease = await first.try_acquire(LOCK)
    assert lease is not None
    assert lease.lock_id == LOCK and lease.holder and lease.fencing_token > 0
    assert lease.acquired_at.tzinfo is not None
    assert lease.acquired_at.utcoffset() == timedelta(0)

    assert await second.try_acquire(LOCK) is None
    assert await first.still_leader(lease)

    other_lock = await second.try_acquire(JobLock.CANARY_RUNNER)  # locks are independent
    assert other_lock is not None
    assert await second.release(other_lock)
    assert await first.release(lease)


async def test_release_lets_the_other_contender_in(contenders: Contenders) -> None:
    first, second = contenders
    lease = await first.try_acquire(LOCK)
    assert lease is not None
    assert await first.release(lease)
    assert not await first.still_leader(lease)

    taken = await second.try_acquire(LOCK)
    assert taken is not None
    assert taken.holder != lease.holder
    assert await second.still_leader(taken)
    assert await second.release(taken)


async def test_fencing_token_grows_with_every_acquisition(contenders: Contenders) -> None:
    first, second = contenders
    tokens = []
    for election in (first, second, first, first, second):
        lease = await election.try_acquire(LOCK)
        assert lease is not None
        tokens.append(lease.fencing_token)
        assert await election.release(lease)
    assert tokens == sorted(set(tokens)), tokens


async def test_body_exception_propagates_and_the_lock_is_released(contenders: Contenders) -> None:
    first, second = contenders
    with pytest.raises(Boom, match="inside the job"):
        async with first.leadership(LOCK) as lease:
            assert lease is not None
            assert await first.is_held(LOCK)
            raise Boom("inside the job")

    assert not await first.is_held(LOCK)
    assert lease is not None  # pytest.raises may swallow, so mypy forgets the block's assert
    assert not await first.still_leader(lease)
    after = await second.try_acquire(LOCK)
    assert after is not None
    assert after.fencing_token > lease.fencing_token
    assert await second.release(after)


async def test_leadership_yields_none_and_leaves_the_holder_alone(contenders: Contenders) -> None:
    first, second = contenders
    held = await second.try_acquire(LOCK)
    assert held is not None

    ran = False
    async with first.leadership(LOCK, timeout=2.0) as lease:
        ran = True
        assert lease is None
    assert ran

    assert await first.is_held(LOCK)
    assert await second.still_leader(held)
    assert await second.release(held)


async def test_leadership_releases_after_a_normal_exit(contenders: Contenders) -> None:
    first, second = contenders
    async with first.leadership(LOCK) as lease:
        assert lease is not None
        assert await second.is_held(LOCK)
    assert not await second.is_held(LOCK)
    assert not await first.release(lease)  # already released by the context manager


async def test_is_held_reports_any_holder(contenders: Contenders) -> None:
    first, second = contenders
    assert not await first.is_held(LOCK)
    assert not await second.is_held(LOCK)

    lease = await first.try_acquire(LOCK)
    assert lease is not None
    assert await first.is_held(LOCK)
    assert await second.is_held(LOCK)
    assert not await second.is_held(JobLock.PATTERN_CYCLE)

    assert await first.release(lease)
    assert not await first.is_held(LOCK)
    assert not await second.is_held(LOCK)


@pytest.mark.parametrize("lock_id", [6999, 8000, 0, -7001, 2**32 + 7001])
async def test_lock_ids_outside_the_job_range_are_rejected(
        contenders: Contenders, lock_id: int) -> None:
    first, _ = contenders
    with pytest.raises(ValidationError, match="lock_id") as info:
        await first.try_acquire(lock_id)
    assert "7000..7999" in str(info.value)
    with pytest.raises(ValidationError, match="lock_id"):
        await first.is_held(lock_id)
    with pytest.raises(ValidationError, match="lock_id"):
        async with first.leadership(lock_id):
            pytest.fail("the body must not run for an invalid lock id")


async def test_a_stale_lease_cannot_release_the_new_holders_lock(contenders: Contenders) -> None:
    first, second = contenders
    old = await first.try_acquire(LOCK)
    assert old is not None
    assert await first.release(old)
    assert not await first.release(old)  # released twice

    new = await second.try_acquire(LOCK)
    assert new is not None
    assert new.fencing_token > old.fencing_token

    assert not await first.release(old)
    assert not await first.still_leader(old)
    assert await second.still_leader(new)
    assert await first.is_held(LOCK)
    assert await first.try_acquire(LOCK) is None
    assert await second.release(new)
