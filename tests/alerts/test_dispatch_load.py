"""Concurrent dispatchers on one database, and 10,000 notifications with bounded memory."""

from __future__ import annotations

import os
import threading
from collections import Counter
from datetime import timedelta
from typing import Any

import anyio
import pytest

from costsight.adapters.sql.storage import SqlStorage
from costsight.core.domain.alerts import DeliveryStatus
from costsight.core.services.alert_outbox import plan_notifications
from costsight.core.timeutil import FixedClock
from costsight.testing.contract.alert_builders import finding
from tests.alerts.helpers import T0, add_route, dispatcher, notifications
from tests.alerts.receiver import running_receiver


async def _seed(storage: Any, url_of: Any, routes: int, findings: int) -> int:
    stored_routes = [await add_route(storage, url_of(i), name=f"r{i:03d}")
                     for i in range(routes)]
    found = [finding(f"ca_{i}") for i in range(findings)]
    async with storage.unit_of_work() as uow:
        stored = await uow.notifications.enqueue(plan_notifications(stored_routes, found, T0))
        await uow.commit()
    return len(stored)


async def test_two_dispatchers_never_deliver_the_same_notification_at_once(sql_url: str
                                                                          ) -> None:
    first, second = await SqlStorage.open(sql_url), await SqlStorage.open(sql_url)
    try:
        with running_receiver() as rx:
            for i in range(10):
                rx.script(f"/r{i}", *[(200, {}, 0.02)] * 40)
            total = await _seed(first, lambda i: rx.url(f"/r{i}"), 10, 30)
            assert total == 300
            pairs = [dispatcher(s, batch_size=25, lease_seconds=600) for s in (first, second)]
            reports = []

            async def run(index: int) -> None:
                reports.append(await pairs[index][0].dispatch_once())

            try:
                async with anyio.create_task_group() as group:
                    group.start_soon(run, 0)
                    group.start_soon(run, 1)
            finally:
                for _, sender in pairs:
                    await sender.aclose()
        by_id = Counter(rx.ids())
        assert len(by_id) == 300 and set(by_id.values()) == {1}
        assert max(v for k, v in rx.max_in_flight.items() if k.startswith("id:")) == 1
        # the per-destination limit (4 per route URL, per dispatcher) held
        assert max(v for k, v in rx.max_in_flight.items() if k.startswith("path:")) <= 8
        assert sum(r.sent for r in reports) == 300
        print(f"\ndispatcher sent counts: {[r.sent for r in reports]}")
        stored = await notifications(first)
        assert Counter(n.status for n in stored) == {DeliveryStatus.SENT: 300}
    finally:
        await first.aclose()
        await second.aclose()


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class PeakRss:
    """Samples this process's resident set every 20 ms from a thread; ``peak`` is the
    highest sample (the receiver's threads live in this process too)."""

    def __init__(self) -> None:
        self.peak = self.start = _rss_bytes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, _rss_bytes())

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


async def test_ten_thousand_notifications_across_a_hundred_routes_with_bounded_memory(
        sql_url: str) -> None:
    storage = await SqlStorage.open(sql_url)
    clock = FixedClock(T0)
    try:
        with running_receiver() as rx:
            total = await _seed(storage, lambda i: rx.url(f"/r{i}"), 100, 100)
            assert total == 10_000
            d, sender = dispatcher(storage, clock, batch_size=200)
            sent = 0
            try:
                with PeakRss() as rss:
                    for _ in range(5):  # a connection reset is retried after its backoff
                        sent += (await d.dispatch_once()).sent
                        if sent == 10_000:
                            break
                        clock.advance(timedelta(hours=1))
            finally:
                await sender.aclose()
        grown = (rss.peak - rss.start) / 2**20
        print(f"\n10,000 notifications / 100 routes: RSS {rss.start / 2**20:.1f} MiB before, "
              f"peak {rss.peak / 2**20:.1f} MiB while dispatching (+{grown:.1f} MiB)")
        assert sent == 10_000
        assert set(rx.ids()) == {n.id for n in await notifications(storage)}
        # One batch (200) is in flight at a time; the receiver's records of all 10,000
        # requests live in this process too. Holding every notification with its body and
        # task at once would cost far more than this generous bound.
        assert grown < 150
        stored = await notifications(storage)
        assert Counter(n.status for n in stored) == {DeliveryStatus.SENT: 10_000}
    finally:
        await storage.aclose()


pytestmark = pytest.mark.anyio
