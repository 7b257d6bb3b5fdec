"""``costsight serve --transport streamable-http`` in a child process on a free loopback port."""

from __future__ import annotations

import contextlib
import json
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from costsight.mcp_server.runtime import MCP_PATH
from tests.cli.conftest import COSTSIGHT
from tests.reliability.processes import REPO, stop

HOST = "127.0.0.1"
TOKENS = {"tok-a": ["tenant-a"], "tok-b": "tenant-b", "tok-ops": "*"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def listening_addresses(port: int) -> set[str]:
    """Local IPv4/IPv6 addresses with a socket LISTENing on ``port`` (Linux /proc/net)."""
    found: set[str] = set()
    for name, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        try:
            rows = Path(name).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            local, state = row.split()[1], row.split()[3]
            address, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A = LISTEN
                raw = bytes.fromhex(address)
                if width == 8:
                    found.add(socket.inet_ntop(socket.AF_INET, raw[::-1]))
                else:
                    words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
                    found.add(socket.inet_ntop(socket.AF_INET6, words))
    return found


async def _wait_until_listening(port: int, process: anyio.abc.Process, timeout: float) -> None:
    with anyio.fail_after(timeout):
        while True:
            if process.returncode is not None:
                raise AssertionError(f"the server exited with {process.returncode}")
            try:
                stream = await anyio.connect_tcp(HOST, port)
            except OSError:
                await anyio.sleep(0.05)
                continue
            await stream.aclose()
            return


@asynccontextmanager
async def serving_process(database_url: str, tmp_path: Path, *scope: str,
                          env: dict[str, str] | None = None, stderr: Path | None = None
                          ) -> AsyncIterator[tuple[str, anyio.abc.Process]]:
    """Run the server (scope flags, default --all-tenants; ``env`` added to the environment,
    stderr to a file when given); yields its MCP endpoint URL and the process."""
    tokens = tmp_path / "tokens.json"
    tokens.write_text(json.dumps(TOKENS))
    port = free_port()
    full_env = {**os.environ, "COSTSIGHT_DATABASE_URL": database_url, **(env or {})}
    with contextlib.ExitStack() as files:
        err = files.enter_context(stderr.open("wb")) if stderr is not None else None
        process = await anyio.open_process(
            [COSTSIGHT, "serve", "--transport", "streamable-http", "--host", HOST, "--port",
             str(port), "--tokens-file", str(tokens), *(scope or ("--all-tenants",))],
            cwd=REPO, env=full_env, stdout=None, stderr=err)
        try:
            await _wait_until_listening(port, process, timeout=30)
            yield f"http://{HOST}:{port}{MCP_PATH}", process
        finally:
            await stop(process)


@asynccontextmanager
async def serving(database_url: str, tmp_path: Path, *scope: str) -> AsyncIterator[str]:
    """Run the server (scope flags, default --all-tenants); yields its MCP endpoint URL."""
    async with serving_process(database_url, tmp_path, *scope) as (url, _):
        yield url


@asynccontextmanager
async def client_with(url: str, token: str) -> AsyncIterator[Client]:
    http = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
    async with http, Client(streamable_http_client(url, http_client=http)) as client:
        yield client
