"""The dispatcher: claims due notifications, POSTs them, records each outcome.

At-least-once: a notification is claimed (a lease) and committed before it is sent, and its
outcome is recorded after the response. A dispatcher killed in between leaves the claim to
expire; the next claim sends it again with the same delivery id (receivers dedupe on
``Costsight-Delivery-Id``). Outcomes are recorded only under the claim that sent them, so a
notification is recorded sent once even when a slow dispatcher's lease was taken over.

Memory stays bounded: one batch of ``batch_size`` notifications is in flight at a time.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

import anyio

from costsight.core.domain.alerts import (
    AlertRoute,
    NewNotification,
    Notification,
    UnsafeDestination,
    redact,
)
from costsight.core.ports import Storage
from costsight.core.services.alert_payloads import render_body
from costsight.core.services.alert_safety import DestinationUnresolved, check_destination
from costsight.core.timeutil import Clock

log = logging.getLogger(__name__)

USER_AGENT = "costsight-alerts/1"


@dataclass(frozen=True)
class SendResult:
    """What one POST gave: an HTTP status (None when no response came), the Retry-After
    seconds if the receiver sent one, and an error text for failures."""

    status: int | None
    retry_after: float | None = None
    error: str | None = None


class AlertSender(Protocol):
    """Sends one POST; never raises for network failures (they are a ``SendResult``)."""

    async def post(self, url: str, body: bytes, headers: dict[str, str], *,
                   timeout: float) -> SendResult: ...


@dataclass(frozen=True)
class DispatchSettings:
    max_attempts: int = 8
    timeout_seconds: float = 10.0
    backoff_base_seconds: float = 30.0
    backoff_max_seconds: float = 3600.0
    lease_seconds: float = 120.0
    batch_size: int = 100
    per_destination: int = 4
    allow_private: bool = False


@dataclass
class DispatchReport:
    sent: int = 0
    retried: int = 0
    dead: int = 0
    #: outcomes not recorded because the claim had expired and been taken over
    stale: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {"sent": self.sent, "retried": self.retried, "dead": self.dead,
                "stale": self.stale}


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=`` + hex HMAC-SHA256 of ``timestamp + "." + body``."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body,
                   hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def backoff(attempts: int, settings: DispatchSettings, retry_after: float | None,
            jitter: Callable[[], float] = random.random) -> float:
    """Seconds until the next try: Retry-After when the receiver gave one, else exponential
    (base * 2^(attempts-1)) with full jitter in its upper half; capped at the maximum."""
    if retry_after is not None:
        return min(max(retry_after, 0.0), settings.backoff_max_seconds)
    exp = math.ldexp(settings.backoff_base_seconds, max(attempts - 1, 0))
    capped = min(exp, settings.backoff_max_seconds)
    return capped * (0.5 + 0.5 * jitter())


def is_retryable(result: SendResult) -> bool:
    """5xx, 429 and no response at all (timeouts, refused connections) are worth retrying."""
    return result.status is None or result.status == 429 or result.status >= 500


class AlertDispatcher:
    def __init__(self, storage: Storage, clock: Clock, sender: AlertSender,
                 settings: DispatchSettings | None = None) -> None:
        self.storage, self.clock, self.sender = storage, clock, sender
        self.settings = settings or DispatchSettings()
        self._limits: dict[str, anyio.Semaphore] = {}

    async def dispatch_once(self, *, max_batches: int | None = None) -> DispatchReport:
        """Deliver every notification due now, batch after batch, then return."""
        report = DispatchReport()
        batches = 0
        while max_batches is None or batches < max_batches:
            token = uuid.uuid4().hex
            async with self.storage.unit_of_work() as uow:
                claimed = await uow.notifications.claim(
                    now=self.clock.now(), limit=self.settings.batch_size,
                    lease_seconds=self.settings.lease_seconds, claim_token=token)
                await uow.commit()
            if not claimed:
                break
            batches += 1
            routes = await self._routes(claimed)
            async with anyio.create_task_group() as group:
                for n in claimed:
                    group.start_soon(self._deliver, n, token,
                                     routes.get((n.tenant_id, n.route_name)), report)
            self._limits.clear()
        return report

    async def _routes(self, claimed: list[Notification]) -> dict[tuple[str, str], AlertRoute]:
        keys = {(n.tenant_id, n.route_name) for n in claimed}
        found: dict[tuple[str, str], AlertRoute] = {}
        async with self.storage.unit_of_work() as uow:
            for tenant, name in keys:
                route = await uow.alert_routes.get_route(tenant, name)
                if route is not None:
                    found[(tenant, name)] = route
        return found

    async def _deliver(self, n: Notification, token: str, route: AlertRoute | None,
                       report: DispatchReport) -> None:
        if route is None or not route.enabled:
            why = "route removed" if route is None else "route disabled"
            await self._record(report, n, token, dead=f"{why}: {n.route_name}")
            return
        limit = self._limits.setdefault(route.url, anyio.Semaphore(
            self.settings.per_destination))
        async with limit:
            try:
                await check_destination(route.url, allow_private=self.settings.allow_private)
                result = await self._post(route, n)
            except DestinationUnresolved as exc:
                result = SendResult(None, error=str(exc))
            except UnsafeDestination as exc:
                await self._record(report, n, token, dead=f"unsafe destination: {exc}")
                return
        secret = route.secret_value()
        if result.status is not None and 200 <= result.status < 300:
            await self._record(report, n, token)
        elif is_retryable(result) and n.attempts < self.settings.max_attempts:
            delay = backoff(n.attempts, self.settings, result.retry_after)
            await self._record(report, n, token, retry=redact(_describe(result), secret),
                               at=self.clock.now() + timedelta(seconds=delay))
        else:
            error = redact(_describe(result), secret)
            if is_retryable(result):
                error = f"gave up after {n.attempts} attempts: {error}"
            await self._record(report, n, token, dead=error)

    async def send_now(self, route: AlertRoute, n: NewNotification) -> SendResult:
        """One POST of ``n`` to ``route`` outside the outbox (``costsight alerts test``)."""
        return await self._post(route, n)

    async def _post(self, route: AlertRoute, n: NewNotification) -> SendResult:
        body = render_body(route.destination, n)
        timestamp = str(int(self.clock.now().timestamp()))
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
                   "Costsight-Delivery-Id": n.id, "Costsight-Timestamp": timestamp}
        secret = route.secret_value()
        if secret is not None:
            headers["Costsight-Signature"] = signature(secret, timestamp, body)
        return await self.sender.post(route.url, body, headers,
                                      timeout=self.settings.timeout_seconds)

    async def _record(self, report: DispatchReport, n: Notification, token: str, *,
                      dead: str | None = None, retry: str | None = None,
                      at: datetime | None = None) -> None:
        now = self.clock.now()
        async with self.storage.unit_of_work() as uow:
            port = uow.notifications
            if dead is not None:
                done = await port.record_dead(n.id, token, error=dead, now=now)
            elif retry is not None and at is not None:
                done = await port.record_retry(n.id, token, error=retry, next_attempt_at=at)
            else:
                done = await port.record_sent(n.id, token, now=now)
            await uow.commit()
        if not done:
            report.stale += 1
            log.warning("notification %s: claim expired before its outcome was recorded",
                        n.id)
        elif dead is not None:
            report.dead += 1
            log.warning("notification %s dead-lettered: %s", n.id, dead)
        elif retry is not None:
            report.retried += 1
        else:
            report.sent += 1


def _describe(result: SendResult) -> str:
    if result.status is None:
        return result.error or "no response"
    text = f"HTTP {result.status}"
    return f"{text}: {result.error}" if result.error else text
