"""Child processes for the reliability tests: started with a timeout, killed if they overrun."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import anyio
from anyio.abc import Process

REPO = Path(__file__).resolve().parents[2]


def module_command(module: str, *args: str) -> list[str]:
    """``python -m module args`` with this interpreter (run from the repository root)."""
    return [sys.executable, "-m", module, *args]


async def run_all(commands: list[list[str]], *, timeout: float,
                  env: dict[str, str] | None = None) -> list[tuple[int, str, str]]:
    """Run ``commands`` concurrently; (returncode, stdout, stderr) of each, in order.

    Exceeding ``timeout`` fails the test; anyio kills the children on the way out. ``env``
    is added to this process's environment.
    """
    full_env = {**os.environ, **(env or {})}
    results: list[tuple[int, str, str] | None] = [None] * len(commands)

    async def run(i: int) -> None:
        done = await anyio.run_process(commands[i], check=False, cwd=REPO, env=full_env)
        results[i] = (done.returncode, done.stdout.decode(), done.stderr.decode())

    with anyio.fail_after(timeout):
        async with anyio.create_task_group() as tg:
            for i in range(len(commands)):
                tg.start_soon(run, i)
    return [r for r in results if r is not None]


async def stop(process: Process, *, timeout: float = 10) -> None:
    """Terminate a child we started (SIGTERM, then SIGKILL after ``timeout``)."""
    if process.returncode is not None:
        return
    process.terminate()
    with anyio.move_on_after(timeout):
        await process.wait()
        return
    process.kill()
    await process.wait()
