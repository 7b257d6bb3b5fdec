"""The new tools through a real ``costsight serve`` subprocess over stdio, on every backend,
and startup failures that print their real cause.

The subprocess reads the real clock, so the comparisons name their windows explicitly.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from costsight.mcp_server import tool_names as names
from tests.mcp.helpers import call, call_err
from tests.mcp.seed import seed_database

ROOT = Path(__file__).resolve().parents[2]
COSTSIGHT = str(Path(sys.executable).with_name("costsight"))
DAYS = {"current_start": "2026-03-10T00:00:00Z", "current_end": "2026-03-11T00:00:00Z",
        "previous_start": "2026-03-09T00:00:00Z", "previous_end": "2026-03-10T00:00:00Z"}


def _params(url: str, *scope: str) -> StdioServerParameters:
    return StdioServerParameters(command=COSTSIGHT, args=["serve", *scope], cwd=ROOT,
                                 env={"COSTSIGHT_DATABASE_URL": url})


@pytest.fixture(params=[pytest.param("memory", marks=pytest.mark.memory),
                        pytest.param("sqlite", marks=pytest.mark.sqlite),
                        pytest.param("postgres", marks=pytest.mark.postgres)])
def served_url(request: pytest.FixtureRequest) -> tuple[str, bool]:
    """A migrated database URL on each backend, and whether it is SQL (seeded by the test;
    the memory backend of a fresh process is empty). Sync on purpose (AnyIO fixtures)."""
    if request.param == "memory":
        return "memory://", False
    return request.getfixturevalue(f"{request.param}_url"), True


async def _ready(served_url: tuple[str, bool]) -> tuple[str, bool]:
    url, seeded = served_url
    if seeded:
        await seed_database(url)
    return url, seeded


async def test_new_tools_over_stdio(served_url: tuple[str, bool]) -> None:
    url, seeded = await _ready(served_url)
    async with Client(_params(url, "--tenant", "tenant-a")) as client:
        compared = await call(client, names.COMPARE_PERIODS, **DAYS)
        forecast = await call(client, names.GET_COST_FORECAST, subject_type="user",
                              subject_id="u1")
        tenants = await call(client, names.LIST_TENANTS)
        filtered = await call(client, names.GET_COST_STATISTICS, model="gpt-4o",
                              start="2026-03-09T00:00:00Z", end="2026-03-11T00:00:00Z")
        bad = await call_err(client, names.COMPARE_PERIODS, dimension="colour")
    assert compared["totals"]["change"]["spend_cents"] == (8.25 if seeded else 0)
    assert forecast["available"] is False and forecast["subject_id"] == "u1"
    assert [t["tenant_id"] for t in tenants["items"]] == ["tenant-a"]
    assert filtered["totals"]["spend_cents"] == (1.5 if seeded else 0)
    assert "invalid parameter 'dimension'" in bad and "'feature'" in bad
    assert "\n" not in bad and "http" not in bad


async def test_all_tenants_scope_over_stdio(served_url: tuple[str, bool]) -> None:
    url, seeded = await _ready(served_url)
    async with Client(_params(url, "--all-tenants")) as client:
        tenants = await call(client, names.LIST_TENANTS)
        unknown = await call_err(client, names.COMPARE_PERIODS, tenant_id="nobody", **DAYS)
    expected = ["tenant-a", "tenant-b"] if seeded else []
    assert [t["tenant_id"] for t in tenants["items"]] == expected
    assert "'nobody' has no data" in unknown and names.LIST_TENANTS in unknown


def _serve(url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COSTSIGHT_DATABASE_URL": url}
    env.pop("COSTSIGHT_DEBUG", None)
    return subprocess.run([COSTSIGHT, "serve", "--tenant", "a"], input="", env=env,
                          capture_output=True, text=True, timeout=60, cwd=ROOT)


@pytest.mark.sqlite
def test_serve_without_a_database_names_it_and_creates_no_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.db"
    done = _serve(f"sqlite+aiosqlite:///{path}")
    assert done.returncode != 0
    assert "no SQLite database at" in done.stderr and "costsight migrate" in done.stderr
    assert "ExceptionGroup" not in done.stderr and "unexpected error" not in done.stderr
    assert not path.exists()
    assert done.stdout == ""


@pytest.mark.sqlite
def test_serve_on_a_database_without_the_schema_says_run_migrate(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("create table unrelated (a)")
    done = _serve(f"sqlite+aiosqlite:///{path}")
    assert done.returncode != 0
    assert "costsight migrate" in done.stderr and "ExceptionGroup" not in done.stderr


@pytest.mark.postgres
def test_serve_with_an_unreachable_database_prints_the_cause() -> None:
    done = _serve("postgresql+asyncpg://reader:secret@127.0.0.1:1/costsight")
    assert done.returncode != 0
    assert "cannot open the database at postgresql+asyncpg://reader:***@127.0.0.1:1" in (
        done.stderr)
    assert "secret" not in done.stderr
    assert "ExceptionGroup" not in done.stderr and "unexpected error" not in done.stderr
