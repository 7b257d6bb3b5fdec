"""Concurrent dispatchers on one database, and 10,000 notifications with bounded memory."""

from __future__ import annotations

import tracemalloc
from collections import Counter
from typing import Any

import anyio
import pytest

from costsight.adapters.sql.storage import SqlStorage
from costsight.core.domain.alerts import DeliveryStatus
from costsight.core.services.alert_outbox import plan_notifications
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


async def test_ten_thousand_notifications_across_a_hundred_routes_with_bounded_memory(
        sql_url: str) -> None:
    storage = await SqlStorage.open(sql_url)
    try:
        with running_receiver() as rx:
            total = await _seed(storage, lambda i: rx.url(f"/r{i}"), 100, 100)
            assert total == 10_000
            d, sender = dispatcher(storage, batch_size=200)
            tracemalloc.start()
            try:
                report = await d.dispatch_once()
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
                await sender.aclose()
        print(f"\n10,000 notifications / 100 routes: peak traced memory "
              f"{peak / 2**20:.1f} MiB while dispatching")
        assert report.sent == 10_000
        assert len(set(rx.ids())) == 10_000 and len(rx.requests) == 10_000
        # The dispatcher holds one batch (200) at a time; the receiver's own records of all
        # 10,000 requests are in the traced memory too. Generous: 10,000 notifications held
        # at once with their bodies would already pass it only barely.
        assert peak < 64 * 2**20
        stored = await notifications(storage)
        assert Counter(n.status for n in stored) == {DeliveryStatus.SENT: 10_000}
    finally:
        await storage.aclose()


pytestmark = pytest.mark.anyio
