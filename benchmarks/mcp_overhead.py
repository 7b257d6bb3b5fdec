"""MCP overhead: one ``get_cost_statistics`` call, direct vs in-process MCP vs streamable HTTP.

The same read-only application (Postgres, a seeded database) answers all three:
- direct: ``StatisticsService.cost_statistics`` called from Python;
- in-process: ``from mcp import Client`` connected to the server object (JSON-RPC, tool
  validation, result serialisation; no network);
- streamable HTTP: the real server (uvicorn, bearer-token verification) on a loopback port.
Calls alternate between the three; p50/p95 per path, overhead = p50(path) - p50(direct).
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from benchmarks.databases import (
    pg_copy_rows,
    postgres_database,
    rebuild_rollups,
    register_tags,
)
from benchmarks.measure import log, percentile, rnd
from benchmarks.stats import WINDOW
from benchmarks.workload import Workload
from costsight.bootstrap import bootstrap
from costsight.core.domain.statistics import Resolution
from costsight.mcp_server.auth import TokenFileVerifier
from costsight.mcp_server.runtime import build_server_from_settings, serving_http
from costsight.mcp_server.scope import TenantScope
from costsight.mcp_server.server import build_server
from costsight.settings import Settings

TOOL = "get_cost_statistics"
TOKEN = "bench-token"


@asynccontextmanager
async def _http_server(url: str, tokens: Path) -> AsyncIterator[str]:
    server = build_server_from_settings(Settings(database_url=url), scope=TenantScope.all(),
                                        token_verifier=TokenFileVerifier.from_file(tokens))
    async with serving_http(server) as endpoint:
        yield endpoint


def _check(result: Any) -> None:
    if result.is_error or not result.structured_content:
        raise RuntimeError(f"{TOOL} failed: {result.content}")


async def mcp_overhead(workload: Workload, rows: int, calls: int) -> dict[str, Any]:
    """p50 / p95 of one tool call on each path over a database of ``rows`` cost records."""
    tenant = workload.largest_tenant
    arguments = {"tenant_id": tenant, "start": WINDOW.start.isoformat(),
                 "end": WINDOW.end.isoformat(), "resolution": "day"}
    async with postgres_database("mcp") as url:
        await register_tags(url, workload.feature_tags())
        await pg_copy_rows(url, workload.rows(rows))
        await rebuild_rollups(url)  # the rows went around the writers: roll them up once
        app = await bootstrap(Settings(database_url=url), read_only=True,
                                      create_schema=False, load_entrypoints=False)
        with TemporaryDirectory(prefix="costsight-bench-mcp-") as tmp:
            tokens = Path(tmp) / "tokens.json"
            tokens.write_text(json.dumps({TOKEN: "*"}))
            http = create_mcp_http_client(headers={"Authorization": f"Bearer {TOKEN}"})
            try:
                async with _http_server(url, tokens) as endpoint, http, \
                        Client(build_server(app, scope=TenantScope.all())) as local, \
                        Client(streamable_http_client(endpoint, http_client=http)) as remote:

                    async def direct() -> None:
                        await app.statistics.cost_statistics(tenant, WINDOW, Resolution.DAY)

                    async def in_process() -> None:
                        _check(await local.call_tool(TOOL, arguments))

                    async def over_http() -> None:
                        _check(await remote.call_tool(TOOL, arguments))

                    samples = await _alternate(calls, {"direct": direct,
                                                       "in_process": in_process,
                                                       "streamable_http": over_http})
            finally:
                await app.aclose()
    return _summary(samples, rows, calls, tenant)


async def _alternate(calls: int, paths: dict[str, Callable[[], Awaitable[None]]]
                     ) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {name: [] for name in paths}
    for fn in paths.values():  # warm-up: connections, caches, compiled statements
        for _ in range(3):
            await fn()
    for k in range(calls):
        for name, fn in paths.items():
            t0 = time.perf_counter()
            await fn()
            samples[name].append((time.perf_counter() - t0) * 1000)
        if (k + 1) % max(1, calls // 4) == 0:
            log(f"  mcp {k + 1}/{calls} calls per path")
    return samples


def _summary(samples: dict[str, list[float]], rows: int, calls: int,
             tenant: str) -> dict[str, Any]:
    stats = {name: {"p50_ms": rnd(percentile(s, 0.5), 2), "p95_ms": rnd(percentile(s, 0.95), 2)}
             for name, s in samples.items()}
    base = stats["direct"]["p50_ms"]
    for name in ("in_process", "streamable_http"):
        stats[name]["overhead_p50_ms"] = rnd(stats[name]["p50_ms"] - base, 2)
    http = stats["streamable_http"]
    return {"tool": TOOL, "rows": rows, "tenant": tenant, "calls_per_path": calls,
            "p50_ms": http["p50_ms"], "p95_ms": http["p95_ms"],
            "overhead_p50_ms": http["overhead_p50_ms"], **stats, "goal": "report"}
