"""``entity_days`` on Postgres reads each entity's days as one flat array in no particular day
order; the adapter puts the days in order and keeps every day's values together."""

from __future__ import annotations

import random
from datetime import date, timedelta

from costsight.adapters.sql.daily_usage import _from_array
from costsight.core.domain.anomalies import EntityType

FIRST = date(2026, 2, 1)
CALENDAR = [FIRST + timedelta(days=n) for n in range(28)]


def test_days_in_any_order_come_out_ascending_with_their_values() -> None:
    days = [(offset, offset >> 1, offset * 7, offset + 1, offset % 3, offset * 100)
            for offset in (0, 3, 4, 9, 27)]
    for seed in range(5):
        shuffled = days[:]
        random.Random(seed).shuffle(shuffled)
        got = _from_array("user", "u1", [v for day in shuffled for v in day], CALENDAR)
        assert (got.entity_type, got.entity_id) == (EntityType.USER, "u1")
        assert got.days == tuple(CALENDAR[d[0]] for d in days)
        assert got.cost_micros == tuple((d[1] << 32) + d[2] for d in days)
        assert (got.requests, got.retries, got.input_tokens) == (
            tuple(d[3] for d in days), tuple(d[4] for d in days), tuple(d[5] for d in days))
