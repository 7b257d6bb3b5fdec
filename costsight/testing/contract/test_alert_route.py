"""Contract: AlertRoutePort (routes keyed by tenant and name, upserted whole, secrets kept)."""

from __future__ import annotations

from datetime import datetime

from costsight.core.domain.alerts import (
    AlertRoute,
    AlertRouteView,
    AlertSeverity,
    DestinationKind,
    NewAlertRoute,
)
from costsight.core.ports import Storage
from costsight.testing.contract.alert_builders import route
from costsight.testing.contract.builders import OTHER_TENANT, T0, TENANT, at, in_uow, read


async def upsert(storage: Storage, new: NewAlertRoute,
                 now: datetime = T0) -> tuple[AlertRoute, bool]:
    return await in_uow(storage, lambda uow: uow.alert_routes.upsert_route(new, now=now))


async def test_upsert_stores_every_field_and_reports_an_insert(storage: Storage) -> None:
    new = route("slack-ops", destination="slack", url="https://hooks.slack.com/services/T/B/x",
                anomaly_types=["ABSOLUTE_SPIKE"], prediction_types=[], pattern_types=None,
                min_severity="medium", secret="0123456789abcdef-secret", enabled=False)
    stored, inserted = await upsert(storage, new)
    assert inserted is True
    got = await read(storage, lambda uow: uow.alert_routes.get_route(TENANT, "slack-ops"))
    assert got == stored
    assert got is not None
    assert got.model_dump(exclude={"created_at", "updated_at"}) == new.model_dump()
    assert got.secret_value() == "0123456789abcdef-secret"
    assert (got.destination, got.min_severity) == (DestinationKind.SLACK, AlertSeverity.MEDIUM)
    assert (got.anomaly_types, got.prediction_types, got.pattern_types) == (
        ["ABSOLUTE_SPIKE"], [], None)
    assert got.created_at == got.updated_at == T0


async def test_upsert_of_an_existing_name_replaces_it_and_keeps_created_at(storage: Storage) -> None:
    await upsert(storage, route(secret="0123456789abcdef-secret"))
    stored, inserted = await upsert(storage, route(url="https://other.example.com/h",
                                                   enabled=False), now=at(11))
    assert inserted is False
    assert (stored.url, stored.enabled, stored.secret) == ("https://other.example.com/h",
                                                           False, None)
    assert (stored.created_at, stored.updated_at) == (T0, at(11))


async def test_list_is_by_name_per_tenant_and_can_keep_only_enabled_routes(storage: Storage) -> None:
    for name, enabled in (("b", True), ("a", False), ("c", True)):
        await upsert(storage, route(name, enabled=enabled))
    await upsert(storage, route("z", tenant_id=OTHER_TENANT))
    every = await read(storage, lambda uow: uow.alert_routes.list_routes(TENANT))
    assert [r.name for r in every] == ["a", "b", "c"]
    only_enabled = await read(storage, lambda uow: uow.alert_routes.list_routes(
        TENANT, enabled_only=True))
    assert [r.name for r in only_enabled] == ["b", "c"]


async def test_remove_deletes_only_that_tenant_s_route(storage: Storage) -> None:
    await upsert(storage, route("ops"))
    await upsert(storage, route("ops", tenant_id=OTHER_TENANT))
    assert await in_uow(storage, lambda uow: uow.alert_routes.remove_route(TENANT, "ops"))
    assert not await in_uow(storage, lambda uow: uow.alert_routes.remove_route(TENANT, "ops"))
    assert await read(storage, lambda uow: uow.alert_routes.get_route(TENANT, "ops")) is None
    assert await read(storage, lambda uow: uow.alert_routes.get_route(OTHER_TENANT, "ops"))


async def test_a_rolled_back_upsert_stores_nothing(storage: Storage) -> None:
    await in_uow(storage, lambda uow: uow.alert_routes.upsert_route(route(), now=T0),
                 commit=False)
    assert await read(storage, lambda uow: uow.alert_routes.list_routes(TENANT)) == []


def test_views_and_reprs_never_show_the_secret() -> None:
    new = route(secret="0123456789abcdef-secret")
    view = AlertRouteView.of(new)
    assert view.has_secret is True
    for text in (repr(new), str(new), view.model_dump_json(), new.model_dump_json()):
        assert "0123456789abcdef-secret" not in text
