"""Contract: NotificationPort (the outbox: dedupe by finding and severity, leased claims,
outcomes only under the current claim, tenant-scoped listing)."""

from __future__ import annotations

from datetime import datetime

from costsight.core.domain.alerts import DeliveryStatus, NewNotification, Notification
from costsight.core.ports import Storage, UnitOfWork
from costsight.core.ports.notification import NotificationPort
from costsight.testing.contract.alert_builders import notification
from costsight.testing.contract.builders import OTHER_TENANT, T0, TENANT, at, in_uow, read


async def enqueue(storage: Storage, *items: NewNotification) -> list[Notification]:
    return await in_uow(storage, lambda uow: uow.notifications.enqueue(list(items)))


async def claim(storage: Storage, token: str, *, now: datetime = T0, limit: int = 10,
                lease: float = 60.0) -> list[Notification]:
    return await in_uow(storage, lambda uow: uow.notifications.claim(
        now=now, limit=limit, lease_seconds=lease, claim_token=token))


async def listed(storage: Storage, tenant: str = TENANT,
                 status: DeliveryStatus | None = None) -> list[Notification]:
    page = await read(storage, lambda uow: uow.notifications.list_notifications(
        tenant, status=status, limit=500))
    return page.items


async def test_enqueue_stores_pending_notifications_due_at_creation(storage: Storage) -> None:
    stored = await enqueue(storage, notification("n-1"), notification("n-2", finding_id="ca_2"))
    assert [n.id for n in stored] == ["n-1", "n-2"]
    got = await listed(storage)
    assert sorted(n.id for n in got) == ["n-1", "n-2"]
    for n in got:
        assert (n.status, n.attempts, n.next_attempt_at, n.last_error) == (
            DeliveryStatus.PENDING, 0, T0, None)
    assert got[0].finding.summary == "spend is 3x the baseline"


async def test_the_same_finding_at_the_same_or_lower_severity_is_not_enqueued_again(
        storage: Storage) -> None:
    await enqueue(storage, notification("n-1", severity="medium"))
    assert await enqueue(storage, notification("n-2", severity="medium")) == []
    assert await enqueue(storage, notification("n-3", severity="low")) == []
    escalated = await enqueue(storage, notification("n-4", severity="high"))
    assert [n.id for n in escalated] == ["n-4"]
    # another route hears of the same finding on its own
    other = await enqueue(storage, notification("n-5", route_name="pager", severity="medium"))
    assert [n.id for n in other] == ["n-5"]
    assert sorted(n.id for n in await listed(storage)) == ["n-1", "n-4", "n-5"]


async def test_duplicates_inside_one_batch_are_stored_once(storage: Storage) -> None:
    stored = await enqueue(storage, notification("n-1"), notification("n-2"))
    assert [n.id for n in stored] == ["n-1"]


async def test_claims_are_leased_and_never_handed_out_twice(storage: Storage) -> None:
    await enqueue(storage, *(notification(f"n-{i}", finding_id=f"ca_{i}",
                                          created_at=at(10, 12, i)) for i in range(5)))
    first = await claim(storage, "w1", now=at(10, 13), limit=3)
    assert [n.id for n in first] == ["n-0", "n-1", "n-2"]
    assert all(n.claim_token == "w1" and n.attempts == 1 for n in first)
    second = await claim(storage, "w2", now=at(10, 13))
    assert [n.id for n in second] == ["n-3", "n-4"]
    assert await claim(storage, "w3", now=at(10, 13)) == []
    # after the lease expires the notification can be claimed again (a crashed dispatcher)
    again = await claim(storage, "w4", now=at(10, 13, 2))
    assert [n.id for n in again] == ["n-0", "n-1", "n-2", "n-3", "n-4"]
    assert all(n.attempts == 2 for n in again)


async def test_not_yet_due_notifications_are_not_claimed(storage: Storage) -> None:
    await enqueue(storage, notification("n-1", created_at=at(10, 14)))
    assert await claim(storage, "w1", now=at(10, 13)) == []
    assert [n.id for n in await claim(storage, "w1", now=at(10, 14))] == ["n-1"]


async def test_outcomes_need_the_current_claim(storage: Storage) -> None:
    await enqueue(storage, notification("n-1"), notification("n-2", finding_id="ca_2"),
                  notification("n-3", finding_id="ca_3"))
    await claim(storage, "old", now=T0, lease=1)
    await claim(storage, "new", now=at(10, 12, 1))
    def ports(uow: UnitOfWork) -> NotificationPort:
        return uow.notifications

    assert not await in_uow(storage, lambda uow: ports(uow).record_sent("n-1", "old", now=T0))
    assert await in_uow(storage, lambda uow: ports(uow).record_sent("n-1", "new",
                                                                    now=at(10, 12, 2)))
    assert not await in_uow(storage, lambda uow: ports(uow).record_sent("n-1", "new", now=T0))
    assert await in_uow(storage, lambda uow: ports(uow).record_retry(
        "n-2", "new", error="HTTP 503", next_attempt_at=at(10, 13)))
    assert await in_uow(storage, lambda uow: ports(uow).record_dead(
        "n-3", "new", error="HTTP 404", now=at(10, 12, 3)))
    by_id = {n.id: n for n in await listed(storage)}
    assert (by_id["n-1"].status, by_id["n-1"].sent_at) == (DeliveryStatus.SENT, at(10, 12, 2))
    assert (by_id["n-2"].status, by_id["n-2"].last_error, by_id["n-2"].next_attempt_at,
            by_id["n-2"].claim_token) == (DeliveryStatus.PENDING, "HTTP 503", at(10, 13), None)
    assert (by_id["n-3"].status, by_id["n-3"].last_error) == (DeliveryStatus.DEAD, "HTTP 404")
    assert [n.id for n in await listed(storage, status=DeliveryStatus.DEAD)] == ["n-3"]
    # a retried notification is due again at next_attempt_at, not before
    assert await claim(storage, "w", now=at(10, 12, 59)) == []
    assert [n.id for n in await claim(storage, "w", now=at(10, 13))] == ["n-2"]


async def test_listing_is_per_tenant_newest_first_and_paged(storage: Storage) -> None:
    await enqueue(storage, *(notification(f"n-{i}", finding_id=f"ca_{i}",
                                          created_at=at(10, 12, i)) for i in range(3)))
    await enqueue(storage, notification("x-1", tenant_id=OTHER_TENANT))
    page = await read(storage, lambda uow: uow.notifications.list_notifications(
        TENANT, limit=2))
    assert [n.id for n in page.items] == ["n-2", "n-1"]
    rest = await read(storage, lambda uow: uow.notifications.list_notifications(
        TENANT, limit=2, cursor=page.next_cursor))
    assert ([n.id for n in rest.items], rest.next_cursor) == (["n-0"], None)
    assert [n.id for n in await listed(storage, OTHER_TENANT)] == ["x-1"]


async def test_a_rolled_back_enqueue_stores_nothing(storage: Storage) -> None:
    await in_uow(storage, lambda uow: uow.notifications.enqueue([notification("n-1")]),
                 commit=False)
    assert await listed(storage) == []
