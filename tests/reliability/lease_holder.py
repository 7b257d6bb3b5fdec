"""A process that takes an SQLite leader lease and then hangs without renewing it.

``python -m tests.reliability.lease_holder URL LOCK_ID LEASE_SECONDS`` prints the lease as one
JSON line (or ``null``) and sleeps (at most a minute, so it stops by itself) until killed.
"""

from __future__ import annotations

import sys

import anyio


async def main(url: str, lock_id: int, lease_seconds: float) -> None:
    from costsight.adapters.sql.engine import create_engine
    from costsight.adapters.sql.leader_sqlite import SqliteLeaderElection

    engine = create_engine(url)
    election = SqliteLeaderElection(engine, holder="hung-holder", lease_seconds=lease_seconds)
    lease = await election.try_acquire(lock_id)
    print("null" if lease is None else lease.model_dump_json(), flush=True)
    await anyio.sleep(60)
    await engine.dispose()


if __name__ == "__main__":
    anyio.run(main, sys.argv[1], int(sys.argv[2]), float(sys.argv[3]))
