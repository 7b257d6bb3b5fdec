"""uvicorn in the background on an OS-chosen free port, for the HTTP driving adapters (the MCP
server's streamable HTTP and the OTLP receiver) when embedded in tests, benchmarks or programs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import uvicorn


@asynccontextmanager
async def serving_on_free_port(config: uvicorn.Config,
                               startup_timeout: float) -> AsyncIterator[int]:
    """Serve ``config`` (its port 0) while the block runs; yields the port the OS chose."""
    web = uvicorn.Server(config)
    async with anyio.create_task_group() as tg:
        tg.start_soon(web.serve)
        with anyio.fail_after(startup_timeout):
            while not web.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
                await anyio.sleep(0.02)
        try:
            yield web.servers[0].sockets[0].getsockname()[1]
        finally:
            web.should_exit = True
