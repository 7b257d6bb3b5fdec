"""``costsight receive`` refuses to start without a valid tokens file (exit 2, one line naming
the option), and a receiver whose storage fails answers 503 + Retry-After (the SDK retries)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from costsight.adapters.memory import MemoryStorage
from costsight.core.application import Application
from costsight.receiver.runtime import serving_receiver
from tests.cli.conftest import COSTSIGHT
from tests.receiver.conftest import LIMITS, table
from tests.receiver.otlp_json import body, chat, span


def _receive(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([COSTSIGHT, "receive", "--port", "0", *args], capture_output=True,
                          text=True, timeout=60,
                          env={"COSTSIGHT_DATABASE_URL": "memory://", "PATH": "/usr/bin:/bin"},
                          cwd=tmp_path)


def test_receive_needs_a_tokens_file(tmp_path: Path) -> None:
    done = _receive(tmp_path=tmp_path)
    assert done.returncode == 2
    assert "--tokens-file" in done.stderr and "is required" in done.stderr
    bad = tmp_path / "tokens.json"
    bad.write_text(json.dumps({"tok": 42}))
    done = _receive("--tokens-file", str(bad), tmp_path=tmp_path)
    assert done.returncode == 2
    assert "--tokens-file" in done.stderr and "not a tenant scope" in done.stderr
    assert "Traceback" not in done.stderr


class BrokenStorage(MemoryStorage):
    """A storage whose database went away."""

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[object]:  # type: ignore[override]
        raise ConnectionRefusedError("database unreachable")
        yield  # pragma: no cover


async def test_storage_failure_is_503_with_retry_after() -> None:
    app = Application(BrokenStorage(), load_entrypoints=False)
    async with serving_receiver(app, table(), limits=LIMITS) as (url, receiver), \
            httpx.AsyncClient() as client:
        response = await client.post(url, content=body(span(chat())), headers={
            "content-type": "application/json", "authorization": "Bearer tok-a"})
    assert response.status_code == 503
    assert response.headers["retry-after"] == str(LIMITS.retry_after_seconds)
    assert "ConnectionRefusedError" in response.text
    assert receiver.counters.stored == 0
