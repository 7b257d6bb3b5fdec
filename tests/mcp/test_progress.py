"""The progress middleware on its own: start, heartbeats while the tool runs, done."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import anyio
import pytest

from costsight.mcp_server import tool_names as n
from costsight.mcp_server.progress import LONG_TOOLS, ProgressHeartbeat

pytestmark = pytest.mark.anyio


class Session:
    def __init__(self) -> None:
        self.sent: list[tuple[float, float | None, str | None]] = []
        self.beat = anyio.Event()

    async def report_progress(self, progress: float, total: float | None = None,
                              message: str | None = None) -> None:
        self.sent.append((progress, total, message))
        if message and "running" in message:
            self.beat.set()


def context(session: Session, name: str, token: object = "tok") -> Any:
    meta = {} if token is None else {"progressToken": token}
    return SimpleNamespace(method="tools/call", session=session,
                           params={"name": name, "arguments": {}, "_meta": meta})


async def test_heartbeats_while_a_long_tool_runs() -> None:
    session = Session()

    async def slow_tool(_: Any) -> dict[str, str]:
        with anyio.fail_after(10):
            await session.beat.wait()  # returns once the middleware has sent a heartbeat
        return {"ok": "yes"}

    middleware = ProgressHeartbeat(interval=0.01)
    result = await middleware(context(session, n.PREVIEW_ANOMALIES), slow_tool)
    assert result == {"ok": "yes"}
    messages = [m for _, _, m in session.sent]
    assert messages[0] == f"{n.PREVIEW_ANOMALIES}: started"
    assert any(m and "running for" in m for m in messages[1:-1])
    assert messages[-1] == f"{n.PREVIEW_ANOMALIES}: done"
    values = [p for p, _, _ in session.sent]
    assert values == sorted(values)
    assert session.sent[-1][1] == session.sent[-1][0]  # done: progress == total


@pytest.mark.parametrize(("name", "token"), [(n.GET_BUDGET_STATUS, "tok"),
                                             (n.PREVIEW_ANOMALIES, None),
                                             (n.PREVIEW_ANOMALIES, True)])
async def test_short_tools_and_calls_without_a_token_send_nothing(name: str,
                                                                  token: object) -> None:
    session = Session()

    async def tool(_: Any) -> None:
        return None

    await ProgressHeartbeat(interval=0.01)(context(session, name, token), tool)
    assert session.sent == []


async def test_an_error_in_the_tool_stops_the_heartbeat_and_propagates() -> None:
    session = Session()

    async def failing(_: Any) -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await ProgressHeartbeat(interval=0.01)(context(session, n.GET_COST_STATISTICS), failing)
    assert [m for _, _, m in session.sent] == [f"{n.GET_COST_STATISTICS}: started"]


def test_the_long_tools_are_real_tool_names() -> None:
    assert LONG_TOOLS <= {v for v in vars(n).values() if isinstance(v, str)}
    assert {n.PREVIEW_ANOMALIES, n.GET_COST_STATISTICS} <= LONG_TOOLS
