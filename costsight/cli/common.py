"""What every command shares: consoles, JSON output, settings and the application."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.console import Console

from costsight.core.timeutil import parse_instant
from costsight.settings import Settings

if TYPE_CHECKING:
    from costsight.core.application import Application
    from costsight.core.ports import Storage

#: Exit statuses: 0 success, 1 the command ran but found input it rejected, 2 an error.
EXIT_OK, EXIT_REJECTED, EXIT_ERROR = 0, 1, 2


#: Width of tables when stdout is not a terminal (rich would otherwise assume 80 columns).
PIPE_WIDTH = 140


def stdout_console() -> Console:
    console = Console(file=sys.stdout, highlight=False)
    if not console.is_terminal:
        console = Console(file=sys.stdout, highlight=False, width=PIPE_WIDTH)
    return console


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


#: Loggers of the audit adapters: a refused append (a repeated audit_id) is logged there.
AUDIT_LOGGERS = ("costsight.adapters.sql.audit", "costsight.adapters.memory.audit")


@contextmanager
def expected_audit_duplicates() -> Iterator[None]:
    """Silence per-record audit-append warnings while ingesting: re-ingesting a file repeats
    audit ids on purpose, and ingest counts every refused append as a duplicate instead."""
    loggers = [logging.getLogger(name) for name in AUDIT_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


@asynccontextmanager
async def application(config: Settings | None = None, *,
                      read_only: bool = False) -> AsyncIterator[Application]:
    """The application from ``COSTSIGHT_*`` settings; an empty embedded SQLite file gets its
    schema on first use, a stale schema is refused with ``costsight migrate``."""
    from costsight.bootstrap import bootstrap  # the engines and every service: not at start-up

    app = await bootstrap(config or settings(), read_only=read_only)
    try:
        yield app
    finally:
        await app.aclose()


@asynccontextmanager
async def storage(config: Settings | None = None) -> AsyncIterator[Storage]:
    """The storage of the ``COSTSIGHT_*`` settings alone, opened like :func:`application`
    opens it, for a command that needs one service only (``ingest``): it starts without
    importing the engines, the plugins and the other services."""
    from costsight.bootstrap import open_storage

    opened = await open_storage((config or settings()).database_url)
    try:
        yield opened
    finally:
        await opened.aclose()
