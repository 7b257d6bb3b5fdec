"""Leader election on PostgreSQL: session advisory locks, one dedicated connection per lease.

Each held lease owns a plain asyncpg connection opened for it alone (never one from the
SQLAlchemy pool: a pooled connection goes back to the pool after "close" and keeps its session
locks). The lock lives exactly as long as that connection: ``release`` unlocks explicitly and
closes it; if the server kills the backend (``pg_terminate_backend``, crash, network loss) the
lock is freed and ``still_leader`` answers False. A fencing token in ``leader_leases`` grows with
every acquisition so downstream writers can refuse a stale leader.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass, field

import anyio
import asyncpg
from sqlalchemy.engine import make_url

from costsight.core.errors import ValidationError
from costsight.core.leadership import LeadershipMixin
from costsight.core.ports.leader_election import DEFAULT_ACQUIRE_TIMEOUT, Lease, check_lock_id
from costsight.core.timeutil import Clock, SystemClock

log = logging.getLogger(__name__)

#: Bound on unlock/close/liveness round trips, so a dead network never hangs a caller.
OPERATION_TIMEOUT = 5.0
HOLDER_MAX_LENGTH = 128

_TRY_LOCK = "SELECT pg_try_advisory_lock($1::bigint)"
_UNLOCK = "SELECT pg_advisory_unlock($1::bigint)"
_BUMP_TOKEN = """
INSERT INTO leader_leases (lock_id, holder, fencing_token, acquired_at, expires_at)
VALUES ($1, $2, 1, $3, NULL)
ON CONFLICT (lock_id) DO UPDATE
   SET fencing_token = leader_leases.fencing_token + 1,
       holder = EXCLUDED.holder,
       acquired_at = EXCLUDED.acquired_at,
       expires_at = NULL
RETURNING fencing_token
"""
_CLEAR_HOLDER = """
UPDATE leader_leases SET holder = NULL
 WHERE lock_id = $1 AND fencing_token = $2 AND holder = $3
"""
# A bigint advisory key shows in pg_locks as classid = upper 32 bits, objid = lower 32 bits,
# objsubid = 1 (two-int4 keys use objsubid = 2); the database column scopes it to one database.
_HELD_BY_ANYONE = """
SELECT EXISTS (
  SELECT 1 FROM pg_locks
   WHERE locktype = 'advisory'
     AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
     AND classid = $1 AND objid = $2 AND objsubid = 1 AND granted)
"""
_HELD_BY_ME = """
SELECT EXISTS (
  SELECT 1 FROM pg_locks
   WHERE locktype = 'advisory' AND pid = pg_backend_pid()
     AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
     AND classid = $1 AND objid = $2 AND objsubid = 1 AND granted)
"""


def advisory_key_halves(key: int) -> tuple[int, int]:
    """(classid, objid) under which pg_locks shows the bigint advisory key ``key``."""
    unsigned = key & 0xFFFF_FFFF_FFFF_FFFF
    return unsigned >> 32, unsigned & 0xFFFF_FFFF


def asyncpg_dsn(url: str) -> str:
    """A libpq DSN for asyncpg from a SQLAlchemy URL (``postgresql+asyncpg://...``)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def default_holder() -> str:
    """A name unique to this election instance: host, process and a random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(eq=False)
class _HeldLock:
    conn: asyncpg.Connection
    # asyncpg refuses concurrent queries on one connection: serialise still_leader/release.
    guard: anyio.Lock = field(default_factory=anyio.Lock)


class PostgresLeaderElection(LeadershipMixin):
    """``LeaderElectionPort`` over PostgreSQL session advisory locks (see the module docstring)."""

    def __init__(self, url: str, *, holder: str | None = None,
                 clock: Clock | None = None, read_only: bool = False) -> None:
        holder = holder or default_holder()
        if len(holder) > HOLDER_MAX_LENGTH:
            raise ValidationError("holder", f"{len(holder)} characters is too long",
                                  allowed=f"at most {HOLDER_MAX_LENGTH} characters")
        self._dsn = asyncpg_dsn(url)
        self.holder = holder
        self._clock = clock or SystemClock()
        self._held: dict[tuple[int, int], _HeldLock] = {}
        # A read-only storage (the MCP server) may look at locks but never lead: it takes no
        # advisory lock and writes no fencing token, and its connections are read-only too.
        self.read_only = read_only
        self._server_settings = {"default_transaction_read_only": "on"} if read_only else {}

    async def try_acquire(self, lock_id: int, *,
                          timeout: float = DEFAULT_ACQUIRE_TIMEOUT) -> Lease | None:
        lock_id = check_lock_id(lock_id)
        if self.read_only:
            log.warning("leader lock %s: a read-only storage never leads", lock_id)
            return None
        conn: asyncpg.Connection | None = None
        try:
            with anyio.fail_after(timeout):
                conn = await asyncpg.connect(self._dsn)
                if not await conn.fetchval(_TRY_LOCK, lock_id):
                    await _close(conn)
                    return None
                acquired_at = self._clock.now()
                token = await conn.fetchval(_BUMP_TOKEN, lock_id, self.holder, acquired_at)
        except TimeoutError:
            log.warning("leader lock %s: acquisition timed out after %ss", lock_id, timeout)
            _terminate(conn)
            return None
        except Exception:
            log.exception("leader lock %s: acquisition failed", lock_id)
            _terminate(conn)
            return None
        except BaseException:
            # Cancelled mid-way: the server may already have granted the lock to this
            # connection, and only closing it is sure to give the lock back.
            _terminate(conn)
            raise
        lease = Lease(lock_id=lock_id, holder=self.holder, fencing_token=int(token),
                      acquired_at=acquired_at)
        self._held[_key(lease)] = _HeldLock(conn)
        return lease

    async def release(self, lease: Lease) -> bool:
        held = self._held.pop(_key(lease), None) if lease.holder == self.holder else None
        if held is None:
            return False
        unlocked = False
        async with held.guard:
            try:
                # Shielded: release usually runs in a ``finally`` of a cancelled task.
                with anyio.fail_after(OPERATION_TIMEOUT, shield=True):
                    await held.conn.execute(_CLEAR_HOLDER, lease.lock_id,
                                            lease.fencing_token, lease.holder)
                    unlocked = bool(await held.conn.fetchval(_UNLOCK, lease.lock_id))
            except Exception as exc:
                log.warning("leader lock %s: unlock failed (connection lost?): %r",
                            lease.lock_id, exc)
                _terminate(held.conn)
            finally:
                await _close(held.conn)
        return unlocked

    async def still_leader(self, lease: Lease) -> bool:
        held = self._held.get(_key(lease)) if lease.holder == self.holder else None
        if held is None:
            return False
        async with held.guard:
            if held.conn.is_closed():
                self._drop(lease, held)
                return False
            try:
                with anyio.fail_after(OPERATION_TIMEOUT):
                    mine = bool(await held.conn.fetchval(
                        _HELD_BY_ME, *advisory_key_halves(lease.lock_id)))
            except Exception as exc:
                log.warning("leader lock %s: leadership lost (connection unusable): %r",
                            lease.lock_id, exc)
                mine = False
            if not mine:
                self._drop(lease, held)
            return mine

    async def is_held(self, lock_id: int) -> bool:
        lock_id = check_lock_id(lock_id)
        conn = await asyncpg.connect(self._dsn, timeout=OPERATION_TIMEOUT,
                                     server_settings=self._server_settings)
        try:
            with anyio.fail_after(OPERATION_TIMEOUT):
                return bool(await conn.fetchval(_HELD_BY_ANYONE, *advisory_key_halves(lock_id)))
        finally:
            await _close(conn)

    async def aclose(self) -> None:
        """Give up every lease this instance still holds (closing frees the locks)."""
        held, self._held = list(self._held.values()), {}
        for item in held:
            await _close(item.conn)

    def _drop(self, lease: Lease, held: _HeldLock) -> None:
        # A connection that failed or timed out mid-query is never reused: terminating it also
        # guarantees the server drops any lock it still holds.
        if self._held.get(_key(lease)) is held:
            del self._held[_key(lease)]
        _terminate(held.conn)


def _key(lease: Lease) -> tuple[int, int]:
    return lease.lock_id, lease.fencing_token


def _terminate(conn: asyncpg.Connection | None) -> None:
    if conn is not None and not conn.is_closed():
        conn.terminate()


async def _close(conn: asyncpg.Connection) -> None:
    try:
        with anyio.fail_after(OPERATION_TIMEOUT, shield=True):
            await conn.close()
    except Exception:
        _terminate(conn)
