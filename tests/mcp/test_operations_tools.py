"""Leader status tool, and what a crash inside a tool looks like to the model."""

from __future__ import annotations

import pytest

from costsight.core.application import Application
from costsight.core.ports import JobLock
from costsight.mcp_server import tool_names as names
from tests.mcp.helpers import call, call_err, connect

pytestmark = pytest.mark.memory


async def test_get_leader_status_reports_held_locks(app: Application) -> None:
    lease = await app.storage.leader.try_acquire(JobLock.ALERT_WORKER, timeout=1)
    assert lease is not None
    try:
        async with connect(app) as client:
            out = await call(client, names.GET_LEADER_STATUS)
    finally:
        await app.storage.leader.release(lease)
    assert (out["backend"], out["checked_at"]) == ("memory", "2026-03-10T12:00:00+00:00")
    held = {lock["name"]: lock["held"] for lock in out["locks"]}
    assert held == {lock.name: lock is JobLock.ALERT_WORKER for lock in JobLock}
    assert [lock["lock_id"] for lock in out["locks"]] == [int(lock) for lock in JobLock]


async def test_a_crash_inside_a_tool_is_an_error_result_without_details(
        app: Application, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(lock_id: int) -> bool:
        raise RuntimeError("connection to db-internal-7 refused")

    monkeypatch.setattr(app.storage.leader, "is_held", broken)
    async with connect(app) as client:
        text = await call_err(client, names.GET_LEADER_STATUS)
    assert text == f"Error executing tool {names.GET_LEADER_STATUS}"
