"""The CLI imports only the command it runs; help and usage errors still list every command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from costsight.cli.main import COMMANDS, build_parser
from tests.cli.conftest import COSTSIGHT, run_subprocess

#: What ``ingest`` never uses: the servers, the MCP SDK, migrations, the engines and plugins,
#: the application's other services.
NOT_FOR_INGEST = ("uvicorn", "starlette", "mcp", "alembic", "costsight.core.engines",
                  "costsight.core.plugins", "costsight.plugins", "costsight.receiver",
                  "costsight.mcp_server", "costsight.core.application",
                  "costsight.core.services.anomaly_cycle", "costsight.cli.alerts_cmd",
                  # the default prices: looked up only for a record without its cost
                  "genai_prices", "httpx", "httpx2")

_RUN_AND_LIST_MODULES = """
import json, sys
from costsight.cli.main import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def test_every_command_module_registers_the_command_of_its_name() -> None:
    for name in COMMANDS:
        parser = build_parser(name)
        subparsers = parser._subparsers._group_actions[0]
        assert list(subparsers.choices) == [name]
    everything = build_parser()._subparsers._group_actions[0]
    assert list(everything.choices) == list(COMMANDS)


@pytest.mark.parametrize("argv", [["--help"], ["-h"], []])
def test_help_and_a_missing_command_list_every_command(argv: list[str]) -> None:
    proc = subprocess.run([COSTSIGHT, *argv], capture_output=True, text=True, timeout=120)
    shown = proc.stdout + proc.stderr
    if argv:
        assert proc.returncode == 0
        for name in COMMANDS:
            assert name in shown, name
    else:
        assert proc.returncode == 2
        assert "COMMAND" in shown


def test_an_unknown_command_is_refused_with_the_list_of_commands() -> None:
    proc = subprocess.run([COSTSIGHT, "ingets"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "invalid choice: 'ingets'" in proc.stderr
    for name in COMMANDS:
        assert repr(name) in proc.stderr, name


def test_a_command_help_is_its_own(tmp_path: Path) -> None:
    result = run_subprocess(["ingest", "--help"], f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    assert result.code == 0
    assert "usage: costsight ingest" in result.out and "--skip-invalid" in result.out


def test_ingest_runs_without_the_servers_the_engines_or_migrations(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    assert run_subprocess(["migrate"], url).code == 0
    source = tmp_path / "costs.jsonl"
    source.write_text(json.dumps({
        "type": "cost_record", "tenant_id": "t1", "model": "gpt-4o", "cost_cents": "1.5",
        "created_at": "2026-01-31T12:00:00+00:00", "request_id": "r1"}) + "\n")
    proc = subprocess.run(
        [sys.executable, "-c", _RUN_AND_LIST_MODULES, "ingest", str(source), "--json"],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "COSTSIGHT_DATABASE_URL": url})
    assert json.loads(proc.stdout)["inserted"] == 1, proc.stderr
    loaded = json.loads(proc.stderr.strip().splitlines()[-1])
    assert loaded["code"] == 0
    unexpected = [m for m in loaded["modules"]
                  if any(m == p or m.startswith(p + ".") for p in NOT_FOR_INGEST)]
    assert unexpected == []
