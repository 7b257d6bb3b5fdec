"""An in-process receiver over a migrated SQL database (SQLite and Postgres)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from costsight.bearer_tokens import TokenTable
from costsight.bootstrap import bootstrap
from costsight.core.tenant_scope import TenantScope
from costsight.receiver.app import Receiver, ReceiverLimits
from costsight.receiver.runtime import serving_receiver
from tests.receiver.helpers import TOKENS

LIMITS = ReceiverLimits(max_body_bytes=64 * 1024, max_pending=4, write_concurrency=2)


@dataclass
class Served:
    url: str
    receiver: Receiver
    client: httpx.AsyncClient
    database_url: str

    async def post(self, body: bytes, *, token: str | None = "tok-a",
                   content_type: str = "application/json",
                   headers: dict[str, str] | None = None) -> httpx.Response:
        sent = {"content-type": content_type, **(headers or {})}
        if token is not None:
            sent["authorization"] = f"Bearer {token}"
        return await self.client.post(self.url, content=body, headers=sent)


def table() -> TokenTable:
    return TokenTable({token: TenantScope.parse(scope) for token, scope in TOKENS.items()})


@pytest.fixture
async def served(sql_url: str) -> AsyncIterator[Served]:
    app = await bootstrap(sql_url, load_entrypoints=False)
    try:
        async with (serving_receiver(app, table(), limits=LIMITS) as (url, receiver),
                    httpx.AsyncClient(timeout=30) as client):
            yield Served(url, receiver, client, sql_url)
    finally:
        await app.aclose()
