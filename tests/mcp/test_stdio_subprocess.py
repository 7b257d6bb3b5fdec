"""The server as a real subprocess over stdio: `python -m costsight.mcp_server` and `costsight serve`.

Driven by the SDK's stdio client against a migrated, seeded SQLite file; a raw session checks
that stdout carries nothing but JSON-RPC messages.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import anyio
import pytest
from mcp import Client, StdioServerParameters

from costsight.mcp_server import tool_names as names
from tests.mcp.helpers import call, call_err

pytestmark = pytest.mark.sqlite

ROOT = Path(__file__).resolve().parents[2]
WEEK = {"start": "2026-03-04T00:00:00Z", "end": "2026-03-11T00:00:00Z"}
COMMANDS = {
    "python-m": [sys.executable, "-m", "costsight.mcp_server", "--tenant", "tenant-a"],
    "costsight-serve": [str(Path(sys.executable).with_name("costsight")), "serve",
                        "--tenant", "tenant-a"],
}


@pytest.mark.parametrize("command", list(COMMANDS))
async def test_stdio_server_answers_tools(seeded_sqlite_url: str, command: str) -> None:
    exe, *args = COMMANDS[command]
    params = StdioServerParameters(command=exe, args=args, cwd=ROOT,
                                   env={"COSTSIGHT_DATABASE_URL": seeded_sqlite_url})
    async with Client(params) as client:
        tools = (await client.list_tools()).tools
        assert sorted(t.name for t in tools) == sorted(names.ALL_TOOLS)
        out = await call(client, names.GET_COST_STATISTICS, **WEEK)
        assert out["totals"]["spend_cents"] == 11.75
        assert [r["key"] for r in out["by_model"]] == ["claude-3-5-sonnet", "gpt-4o",
                                                      "gpt-4o-mini"]
        text = await call_err(client, names.GET_COST_STATISTICS, tenant_id="tenant-b", **WEEK)
        assert "outside this server's scope" in text
        # the detectors run on the read-only database without writing anything
        preview = await call(client, names.PREVIEW_ANOMALIES, as_of="2026-03-10T12:00:00Z")
        assert {(a["anomaly_type"], a["entity_id"], a["period"]) for a in preview["items"]} >= {
            ("BUDGET_EXCEEDED", "u1", "daily"), ("BUDGET_WARNING", "chat.reply", "monthly")}
        stored = await call(client, names.LIST_ANOMALIES)
        assert stored["items"] == []


def _raw_session(database_url: str) -> tuple[dict[int, dict], str]:
    """Send raw JSON-RPC lines; returns the replies by id and whatever stdout held after."""
    messages = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize",
         "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                    "clientInfo": {"name": "raw", "version": "0"}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
         "params": {"name": names.GET_BUDGET_STATUS, "arguments": {}}},
        {"jsonrpc": "2.0", "id": 3, "method": "tools/call",
         "params": {"name": names.GET_ANOMALY, "arguments": {"anomaly_id": "ca_missing"}}},
    ]
    env = {**os.environ, "COSTSIGHT_DATABASE_URL": database_url}
    proc = subprocess.Popen(COMMANDS["python-m"], cwd=ROOT, env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    replies: dict[int, dict] = {}
    watchdog = threading.Timer(60, proc.kill)  # a hung server fails the test, never hangs it
    watchdog.start()
    try:
        assert proc.stdin is not None and proc.stdout is not None
        for message in messages:
            proc.stdin.write(json.dumps(message) + "\n")
            proc.stdin.flush()
            if "id" in message:  # wait for the answer before sending more
                line = proc.stdout.readline()
                reply = json.loads(line)  # every stdout line is one JSON-RPC message
                assert reply["jsonrpc"] == "2.0"
                replies[reply["id"]] = reply
        proc.stdin.close()
        rest = proc.stdout.read()
        proc.wait(timeout=20)
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return replies, rest


async def test_stdout_carries_only_protocol(seeded_sqlite_url: str) -> None:
    replies, rest = await anyio.to_thread.run_sync(_raw_session, seeded_sqlite_url)
    for line in rest.splitlines():
        assert json.loads(line)["jsonrpc"] == "2.0"
    budgets = replies[2]["result"]
    assert budgets["isError"] is False
    assert len(budgets["structuredContent"]["budgets"]) == 3
    missing = replies[3]["result"]
    assert missing["isError"] is True and "not found" in missing["content"][0]["text"]
