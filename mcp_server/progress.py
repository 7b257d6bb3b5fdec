"""Progress notifications for the tools that can run long (detection previews, statistics over
long windows): a client that sent a ``progressToken`` hears that the call started, a heartbeat
while it runs, and that it finished.

The tools read through one query each, so there is no finer-grained progress to report than
"still running"; the heartbeat lets a host show activity and keep its request timeout from
firing (clients may reset the timeout on progress). Calls without a token cost nothing extra.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import anyio
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext

from costsight.mcp_server import tool_names as n

#: the tools whose work grows with the window or with the detectors' history
LONG_TOOLS = frozenset({n.PREVIEW_ANOMALIES, n.GET_COST_STATISTICS, n.GET_USAGE_STATISTICS,
                        n.GET_COST_BREAKDOWN, n.GET_DRIFT_STATS,
                        *(getattr(n, name) for name in ("COMPARE_PERIODS", "GET_COST_FORECAST")
                          if hasattr(n, name))})
HEARTBEAT_SECONDS = 2.0


def progress_token(params: Any) -> str | int | None:
    meta = params.get("_meta") if isinstance(params, dict) else None
    token = meta.get("progressToken") if isinstance(meta, dict) else None
    return token if isinstance(token, str | int) and not isinstance(token, bool) else None


class ProgressHeartbeat:
    """Server middleware: start, heartbeat and finish notifications around long tool calls."""

    def __init__(self, tools: Iterable[str] = LONG_TOOLS, *,
                 interval: float = HEARTBEAT_SECONDS) -> None:
        self.tools = frozenset(tools)
        self.interval = interval

    async def __call__(self, ctx: ServerRequestContext[Any, Any],
                       call_next: CallNext) -> HandlerResult:
        params = dict(ctx.params or {})
        name = params.get("name")
        if (ctx.method != "tools/call" or name not in self.tools
                or progress_token(params) is None):
            return await call_next(ctx)
        started = time.monotonic()
        await ctx.session.report_progress(0, None, f"{name}: started")
        failure: Exception | None = None
        async with anyio.create_task_group() as tg:
            tg.start_soon(self._beat, ctx, name, started)
            try:
                result = await call_next(ctx)
            except Exception as exc:  # re-raised below, outside the group: not an ExceptionGroup
                failure = exc
            finally:
                tg.cancel_scope.cancel()
        if failure is not None:
            raise failure
        # Elapsed time is the progress value: it only grows, as the protocol requires.
        done = max(time.monotonic() - started, 0.001)
        await ctx.session.report_progress(done, done, f"{name}: done")
        return result

    async def _beat(self, ctx: ServerRequestContext[Any, Any], name: str,
                    started: float) -> None:
        while True:
            await anyio.sleep(self.interval)
            elapsed = time.monotonic() - started
            await ctx.session.report_progress(elapsed, None,
                                              f"{name}: running for {elapsed:.0f}s")
