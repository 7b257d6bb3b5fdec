"""Observing SQLite's write lock without sleeping.

``write_lock_held`` asks the database itself: a separate stdlib connection with a zero busy
timeout tries to take the write lock and reports whether it was refused. ``StatementLog``
records, on a storage's engine, when each statement is issued (before the engine's own hook
opens ``BEGIN IMMEDIATE``) and when it returns, into an ordered log the test shares, so a test
can wait for "the second writer asked for the lock" and later check that its statement only
returned after the first writer started to commit.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import anyio
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

_READS = ("SELECT", "PRAGMA", "EXPLAIN", "SAVEPOINT", "RELEASE", "ROLLBACK")


def write_lock_held(url: str) -> bool:
    """True when another connection holds the database's write lock right now."""
    probe = sqlite3.connect(make_url(url).database, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc):
            raise
        return True
    else:
        probe.execute("ROLLBACK")
        return False
    finally:
        probe.close()


class StatementLog:
    """The first writing statement of an engine, logged as ``{name}:asks`` / ``{name}:got``."""

    def __init__(self, engine: AsyncEngine, name: str, log: list[str]) -> None:
        self.name, self.log = name, log
        self.asked = anyio.Event()
        self._pending: str | None = None
        sync = engine.sync_engine
        # insert=True: run before the engine's BEGIN IMMEDIATE hook, i.e. before any waiting.
        event.listen(sync, "before_cursor_execute", self._before, insert=True)
        event.listen(sync, "after_cursor_execute", self._after)

    def _before(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if self._pending is None and not self.asked.is_set() \
                and not statement.lstrip().upper().startswith(_READS):
            self._pending = statement
            self.log.append(f"{self.name}:asks")
            self.asked.set()  # the hook runs on the event loop's thread (greenlet), so this is safe

    def _after(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement == self._pending:
            self._pending = None
            self.log.append(f"{self.name}:got")
