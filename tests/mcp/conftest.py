"""Fixtures: an Application over the in-memory adapters at a fixed instant, seeded or empty."""

from __future__ import annotations

from typing import Any

import pytest

from costsight.core.application import Application
from costsight.core.timeutil import FixedClock
from tests.contract.builders import T0
from tests.mcp.seed import seed_database, seed_findings, seed_metering


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def app(memory_storage: Any, clock: FixedClock) -> Application:
    return Application(memory_storage, clock=clock, load_entrypoints=False)


@pytest.fixture
async def seeded(app: Application) -> dict[str, str]:
    """Seeds the dataset of tests.mcp.seed into ``app``; returns the ids it created."""
    await seed_metering(app.storage)
    return await seed_findings(app.storage)


@pytest.fixture
async def seeded_sqlite_url(sqlite_url: str) -> str:
    """A migrated SQLite file holding the tests.mcp.seed metering data."""
    return await seed_database(sqlite_url)
