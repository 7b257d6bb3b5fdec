"""CLI test helpers: a fresh SQLite database per test, main(argv) in-process or a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

COSTSIGHT = str(Path(sys.executable).with_name("costsight"))


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """COSTSIGHT_DATABASE_URL of an SQLite file that does not exist yet."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("COSTSIGHT_DATABASE_URL", url)
    return url


@pytest.fixture
def cli(db_url: str, capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Run ``costsight ARGS`` in-process against the test database."""
    from costsight.cli.main import main

    def run(*args: str) -> Result:
        code = main(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def run_subprocess(args: list[str], url: str, *, timeout: float = 120,
                   cwd: Path | None = None) -> Result:
    env = {**os.environ, "COSTSIGHT_DATABASE_URL": url}
    proc = subprocess.run([COSTSIGHT, *args], capture_output=True, text=True, env=env,
                          timeout=timeout, cwd=cwd)
    return Result(proc.returncode, proc.stdout, proc.stderr)
