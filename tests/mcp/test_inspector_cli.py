"""The MCP Inspector CLI commands of mcp_server/README.md, run verbatim against `costsight serve`.

Needs Node.js (npx); without it the test skips with that reason. Slow: npx starts Node twice.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import anyio
import pytest

from costsight.mcp_server import tool_names as names

pytestmark = [pytest.mark.sqlite, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "mcp_server" / "README.md"


def readme_commands() -> list[str]:
    """The `npx ... inspector --cli` lines of the README, in order."""
    return [line.strip() for line in README.read_text().splitlines()
            if line.strip().startswith("npx ") and "inspector --cli" in line]


def _run(command: str, database_url: str) -> dict:
    env = {**os.environ, "COSTSIGHT_DATABASE_URL": database_url,
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(["bash", "-c", command], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.skipif(shutil.which("npx") is None, reason="Node.js (npx) is not installed")
async def test_readme_inspector_commands(seeded_sqlite_url: str) -> None:
    listing, call = readme_commands()
    tools = await anyio.to_thread.run_sync(_run, listing, seeded_sqlite_url)
    assert len(tools["tools"]) == len(names.ALL_TOOLS) == 19
    assert all(t["annotations"]["readOnlyHint"] for t in tools["tools"])
    result = await anyio.to_thread.run_sync(_run, call, seeded_sqlite_url)
    assert result["isError"] is False
    out = result["structuredContent"]
    assert out["totals"]["spend_cents"] == 11.75
    assert [r["key"] for r in out["rows"]] == ["claude-3-5-sonnet", "gpt-4o", "gpt-4o-mini"]
