"""Leader election on SQLite: a lease row per lock with an expiry and a fencing token.

SQLite has no advisory locks, so leadership is a row in ``leader_leases``: a holder name, an
``expires_at`` (``lease_seconds`` after acquisition or the last ``still_leader`` renewal) and a
fencing token that grows with every new acquisition. Acquisition is one conditional UPDATE in a
write transaction; SQLite admits one writer at a time, so two contenders can never both see the
lock free. A holder that stops renewing loses the lock once the lease expires; its later
``release``/``still_leader`` calls are refused because the row now carries a newer token.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import timedelta

import anyio
from sqlalchemy import ColumnElement, Update, or_, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from costsight.adapters.sql.tables import leader_leases
from costsight.core.errors import ValidationError
from costsight.core.leadership import LeadershipMixin
from costsight.core.ports.leader_election import DEFAULT_ACQUIRE_TIMEOUT, Lease, check_lock_id
from costsight.core.timeutil import Clock, SystemClock

log = logging.getLogger(__name__)

DEFAULT_LEASE_SECONDS = 15.0
#: Bound on release/renew/read round trips, so a locked database never hangs a caller.
OPERATION_TIMEOUT = 5.0
HOLDER_MAX_LENGTH = 128

_t = leader_leases


def default_holder() -> str:
    """A name unique to this election instance: host, process and a random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class SqliteLeaderElection(LeadershipMixin):
    """``LeaderElectionPort`` over the ``leader_leases`` table (see the module docstring)."""

    def __init__(self, engine: AsyncEngine, *, holder: str | None = None,
                 lease_seconds: float = DEFAULT_LEASE_SECONDS,
                 clock: Clock | None = None) -> None:
        holder = holder or default_holder()
        if len(holder) > HOLDER_MAX_LENGTH:
            raise ValidationError("holder", f"{len(holder)} characters is too long",
                                  allowed=f"at most {HOLDER_MAX_LENGTH} characters")
        if lease_seconds <= 0:
            raise ValidationError("lease_seconds", f"{lease_seconds} is not positive",
                                  allowed="a number of seconds > 0")
        self._engine = engine
        self.holder = holder
        self.lease = timedelta(seconds=lease_seconds)
        self._clock = clock or SystemClock()

    async def try_acquire(self, lock_id: int, *,
                          timeout: float = DEFAULT_ACQUIRE_TIMEOUT) -> Lease | None:
        lock_id = check_lock_id(lock_id)
        now = self._clock.now()
        expires_at = now + self.lease
        take = (
            update(_t)
            .where(_t.c.lock_id == lock_id,
                   or_(_t.c.holder.is_(None), _t.c.expires_at.is_(None),
                       _t.c.expires_at <= now))
            .values(holder=self.holder, fencing_token=_t.c.fencing_token + 1,
                    acquired_at=now, expires_at=expires_at)
            .returning(_t.c.fencing_token)
        )
        try:
            with anyio.fail_after(timeout):
                async with self._engine.begin() as conn:
                    # Both statements run in one write transaction (the engine begins with
                    # BEGIN IMMEDIATE; and SQLite admits a single writer): no other contender
                    # can take the row between the existence check and the conditional UPDATE.
                    await conn.execute(sqlite_insert(_t)
                                       .values(lock_id=lock_id, fencing_token=0)
                                       .on_conflict_do_nothing(index_elements=[_t.c.lock_id]))
                    token = (await conn.execute(take)).scalar_one_or_none()
        except TimeoutError:
            log.warning("leader lock %s: acquisition timed out after %ss", lock_id, timeout)
            return None
        except Exception:
            log.exception("leader lock %s: acquisition failed", lock_id)
            return None
        if token is None:
            return None
        return Lease(lock_id=lock_id, holder=self.holder, fencing_token=int(token),
                     acquired_at=now, expires_at=expires_at)

    async def release(self, lease: Lease) -> bool:
        free = (update(_t).where(*_owned_by(lease))
                .values(holder=None, expires_at=None))
        return await self._write_one(free, lease, "release")

    async def still_leader(self, lease: Lease) -> bool:
        # Matching holder and token means nobody took the lock over, even if the lease ran
        # past its expiry meanwhile: renewing it then is safe.
        renew = (update(_t).where(*_owned_by(lease))
                 .values(expires_at=self._clock.now() + self.lease))
        return await self._write_one(renew, lease, "renewal")

    async def is_held(self, lock_id: int) -> bool:
        lock_id = check_lock_id(lock_id)
        now = self._clock.now()
        with anyio.fail_after(OPERATION_TIMEOUT):
            async with self._engine.connect() as conn:
                row = (await conn.execute(
                    select(_t.c.holder, _t.c.expires_at).where(_t.c.lock_id == lock_id)
                )).first()
        return row is not None and row.holder is not None and (
            row.expires_at is None or row.expires_at > now)

    async def _write_one(self, statement: Update, lease: Lease, what: str) -> bool:
        """Run an UPDATE aimed at this lease's row; True when it matched the row."""
        try:
            with anyio.fail_after(OPERATION_TIMEOUT, shield=True):
                async with self._engine.begin() as conn:
                    result = await conn.execute(statement)
        except Exception as exc:
            log.warning("leader lock %s: %s failed: %r", lease.lock_id, what, exc)
            return False
        return result.rowcount == 1


def _owned_by(lease: Lease) -> tuple[ColumnElement[bool], ...]:
    return (_t.c.lock_id == lease.lock_id, _t.c.holder == lease.holder,
            _t.c.fencing_token == lease.fencing_token)
