"""At-least-once across a crash: a dispatcher process SIGKILLed while the receiver holds its
request leaves the claim to expire; a restarted dispatcher sends it again with the same
delivery id, and costsight records it sent exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess

import anyio

from costsight.adapters.sql.storage import SqlStorage
from costsight.core.domain.alerts import DeliveryStatus
from tests.alerts.helpers import add_route, notifications, notify
from tests.alerts.receiver import running_receiver
from tests.cli.conftest import COSTSIGHT

DISPATCH = [COSTSIGHT, "alerts", "dispatch", "--once", "--json"]


def _env(url: str) -> dict[str, str]:
    return {**os.environ, "COSTSIGHT_DATABASE_URL": url, "COSTSIGHT_ALERTS_ALLOW_PRIVATE": "1",
            "COSTSIGHT_ALERTS_LEASE_SECONDS": "1"}


async def test_a_dispatcher_killed_mid_delivery_is_redelivered_and_recorded_once(
        sql_url: str) -> None:
    storage = await SqlStorage.open(sql_url)
    try:
        with running_receiver() as rx:
            rx.script("/hook", (200, {}, -1.0))  # the first request hangs until released
            route = await add_route(storage, rx.url())
            [n] = await notify(storage, [route])
            proc = await anyio.open_process(DISPATCH, env=_env(sql_url),
                                            stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL)
            try:
                with anyio.fail_after(60):
                    while not rx.got_request.is_set():  # noqa: ASYNC110 - a thread's event
                        await anyio.sleep(0.05)
            finally:
                proc.send_signal(signal.SIGKILL)
                with anyio.fail_after(30):
                    await proc.wait()
            assert proc.returncode == -signal.SIGKILL
            [claimed] = await notifications(storage)
            assert (claimed.status, claimed.attempts) == (DeliveryStatus.PENDING, 1)
            assert claimed.claim_token is not None
            rx.release.set()
            await anyio.sleep(1.5)  # the killed dispatcher's lease (1 s) expires
            with anyio.fail_after(120):
                again = await anyio.run_process(DISPATCH, env=_env(sql_url), check=False)
            assert again.returncode == 0, again.stderr
            assert json.loads(again.stdout) == {"sent": 1, "retried": 0, "dead": 0, "stale": 0}
            with anyio.fail_after(120):
                third = await anyio.run_process(DISPATCH, env=_env(sql_url), check=False)
            assert json.loads(third.stdout)["sent"] == 0
        assert rx.ids() == [n.id, n.id]  # at least once, with the same delivery id
        [sent] = await notifications(storage)
        assert (sent.status, sent.attempts, sent.claim_token) == (DeliveryStatus.SENT, 2, None)
    finally:
        await storage.aclose()
