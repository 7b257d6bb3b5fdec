"""SIGTERM while a request is in flight: ``costsight receive`` finishes it (the client gets 200,
the record is stored), then closes the application and exits 0."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import httpx

from tests.receiver.helpers import receiving_process, stored
from tests.receiver.otlp_json import body, chat, span


async def test_sigterm_finishes_the_accepted_request(sql_url: str, tmp_path: Path) -> None:
    payload = body(span(chat(input_tokens=11)))
    first_part_sent = anyio.Event()
    terminated = anyio.Event()

    async def slow_body() -> AsyncIterator[bytes]:
        yield payload[:20]
        first_part_sent.set()
        await terminated.wait()
        await anyio.sleep(0.5)  # the server is shutting down by now
        yield payload[20:]

    async with receiving_process(sql_url, tmp_path) as (endpoint, process):
        responses: list[httpx.Response] = []
        async with httpx.AsyncClient(timeout=30) as client:
            async def send() -> None:
                responses.append(await client.post(endpoint, content=slow_body(), headers={
                    "content-type": "application/json", "authorization": "Bearer tok-a"}))

            async with anyio.create_task_group() as tg:
                tg.start_soon(send)
                await first_part_sent.wait()
                await anyio.sleep(0.2)
                process.terminate()
                terminated.set()
        with anyio.fail_after(30):
            status = await process.wait()

    assert [r.status_code for r in responses] == [200]
    assert status == 0
    records, _ = await stored(sql_url)
    assert [r["input_tokens"] for r in records] == [11]
