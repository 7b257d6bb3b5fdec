"""A shared record of who held a leader lock when, and the contention loop that fills it."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

import anyio
import anyio.lowlevel

from costsight.core.ports.leader_election import LeaderElectionPort


@dataclass(frozen=True)
class Term:
    """One leadership term as its holder saw it (inside the server-side lock interval)."""

    holder: str
    token: int
    start_ns: int
    end_ns: int


@dataclass
class LeadershipRecord:
    """Terms in the order they began; ``overlaps`` counts entries while another was inside."""

    terms: list[Term] = field(default_factory=list)
    inside: set[str] = field(default_factory=set)
    overlaps: int = 0
    attempts: int = 0

    def enter(self, holder: str) -> int:
        if self.inside:
            self.overlaps += 1
        self.inside.add(holder)
        return time.monotonic_ns()

    def leave(self, holder: str, token: int, start_ns: int) -> None:
        self.inside.discard(holder)
        self.terms.append(Term(holder, token, start_ns, time.monotonic_ns()))


async def contend(election: LeaderElectionPort, holder: str, lock_id: int,
                  record: LeadershipRecord, terms: int, seed: int) -> None:
    """Try to lead until ``terms`` terms are recorded in total; hold each term briefly."""
    rng = random.Random(seed)
    while len(record.terms) < terms:
        record.attempts += 1
        lease = await election.try_acquire(lock_id, timeout=10)
        if lease is None:
            await anyio.lowlevel.checkpoint()
            continue
        start = record.enter(holder)
        # Hold across a few scheduling points so the other contenders really try meanwhile.
        for _ in range(rng.randrange(1, 4)):
            await anyio.lowlevel.checkpoint()
        record.leave(holder, lease.fencing_token, start)
        assert await election.release(lease), f"{holder} could not release its own lease"


def check_one_leader_at_a_time(record: LeadershipRecord) -> None:
    """No two terms overlap in time, and fencing tokens grow by one per term, in term order."""
    assert record.overlaps == 0, f"{record.overlaps} entries while another holder was inside"
    ordered = sorted(record.terms, key=lambda t: t.start_ns)
    for before, after in zip(ordered, ordered[1:], strict=False):
        assert after.start_ns >= before.end_ns, (before, after)
        assert after.token == before.token + 1, (before, after)
