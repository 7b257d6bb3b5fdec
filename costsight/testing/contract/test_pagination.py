"""Contract: every keyset-paged list refuses a cursor it did not hand out."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from costsight.core.domain.anomalies import AnomalyFilter
from costsight.core.domain.audit import AuditFilter
from costsight.core.domain.patterns import FeedbackFilter
from costsight.core.domain.predictions import PredictionFilter
from costsight.core.domain.provenance import ProvenanceFilter
from costsight.core.domain.statistics import Dimension
from costsight.core.errors import ValidationError
from costsight.core.pagination import Page, encode_cursor
from costsight.core.ports import Storage, UnitOfWork
from costsight.testing.contract.builders import T0, TENANT, read

#: Every keyset-paged list, as ``(uow, cursor) -> page`` (the item types differ, hence Any).
LISTS: dict[str, Callable[[UnitOfWork, str | None], Awaitable[Page[Any]]]] = {
    "dimension_values": lambda uow, c: uow.analytics.dimension_values(
        TENANT, Dimension.MODEL, None, 10, c),
    "anomalies": lambda uow, c: uow.anomaly_records.list_anomalies(
        TENANT, AnomalyFilter(), limit=10, cursor=c),
    "feedback": lambda uow, c: uow.pattern_feedback.list_feedback(
        TENANT, FeedbackFilter(), limit=10, cursor=c),
    "predictions": lambda uow, c: uow.prediction_records.list_predictions(
        TENANT, PredictionFilter(), now=T0, limit=10, cursor=c),
    "provenance": lambda uow, c: uow.provenance.query(
        TENANT, ProvenanceFilter(), limit=10, cursor=c),
    "audit": lambda uow, c: uow.audit.list_records(TENANT, AuditFilter(), limit=10, cursor=c),
}

BAD_CURSORS = ["not-a-cursor!", encode_cursor("a", "b", "c", "d", "e")]


@pytest.mark.parametrize("name", list(LISTS))
@pytest.mark.parametrize("cursor", BAD_CURSORS, ids=["garbage", "wrong-arity"])
async def test_a_foreign_cursor_is_a_validation_error_naming_cursor(storage: Storage, name: str,
                                                                   cursor: str) -> None:
    with pytest.raises(ValidationError) as info:
        await read(storage, lambda uow: LISTS[name](uow, cursor))
    assert info.value.field == "cursor"


@pytest.mark.parametrize("name", list(LISTS))
async def test_an_empty_list_has_no_next_cursor(storage: Storage, name: str) -> None:
    page = await read(storage, lambda uow: LISTS[name](uow, None))
    assert (page.items, page.next_cursor) == ([], None)
