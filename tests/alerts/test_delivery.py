"""Delivery against a real local HTTP receiver: headers and signature, retries, dead letters."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest

from costsight.core.domain.alerts import DeliveryStatus
from costsight.core.services.alert_dispatch import DispatchSettings, backoff
from costsight.core.timeutil import FixedClock
from tests.alerts.helpers import (
    SECRET,
    T0,
    add_route,
    dispatcher,
    notifications,
    notify,
)
from tests.alerts.receiver import running_receiver


@pytest.fixture(autouse=True)
def _allow_private(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COSTSIGHT_ALERTS_ALLOW_PRIVATE", "1")


async def test_delivery_carries_a_stable_id_and_a_verifiable_signature(storage) -> None:
    with running_receiver() as rx:
        route = await add_route(storage, rx.url(), secret=SECRET)
        [n] = await notify(storage, [route])
        d, sender = dispatcher(storage)
        try:
            report = await d.dispatch_once()
        finally:
            await sender.aclose()
    assert report.as_dict() == {"sent": 1, "retried": 0, "dead": 0, "stale": 0}
    [req] = rx.requests
    h = req.headers
    assert h["costsight-delivery-id"] == n.id
    assert h["costsight-timestamp"] == str(int(T0.timestamp()))
    assert h["content-type"] == "application/json"
    expected = hmac.new(SECRET.encode(), h["costsight-timestamp"].encode() + b"." + req.body,
                        hashlib.sha256).hexdigest()
    assert h["costsight-signature"] == "sha256=" + expected
    assert hmac.compare_digest(h["costsight-signature"], "sha256=" + expected)
    tampered = hmac.new(SECRET.encode(), h["costsight-timestamp"].encode() + b"." +
                        req.body + b" ", hashlib.sha256).hexdigest()
    assert h["costsight-signature"] != "sha256=" + tampered
    body = json.loads(req.body)
    assert (body["delivery_id"], body["route"], body["finding"]["finding_id"]) == (
        n.id, "ops", "ca_0")
    assert SECRET not in req.body.decode()
    [stored] = await notifications(storage)
    assert (stored.status, stored.attempts, stored.sent_at) == (DeliveryStatus.SENT, 1, T0)


async def test_without_a_secret_there_is_no_signature_header(storage) -> None:
    with running_receiver() as rx:
        route = await add_route(storage, rx.url())
        await notify(storage, [route])
        d, sender = dispatcher(storage)
        try:
            await d.dispatch_once()
        finally:
            await sender.aclose()
    [req] = rx.requests
    assert "costsight-signature" not in req.headers


async def test_a_503_is_retried_after_backoff_then_one_success_is_recorded(storage) -> None:
    clock = FixedClock(T0)
    with running_receiver() as rx:
        rx.script("/hook", (503, {}, 0.0))
        route = await add_route(storage, rx.url())
        [n] = await notify(storage, [route])
        d, sender = dispatcher(storage, clock)
        try:
            first = await d.dispatch_once()
            [pending] = await notifications(storage)
            assert (pending.status, pending.attempts, pending.last_error) == (
                DeliveryStatus.PENDING, 1, "HTTP 503: nope")
            # exponential backoff with jitter: between half and all of base * 2^0
            assert T0 + timedelta(seconds=5) <= pending.next_attempt_at <= \
                T0 + timedelta(seconds=10)
            assert (await d.dispatch_once()).as_dict()["sent"] == 0  # not due yet
            clock.set(pending.next_attempt_at)
            second = await d.dispatch_once()
            third = await d.dispatch_once()
        finally:
            await sender.aclose()
    assert first.as_dict() == {"sent": 0, "retried": 1, "dead": 0, "stale": 0}
    assert second.as_dict() == {"sent": 1, "retried": 0, "dead": 0, "stale": 0}
    assert third.as_dict() == {"sent": 0, "retried": 0, "dead": 0, "stale": 0}
    assert rx.ids() == [n.id, n.id]
    [sent] = await notifications(storage)
    assert (sent.status, sent.attempts, sent.last_error) == (DeliveryStatus.SENT, 2, None)


async def test_retry_after_of_a_429_is_honoured(storage) -> None:
    with running_receiver() as rx:
        rx.script("/hook", (429, {"Retry-After": "120"}, 0.0))
        route = await add_route(storage, rx.url())
        await notify(storage, [route])
        d, sender = dispatcher(storage)
        try:
            await d.dispatch_once()
        finally:
            await sender.aclose()
    [pending] = await notifications(storage)
    assert pending.status is DeliveryStatus.PENDING
    assert pending.next_attempt_at == T0 + timedelta(seconds=120)


async def test_a_permanent_4xx_is_dead_lettered_with_its_error(storage) -> None:
    with running_receiver() as rx:
        rx.script("/hook", (404, {}, 0.0))
        route = await add_route(storage, rx.url())
        await notify(storage, [route])
        d, sender = dispatcher(storage)
        try:
            report = await d.dispatch_once()
            again = await d.dispatch_once()
        finally:
            await sender.aclose()
    assert report.as_dict() == {"sent": 0, "retried": 0, "dead": 1, "stale": 0}
    assert again.as_dict()["dead"] == 0 and len(rx.requests) == 1
    [dead] = await notifications(storage)
    assert (dead.status, dead.attempts, dead.last_error) == (DeliveryStatus.DEAD, 1,
                                                            "HTTP 404: nope")


async def test_retries_end_in_a_dead_letter_after_max_attempts(storage) -> None:
    clock = FixedClock(T0)
    with running_receiver() as rx:
        rx.script("/hook", *[(500, {}, 0.0)] * 3)
        route = await add_route(storage, rx.url())
        await notify(storage, [route])
        d, sender = dispatcher(storage, clock, max_attempts=3)
        try:
            for _ in range(3):
                await d.dispatch_once()
                clock.advance(timedelta(hours=1))
        finally:
            await sender.aclose()
    [dead] = await notifications(storage)
    assert (dead.status, dead.attempts) == (DeliveryStatus.DEAD, 3)
    assert dead.last_error == "gave up after 3 attempts: HTTP 500: nope"
    assert len(rx.requests) == 3


async def test_a_timeout_is_retried(storage) -> None:
    with running_receiver() as rx:
        rx.script("/hook", (200, {}, 3.0))
        route = await add_route(storage, rx.url())
        await notify(storage, [route])
        d, sender = dispatcher(storage, timeout_seconds=0.5)
        try:
            report = await d.dispatch_once()
        finally:
            await sender.aclose()
    assert report.retried == 1
    [pending] = await notifications(storage)
    assert pending.last_error == "timed out after 0.5 s"


async def test_removed_or_disabled_routes_dead_letter_their_notifications(storage) -> None:
    with running_receiver() as rx:
        gone = await add_route(storage, rx.url(), name="gone")
        off = await add_route(storage, rx.url(), name="off")
        await notify(storage, [gone, off])
        async with storage.unit_of_work() as uow:
            await uow.alert_routes.remove_route(gone.tenant_id, "gone")
            await uow.alert_routes.upsert_route(off.model_copy(update={"enabled": False}),
                                                now=T0)
            await uow.commit()
        d, sender = dispatcher(storage)
        try:
            report = await d.dispatch_once()
        finally:
            await sender.aclose()
    assert report.dead == 2 and rx.requests == []
    errors = sorted(n.last_error or "" for n in await notifications(storage))
    assert errors == ["route disabled: off", "route removed: gone"]


async def test_loopback_destinations_are_refused_without_the_development_switch(storage
                                                                               ) -> None:
    with running_receiver() as rx:
        route = await add_route(storage, rx.url())
        await notify(storage, [route])
        d, sender = dispatcher(storage, allow_private=False)
        try:
            report = await d.dispatch_once()
        finally:
            await sender.aclose()
    assert report.dead == 1 and rx.requests == []
    [dead] = await notifications(storage)
    assert dead.last_error is not None and dead.last_error.startswith("unsafe destination")


def test_backoff_grows_exponentially_with_jitter_and_caps() -> None:
    s = DispatchSettings(backoff_base_seconds=10, backoff_max_seconds=100)
    assert backoff(1, s, None, jitter=lambda: 0.0) == 5
    assert backoff(1, s, None, jitter=lambda: 1.0) == 10
    assert backoff(3, s, None, jitter=lambda: 1.0) == 40
    assert backoff(10, s, None, jitter=lambda: 1.0) == 100
    assert backoff(2, s, 7.0) == 7.0
    assert backoff(2, s, 10_000.0) == 100
