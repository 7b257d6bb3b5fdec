"""The shell's wiring of alert delivery: dispatcher settings from ``COSTSIGHT_ALERTS_*`` and
a dispatcher with its HTTP sender (closed on exit)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from costsight.adapters.http.alert_sender import HttpxAlertSender
from costsight.core.application import Application
from costsight.core.services.alert_dispatch import AlertDispatcher, DispatchSettings
from costsight.settings import Settings


def dispatch_settings(config: Settings) -> DispatchSettings:
    return DispatchSettings(
        max_attempts=config.alerts_max_attempts, timeout_seconds=config.alerts_timeout_seconds,
        backoff_base_seconds=config.alerts_backoff_base_seconds,
        backoff_max_seconds=config.alerts_backoff_max_seconds,
        lease_seconds=config.alerts_lease_seconds,
        per_destination=config.alerts_per_destination,
        allow_private=config.alerts_allow_private)


@asynccontextmanager
async def alert_dispatcher(app: Application, config: Settings) -> AsyncIterator[AlertDispatcher]:
    sender = HttpxAlertSender()
    try:
        yield AlertDispatcher(app.storage, app.clock, sender, dispatch_settings(config))
    finally:
        await sender.aclose()
