"""What every command shares: consoles, JSON output, settings and the application."""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from rich.console import Console

from adapters.bootstrap import build_application
from adapters.settings import Settings
from core.application import Application
from core.timeutil import parse_instant

#: Exit statuses: 0 success, 1 the command ran but found input it rejected, 2 an error.
EXIT_OK, EXIT_REJECTED, EXIT_ERROR = 0, 1, 2


def stdout_console() -> Console:
    return Console(file=sys.stdout, highlight=False, soft_wrap=True)


def stderr_console() -> Console:
    return Console(file=sys.stderr, highlight=False, soft_wrap=True)


def print_json(payload: dict[str, Any]) -> None:
    """Exactly one JSON object on stdout."""
    sys.stdout.write(json.dumps(payload, default=str, sort_keys=False) + "\n")
    sys.stdout.flush()


def settings() -> Settings:
    return Settings()


def as_of_arg(value: str | None) -> datetime | None:
    """``--as-of`` as aware UTC (ValidationError names the option when it is not ISO 8601)."""
    return None if value is None else parse_instant(value, field="--as-of")


@asynccontextmanager
async def application(config: Settings | None = None, *,
                      read_only: bool = False) -> AsyncIterator[Application]:
    """The application from ``COSTSIGHT_*`` settings; an empty embedded SQLite file gets its
    schema on first use, a stale schema is refused with ``costsight migrate``."""
    app = await build_application(config or settings(), read_only=read_only)
    try:
        yield app
    finally:
        await app.aclose()
