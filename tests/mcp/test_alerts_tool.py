"""list_notifications: the tenant's notifications and their delivery, never a route secret."""

from __future__ import annotations

import pytest

from costsight.core.application import Application
from costsight.core.timeutil import FixedClock
from costsight.mcp_server import tool_names as names
from costsight.mcp_server.scope import TenantScope
from tests.alerts.helpers import SECRET, T0, add_route, dispatcher, notify
from tests.alerts.receiver import running_receiver
from tests.mcp.helpers import call, call_err, connect

pytestmark = pytest.mark.memory


async def test_lists_pending_sent_and_dead_notifications_per_tenant(app: Application) -> None:
    storage = app.storage
    with running_receiver() as rx:
        rx.script("/dead", (410, {}, 0.0))
        ok_route = await add_route(storage, rx.url("/ok"), name="ok", secret=SECRET)
        dead_route = await add_route(storage, rx.url("/dead"), name="dead")
        [sent] = await notify(storage, [ok_route])
        d, sender = dispatcher(storage, FixedClock(T0))
        try:
            [dead] = await notify(storage, [dead_route])
            await d.dispatch_once()
        finally:
            await sender.aclose()
    async with connect(app, TenantScope.of(["tenant-a"])) as client:
        every = await call(client, names.LIST_NOTIFICATIONS)
        only_dead = await call(client, names.LIST_NOTIFICATIONS, status="dead")
        page = await call(client, names.LIST_NOTIFICATIONS, limit=1)
        refused = await call_err(client, names.LIST_NOTIFICATIONS, tenant_id="tenant-b")
        bad = await call_err(client, names.LIST_NOTIFICATIONS, status="lost")
    by_id = {item["delivery_id"]: item for item in every["items"]}
    assert set(by_id) == {sent.id, dead.id}
    assert (by_id[sent.id]["status"], by_id[sent.id]["route_name"]) == ("sent", "ok")
    assert (by_id[dead.id]["status"], by_id[dead.id]["last_error"]) == ("dead", "HTTP 410: nope")
    assert [i["delivery_id"] for i in only_dead["items"]] == [dead.id]
    assert len(page["items"]) == 1 and page["next_cursor"]
    assert "outside this server's scope" in refused
    assert "status" in bad
    text = str(every)
    assert SECRET not in text and "127.0.0.1" not in text
