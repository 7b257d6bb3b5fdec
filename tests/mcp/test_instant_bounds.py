"""MCP start / end / as_of and cursors: an instant outside 1970..2200 UTC (or finer than a
microsecond) is an isError naming the parameter and the range, on every backend; never the
opaque "Error executing tool" of an OverflowError."""

from __future__ import annotations

import base64
import json

import pytest

from costsight.core.application import Application
from costsight.core.pagination import encode_cursor
from costsight.core.timeutil import FixedClock
from costsight.mcp_server import tool_names as names
from tests.contract.builders import T0
from tests.mcp.helpers import call, call_err, connect
from tests.mcp.seed import seed_findings, seed_metering

RANGE = "1970-01-01T00:00:00Z to 2200-01-01T00:00:00Z"
BAD_INSTANTS = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00",
                "1969-12-31T23:59:59Z", "2200-01-01T00:00:01Z"]


@pytest.fixture
async def any_app(storage) -> Application:
    """A seeded application on each backend (memory, SQLite, Postgres)."""
    await seed_metering(storage)
    await seed_findings(storage)
    return Application(storage, clock=FixedClock(T0), load_entrypoints=False)


@pytest.mark.parametrize("instant", BAD_INSTANTS)
async def test_start_end_and_as_of_out_of_range_name_the_parameter(any_app: Application,
                                                                   instant: str) -> None:
    async with connect(any_app) as client:
        for tool, param, extra in [
            (names.GET_COST_STATISTICS, "start", {}),
            (names.GET_COST_STATISTICS, "end", {}),
            (names.QUERY_PROVENANCE, "start", {}),
            (names.QUERY_PROVENANCE, "end", {}),
            (names.PREVIEW_ANOMALIES, "as_of", {}),
        ]:
            text = await call_err(client, tool, **{param: instant, **extra})
            assert f"invalid parameter '{param}'" in text, (tool, text)
            assert RANGE in text, (tool, text)


async def test_sub_microsecond_instants_are_refused(any_app: Application) -> None:
    async with connect(any_app) as client:
        text = await call_err(client, names.QUERY_PROVENANCE,
                              start="2026-03-01T00:00:00.0000001Z")
        assert "invalid parameter 'start'" in text and "microsecond" in text


def _unpack(text: str) -> list:
    return json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


def _with_instant(cursor: str, instant: str) -> str:
    """The same cursor with its timestamp replaced (what a tampering client would send): the
    envelope (tool, filters digest) stays valid, the storage key inside it is tampered."""
    tool, digest, inner = _unpack(cursor)
    key = _unpack(inner)
    assert isinstance(key[0], str) and key[0][:4].isdigit(), key
    raw = json.dumps([tool, digest, encode_cursor(instant, *key[1:])]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize("instant", BAD_INSTANTS)
async def test_a_cursor_carrying_an_instant_out_of_range_is_refused(any_app: Application,
                                                                    instant: str) -> None:
    async with connect(any_app) as client:
        for tool in (names.LIST_ANOMALIES, names.QUERY_PROVENANCE, names.LIST_AUDIT_RECORDS,
                     names.LIST_PREDICTIONS):
            first = await call(client, tool, limit=1)
            assert first.get("next_cursor"), tool
            text = await call_err(client, tool, limit=1,
                                  cursor=_with_instant(first["next_cursor"], instant))
            assert "invalid parameter 'cursor'" in text, (tool, text)
