"""The official MCP conformance suite against ``costsight serve --transport streamable-http``.

The server runs as a real subprocess over a migrated, seeded SQLite file with a tokens file;
the suite reaches it through a test-only proxy that adds the bearer token (the suite sends
none), so production auth is exercised, not weakened. Needs ``npx`` (CI has it); the suite's
version is pinned (later versions need Node 22).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import httpx
import pytest

from tests.mcp.bearer_proxy import bearer_proxy
from tests.mcp.seed import seed_database

pytestmark = pytest.mark.sqlite

SUITE = "@modelcontextprotocol/conformance@0.1.13"
SCENARIOS = ("server-initialize", "ping", "tools-list", "completion-complete", "resources-list",
             "prompts-list", "dns-rebinding-protection")
TOKEN = "conformance-token"
NPX = shutil.which("npx")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
async def served(tmp_path_factory: pytest.TempPathFactory,
                 sqlite_template: Path) -> AsyncIterator[str]:
    """``costsight serve`` on a free loopback port; yields its MCP endpoint URL."""
    work = tmp_path_factory.mktemp("conformance")
    db = work / "costsight.db"
    shutil.copyfile(sqlite_template, db)
    url = await seed_database(f"sqlite+aiosqlite:///{db}")
    tokens = work / "tokens.json"
    tokens.write_text(json.dumps({TOKEN: "*"}))
    port = free_port()
    exe = str(Path(sys.executable).with_name("costsight"))
    env = {**os.environ, "COSTSIGHT_DATABASE_URL": url, "COSTSIGHT_MCP_TOKENS_FILE": str(tokens)}
    log = work / "serve.log"
    with log.open("wb") as stderr:
        proc = await anyio.open_process(
            [exe, "serve", "--transport", "streamable-http", "--port", str(port),
             "--all-tenants"], env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            async with httpx.AsyncClient(timeout=1) as http:
                with anyio.fail_after(60):
                    while True:
                        if proc.returncode is not None:
                            pytest.fail(f"costsight serve exited: {log.read_text()}")
                        try:
                            await http.get(f"http://127.0.0.1:{port}/.well-known/"
                                           "oauth-protected-resource")
                            break
                        except httpx.TransportError:
                            await anyio.sleep(0.1)
            yield f"http://127.0.0.1:{port}/mcp"
        finally:
            proc.terminate()
            await proc.wait()


@pytest.mark.skipif(NPX is None, reason="npx is not installed (Node.js); CI installs it")
@pytest.mark.parametrize("scenario", SCENARIOS)
async def test_conformance_scenario(served: str, scenario: str, tmp_path: Path) -> None:
    assert NPX is not None
    async with bearer_proxy(served.removesuffix("/mcp"), TOKEN) as proxy:
        done = await anyio.run_process(
            [NPX, "-y", SUITE, "server", "--url", f"{proxy}/mcp", "--scenario", scenario,
             "-o", str(tmp_path)], check=False, cwd=tmp_path)
    report = done.stdout.decode() + done.stderr.decode()
    assert done.returncode == 0, f"{scenario} failed:\n{report}"
    # the suite's exit status alone has let failed checks through in some versions
    summary = re.search(r"Passed: (\d+)/(\d+), (\d+) failed", report)
    assert summary is not None, report
    passed, total, failed = map(int, summary.groups())
    assert total >= 1 and passed == total and failed == 0, report
