"""Memory-adapter specific checks: transactions, dedupe, streaks, pagination, leader map.

The behaviour shared with SQL lives in tests/contract; this module covers what only the fake
has (its isolation model and shared lock map) plus quick checks of the trickier rules.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from costsight.adapters.memory import MemoryStorage
from costsight.core.domain.anomalies import (
    AnomalyFilter,
    AnomalyStatus,
    AnomalyType,
    Breach,
    DetectedAnomaly,
    EntityType,
    Severity,
)
from costsight.core.domain.audit import AuditFilter, AuditRecord
from costsight.core.domain.costs import (
    BudgetType,
    BudgetUpsert,
    FeatureTagUpdate,
    NewCostRecord,
    NewFeatureTag,
    RunStatus,
    WorkerRun,
)
from costsight.core.domain.patterns import NewPatternFeedback
from costsight.core.domain.predictions import NewPrediction, PredictionFilter
from costsight.core.domain.provenance import NewProvenance, ProvenanceFilter
from costsight.core.domain.statistics import Dimension, Resolution, TimeWindow
from costsight.core.errors import Conflict, NotFound, ValidationError
from costsight.core.ports import JobLock, LeaderElectionPort, Storage, UnitOfWork
from costsight.core.timeutil import FixedClock

T0 = datetime(2026, 3, 10, 12, tzinfo=UTC)
TENANT = "t1"


def cost(**kw: object) -> NewCostRecord:
    fields: dict[str, object] = {"tenant_id": TENANT, "model": "gpt-4o", "input_tokens": 10,
                                 "output_tokens": 5, "cost_cents": Decimal("0.1"),
                                 "created_at": T0}
    fields.update(kw)
    return NewCostRecord(**fields)


def run(n: int, **kw: object) -> WorkerRun:
    fields: dict[str, object] = {"id": f"run-{n}", "tenant_id": TENANT, "worker_id": "w1",
                                 "status": RunStatus.QUEUED, "created_at": T0}
    fields.update(kw)
    return WorkerRun(**fields)


def anomaly(**kw: object) -> DetectedAnomaly:
    fields: dict[str, object] = {
        "tenant_id": TENANT, "anomaly_type": AnomalyType.BUDGET_WARNING,
        "severity": Severity.MEDIUM, "entity_type": "tenant", "period": "daily",
        "current_value_cents": Decimal(85), "expected_value_cents": Decimal(100),
        "deviation_pct": -15.0, "threshold_ratio": 0.8, "usage_pct": 85.0, "message": "85%"}
    fields.update(kw)
    return DetectedAnomaly(**fields)


def _members(protocol: type) -> set[str]:
    return {name for name in vars(protocol) if not name.startswith("_")}


@pytest.fixture
def storage() -> MemoryStorage:
    return MemoryStorage(clock=FixedClock(T0))


def test_satisfies_the_ports(storage: MemoryStorage) -> None:
    # runtime_checkable is not used on the ports, so check the member surface directly
    # (properties and methods: the protocols declare no plain attributes)
    assert {"backend", "leader", "unit_of_work"} <= _members(Storage)
    for name in _members(Storage):
        assert hasattr(storage, name)
    uow = storage.unit_of_work()
    assert {"analytics", "audit", "commit"} <= _members(UnitOfWork)
    for name in _members(UnitOfWork):
        assert hasattr(uow, name)
    for name in ("try_acquire", "release", "is_held", "still_leader", "leadership"):
        assert callable(getattr(storage.leader, name))
    assert storage.backend == "memory"
    assert LeaderElectionPort  # imported for the docs reader: the leader satisfies this port


# --- transactions ---------------------------------------------------------------------------


async def test_uncommitted_writes_are_private_and_discarded(storage: MemoryStorage) -> None:
    async with storage.unit_of_work() as writer:
        await writer.costs.record_costs([cost(request_id="r1")])
        async with storage.unit_of_work() as reader:
            assert await reader.analytics.known_tenants() == []
        assert await writer.analytics.known_tenants() == [TENANT]
    async with storage.unit_of_work() as reader:
        assert await reader.analytics.known_tenants() == []


async def test_exception_rolls_back_and_propagates(storage: MemoryStorage) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        async with storage.unit_of_work() as uow:
            await uow.costs.record_costs([cost()])
            raise RuntimeError("boom")
    async with storage.unit_of_work() as uow:
        assert await uow.analytics.known_tenants() == []


async def test_commit_publishes_and_unit_stays_usable(storage: MemoryStorage) -> None:
    async with storage.unit_of_work() as uow:
        await uow.costs.record_costs([cost(tenant_id="a")])
        await uow.commit()
        await uow.costs.record_costs([cost(tenant_id="b")])  # never committed
    async with storage.unit_of_work() as uow:
        assert await uow.analytics.known_tenants() == ["a"]


async def test_concurrent_units_merge_rows_and_recheck_unique_keys(
        storage: MemoryStorage) -> None:
    first, second = storage.unit_of_work(), storage.unit_of_work()
    async with first, second:
        await first.costs.record_costs([cost(request_id="same"), cost(tenant_id="a")])
        await second.costs.record_costs([cost(tenant_id="b")])
        await second.commit()
        await first.commit()  # different rows: both survive
    async with storage.unit_of_work() as uow:
        assert await uow.analytics.known_tenants() == ["a", "b", TENANT]

    first, second = storage.unit_of_work(), storage.unit_of_work()
    async with first, second:
        await first.costs.record_costs([cost(request_id="race"), cost(tenant_id="c")])
        await second.costs.record_costs([cost(request_id="race")])
        await second.commit()
        await first.commit()  # the retry's duplicate is dropped, its other rows kept
    async with storage.unit_of_work() as uow:
        assert "c" in await uow.analytics.known_tenants()
        window = TimeWindow(start=T0 - timedelta(hours=1), end=T0 + timedelta(hours=1))
        spend = await uow.analytics.cost_spend(TENANT, window, Resolution.HOUR)
        assert sum(b.requests for b in spend) == 2  # "same" and "race", once each


async def test_provenance_key_clash_at_commit_rolls_the_unit_back(
        storage: MemoryStorage) -> None:
    row = NewProvenance(tenant_id=TENANT, input_hash="h", created_at=T0)
    first, second = storage.unit_of_work(), storage.unit_of_work()
    async with first, second:
        await first.provenance.write(row)
        await first.costs.record_costs([cost(tenant_id="lost")])
        await second.provenance.write(row)
        await second.commit()
        with pytest.raises(Conflict, match="provenance_keys"):
            await first.commit()
    async with storage.unit_of_work() as uow:
        assert await uow.analytics.known_tenants() == [TENANT]
        assert await uow.provenance.count(TENANT, ProvenanceFilter()) == 1


async def test_closed_storage_refuses_units(storage: MemoryStorage) -> None:
    await storage.aclose()
    with pytest.raises(Exception, match="closed"):
        async with storage.unit_of_work():
            pass


# --- cost writes ----------------------------------------------------------------------------


async def test_record_costs_dedupes_and_normalises_tags(storage: MemoryStorage) -> None:
    async with storage.unit_of_work() as uow:
        await uow.costs.create_feature_tag(
            NewFeatureTag(tenant_id=TENANT, tag="chat.reply", display_name="Chat"))
        await uow.costs.create_feature_tag(
            NewFeatureTag(tenant_id=TENANT, tag="old.thing", display_name="Old",
                          is_active=False))
        result = await uow.costs.record_costs([
            cost(request_id="r1", feature_tag="chat.reply"),
            cost(request_id="r1", feature_tag="chat.reply"),  # within-batch repeat
            cost(feature_tag="old.thing"),
            cost(feature_tag="nope.never"),
            cost(tenant_id="other", request_id="r1", feature_tag="chat.reply"),
        ])
        assert result.inserted == 4
        assert result.duplicate_request_ids == ["r1"]
        again = await uow.costs.record_costs([cost(request_id="r1")])
        assert again.inserted_ids == [] and again.duplicates == 1
        assert all(i.startswith("cr_") for i in result.inserted_ids)
        window = TimeWindow(start=T0, end=T0 + timedelta(hours=1))
        by_feature = await uow.analytics.cost_breakdown(TENANT, window, Dimension.FEATURE)
        assert [(r.key, r.requests) for r in by_feature] == [
            ("unclassified", 2), ("chat.reply", 1)]
        assert await uow.costs.record_costs([]) == type(result)()


async def test_worker_runs_terminal_conflict_writes_nothing(storage: MemoryStorage) -> None:
    async with storage.unit_of_work() as uow:
        done = run(1, status=RunStatus.COMPLETED, cost_cents=Decimal(5))
        res = await uow.costs.upsert_worker_runs([run(1), done, run(2)])
        assert (res.inserted, res.updated, res.unchanged) == (2, 1, 0)
        res = await uow.costs.upsert_worker_runs([done])
        assert (res.inserted, res.updated, res.unchanged) == (0, 0, 1)
        with pytest.raises(Conflict, match="terminal"):
            await uow.costs.upsert_worker_runs(
                [run(3), done.model_copy(update={"cost_cents": Decimal(6)})])
        with pytest.raises(Conflict, match="another tenant"):
            await uow.costs.upsert_worker_runs([run(2, tenant_id="x")])
        window = TimeWindow(start=T0, end=T0 + timedelta(hours=1))
        usage = await uow.analytics.run_usage(TENANT, window, Resolution.HOUR)
        assert usage[0].requests == 2  # run-3 of the rejected batch was not written


async def test_feature_tag_update_and_budget_upsert(storage: MemoryStorage) -> None:
    async with storage.unit_of_work() as uow:
        await uow.costs.create_feature_tag(
            NewFeatureTag(tenant_id=TENANT, tag="a.b", display_name="AB", description="d",
                          budget_cents=Decimal(10)))
        with pytest.raises(Conflict):
            await uow.costs.create_feature_tag(
                NewFeatureTag(tenant_id=TENANT, tag="a.b", display_name="again"))
        tag = await uow.costs.update_feature_tag(TENANT, "a.b",
                                                 FeatureTagUpdate(description=None))
        assert tag.description is None and tag.budget_cents == Decimal(10)
        with pytest.raises(NotFound):
            await uow.costs.update_feature_tag("other", "a.b", FeatureTagUpdate(is_active=False))

        first = await uow.costs.upsert_budget(BudgetUpsert(
            tenant_id=TENANT, budget_type=BudgetType.TENANT, daily_limit_cents=Decimal(100),
            monthly_limit_cents=Decimal(1000), warn_threshold_pct=70, is_active=False))
        assert not first.is_active and first.entity_id == ""
        second = await uow.costs.upsert_budget(BudgetUpsert(
            tenant_id=TENANT, budget_type=BudgetType.TENANT, monthly_limit_cents=None))
        assert second.id == first.id and second.is_active
        assert second.daily_limit_cents == Decimal(100) and second.monthly_limit_cents is None
        assert second.warn_threshold_pct == 70
        await uow.costs.upsert_budget(BudgetUpsert(
            tenant_id=TENANT, budget_type=BudgetType.USER, entity_id="u1", is_active=False))
        assert len(await uow.costs.list_budgets(TENANT)) == 2
        assert [b.budget_type for b in await uow.costs.list_budgets(TENANT, active_only=True)] \
            == [BudgetType.TENANT]


# --- anomalies --------------------------------------------------------------------------------


async def test_breach_streaks_break_on_gaps_and_cap_at_lookback(storage: MemoryStorage) -> None:
    day = date(2026, 3, 20)

    def b(entity: str, back: int) -> Breach:
        return Breach(tenant_id=TENANT, entity_type="user", entity_id=entity,
                      breach_date=day - timedelta(days=back), deviation_pct=50.0,
                      current_value_cents=Decimal(150), baseline_value_cents=Decimal(100))

    async with storage.unit_of_work() as uow:
        await uow.cost_anomalies.record_breaches(
            [b("gap", 0), b("gap", 1), b("gap", 3), b("long", 0), b("old", 1)]
            + [b("long", n) for n in range(1, 12)])
        streaks = await uow.cost_anomalies.breach_streaks(TENANT, "ABSOLUTE_SPIKE", day)
        assert streaks == {("user", "gap"): 2, ("user", "long"): 8}
        assert await uow.cost_anomalies.breach_streaks(TENANT, "ABSOLUTE_SPIKE", day,
                                                  lookback_days=2) == {
            ("user", "gap"): 2, ("user", "long"): 3}


async def test_anomaly_upsert_dedupes_by_key_including_period(storage: MemoryStorage) -> None:
    since = T0 - timedelta(hours=12)
    async with storage.unit_of_work() as uow:
        daily, monthly = await uow.anomaly_records.upsert_anomalies(
            [anomaly(), anomaly(period="monthly")], since=since, now=T0)
        assert daily.id != monthly.id
        later = T0 + timedelta(hours=1)
        (again,) = await uow.anomaly_records.upsert_anomalies(
            [anomaly(usage_pct=95.0, severity=Severity.HIGH, expected_value_cents=Decimal(90))],
            since=since, now=later)
        assert again.id == daily.id and again.detected_at == T0 and again.updated_at == later
        assert again.usage_pct == 95.0 and again.expected_value_cents == Decimal(90)
        await uow.anomaly_records.set_anomaly_status(TENANT, daily.id, AnomalyStatus.RESOLVED, later)
        (fresh,) = await uow.anomaly_records.upsert_anomalies([anomaly()], since=since, now=later)
        assert fresh.id not in (daily.id, monthly.id)


async def test_anomaly_status_transitions(storage: MemoryStorage) -> None:
    async with storage.unit_of_work() as uow:
        (a,) = await uow.anomaly_records.upsert_anomalies([anomaly()], since=T0, now=T0)
        at = T0 + timedelta(minutes=5)
        acked = await uow.anomaly_records.set_anomaly_status(TENANT, a.id, AnomalyStatus.ACKNOWLEDGED,
                                                       at)
        assert acked.acknowledged_at == at
        same = await uow.anomaly_records.set_anomaly_status(TENANT, a.id, AnomalyStatus.ACKNOWLEDGED,
                                                      at + timedelta(hours=1))
        assert same == acked
        with pytest.raises(Conflict, match="acknowledged to open"):
            await uow.anomaly_records.set_anomaly_status(TENANT, a.id, AnomalyStatus.OPEN, at)
        done = await uow.anomaly_records.set_anomaly_status(TENANT, a.id, AnomalyStatus.DISMISSED, at)
        assert done.dismissed_at == at
        with pytest.raises(Conflict):
            await uow.anomaly_records.set_anomaly_status(TENANT, a.id, AnomalyStatus.RESOLVED, at)
        with pytest.raises(NotFound):
            await uow.anomaly_records.get_anomaly("other", a.id)


async def test_anomaly_pagination_is_complete_and_ordered(storage: MemoryStorage) -> None:
    async with storage.unit_of_work() as uow:
        for n in range(7):
            await uow.anomaly_records.upsert_anomalies(
                [anomaly(entity_id=f"e{n}")], since=T0, now=T0 + timedelta(minutes=n % 3))
        seen, cursor = [], None
        while True:
            page = await uow.anomaly_records.list_anomalies(TENANT, AnomalyFilter(), limit=3,
                                                      cursor=cursor)
            seen.extend(page.items)
            cursor = page.next_cursor
            if cursor is None:
                break
        assert len(seen) == 7 and len({a.id for a in seen}) == 7
        keys = [(a.detected_at, a.id) for a in seen]
        assert keys == sorted(keys, reverse=True)
        with pytest.raises(ValidationError, match="cursor"):
            await uow.anomaly_records.list_anomalies(TENANT, AnomalyFilter(), limit=3, cursor="xx")
        with pytest.raises(ValidationError, match="limit"):
            await uow.anomaly_records.list_anomalies(TENANT, AnomalyFilter(), limit=0)


async def test_daily_usage_and_budget_spend(storage: MemoryStorage) -> None:
    async with storage.unit_of_work() as uow:
        await uow.costs.record_costs([
            cost(user_id="u1", cost_cents=Decimal("0.000001"), is_retry=True),
            cost(user_id="u1", cost_cents=Decimal("0.000002")),
            cost(created_at=T0 - timedelta(days=1), cost_cents=Decimal("1")),
            cost(created_at=T0 + timedelta(hours=1)),  # after "until": never counted
        ])
        await uow.costs.upsert_budget(BudgetUpsert(tenant_id=TENANT, budget_type="user",
                                                   entity_id="u1",
                                                   daily_limit_cents=Decimal(1)))
        await uow.costs.upsert_budget(BudgetUpsert(tenant_id=TENANT, budget_type="tenant",
                                                   daily_limit_cents=Decimal(1)))
        rows = await uow.cost_anomalies.daily_usage(
            TENANT, [EntityType.USER, EntityType.TENANT], date(2026, 3, 9), T0)
        assert [(r.entity_type.value, r.entity_id, r.day.day, r.spend_cents, r.retries)
                for r in rows] == [
            ("tenant", TENANT, 9, Decimal(1), 0),
            ("tenant", TENANT, 10, Decimal("0.000003"), 1),
            ("user", "u1", 10, Decimal("0.000003"), 1)]
        spend = await uow.cost_anomalies.budget_spend(TENANT, date(2026, 3, 10), T0)
        assert [(s.budget.budget_type.value, s.daily_spend_cents, s.monthly_spend_cents)
                for s in spend] == [("tenant", Decimal("0.000003"), Decimal("1.000003")),
                                    ("user", Decimal("0.000003"), Decimal("0.000003"))]


# --- feedback, predictions, provenance, audit -------------------------------------------------


async def test_feedback_and_prediction_natural_dedupe(storage: MemoryStorage) -> None:
    fb = NewPatternFeedback(tenant_id=TENANT, pattern_type="failure_pattern",
                            description="x", signature="s1")
    pr = NewPrediction(tenant_id=TENANT, prediction_type="cost_overrun", subject_id="w1",
                       confidence_score=0.8, prediction_value={},
                       expires_at=T0 + timedelta(hours=24))
    async with storage.unit_of_work() as uow:
        a, b = await uow.pattern_feedback.upsert_feedback([fb, fb.model_copy(
            update={"occurrence_count": 4})], open_since=T0 - timedelta(hours=24), now=T0)
        assert a.id == b.id and b.occurrence_count == 4
        await uow.pattern_feedback.acknowledge_feedback(TENANT, a.id, by="me", at=T0)
        (c,) = await uow.pattern_feedback.upsert_feedback([fb], open_since=T0, now=T0)
        assert c.id != a.id  # acknowledged rows are closed
        stats = await uow.pattern_feedback.feedback_stats(TENANT)
        assert (stats.total, stats.acknowledged, stats.unacknowledged) == (2, 1, 1)

        (p1,) = await uow.prediction_records.upsert_predictions([pr], now=T0)
        (p2,) = await uow.prediction_records.upsert_predictions(
            [pr.model_copy(update={"confidence_score": 0.9})], now=T0 + timedelta(hours=1))
        assert p1.id == p2.id and p2.confidence_score == 0.9 and p2.is_advisory
        after = T0 + timedelta(hours=25)
        (p3,) = await uow.prediction_records.upsert_predictions(
            [pr.model_copy(update={"expires_at": after + timedelta(hours=24)})], now=after)
        assert p3.id != p1.id
        page = await uow.prediction_records.list_predictions(TENANT, PredictionFilter(), now=after,
                                                      limit=10)
        assert [p.id for p in page.items] == [p3.id]
        stats = await uow.prediction_records.prediction_stats(TENANT, include_expired=True, now=after)
        assert (stats.total, stats.avg_confidence, stats.high_confidence_count) == (2, 0.85, 2)


async def test_provenance_batches_are_all_or_nothing(storage: MemoryStorage) -> None:
    def prov(h: str, **kw: object) -> NewProvenance:
        fields: dict[str, object] = {"tenant_id": TENANT, "input_hash": h,
                                     "v1_cost": Decimal(100), "v2_cost": Decimal(100),
                                     "created_at": T0}
        return NewProvenance(**{**fields, **kw})

    async with storage.unit_of_work() as uow:
        ids = await uow.provenance.write_batch([prov("a"), prov("b"), prov("a", variant_slug="v1")])
        assert ids == sorted(ids) and len(set(ids)) == 3
        with pytest.raises(Conflict):
            await uow.provenance.write_batch([prov("c"), prov("c")])
        with pytest.raises(Conflict):
            await uow.provenance.write(prov("a"))
        assert await uow.provenance.count(TENANT, ProvenanceFilter()) == 3
        missing = await uow.provenance.write_missing([prov("a"), prov("d"), prov("d")])
        assert missing[0] is None and missing[2] is None and isinstance(missing[1], int)
        assert await uow.provenance.is_duplicate(TENANT, "d")
        assert not await uow.provenance.is_duplicate(TENANT, "d", variant_slug="v1")
        assert not await uow.provenance.is_duplicate("other", "d")
        await uow.provenance.write_batch([prov("e", v2_cost=Decimal(200)),
                                          prov("f", v2_cost=None)])
        stats = await uow.provenance.drift_stats(TENANT)
        assert stats.total == 5 and stats.max_delta == 100.0 and stats.min_delta == 0.0
        assert stats.avg_delta == 20.0 and stats.stddev_delta == pytest.approx(44.72136, 1e-5)
        assert stats.verdicts == {"MATCH": 4, "MISMATCH": 1}
        assert (await uow.provenance.drift_stats("other")).total == 0


async def test_audit_duplicate_keeps_the_rest_of_the_unit(storage: MemoryStorage) -> None:
    def rec(audit_id: str, minute: int) -> AuditRecord:
        return AuditRecord(audit_id=audit_id, envelope_id="e", envelope_class="cost",
                           decision="applied", reason="ok", tenant_id=TENANT,
                           decision_timestamp=T0 + timedelta(minutes=minute))

    async with storage.unit_of_work() as uow:
        await uow.costs.record_costs([cost()])
        assert await uow.audit.append(rec("a1", 1))
        assert not await uow.audit.append(rec("a1", 2))
        assert await uow.audit.append(rec("a2", 3), emit=False)
        await uow.commit()
    async with storage.unit_of_work() as uow:
        assert await uow.analytics.known_tenants() == [TENANT]
        page = await uow.audit.list_records(TENANT, AuditFilter(), limit=10)
        assert [(r.audit_id, r.decision_timestamp.minute, r.created_at) for r in page.items] \
            == [("a1", 1, T0)]


# --- leader election --------------------------------------------------------------------------


async def test_leader_contenders_share_the_storage_lock_map(storage: MemoryStorage) -> None:
    other = storage.new_leader_election("other")
    lease = await storage.leader.try_acquire(JobLock.ALERT_WORKER)
    assert lease is not None and lease.fencing_token == 1
    assert await other.try_acquire(JobLock.ALERT_WORKER) is None
    assert await storage.leader.try_acquire(JobLock.ALERT_WORKER) is None
    assert await other.is_held(JobLock.ALERT_WORKER)
    assert await storage.leader.release(lease)
    assert not await storage.leader.release(lease)
    taken = await other.try_acquire(JobLock.ALERT_WORKER)
    assert taken is not None and taken.fencing_token == 2 and taken.holder == "other"
    assert not await storage.leader.still_leader(lease)
    assert await storage.leader.still_leader(taken)
    assert not await MemoryStorage().leader.is_held(JobLock.ALERT_WORKER)
    with pytest.raises(ValidationError, match="lock_id"):
        await other.try_acquire(42)


async def test_leadership_releases_and_propagates(storage: MemoryStorage) -> None:
    with pytest.raises(KeyError):
        async with storage.leader.leadership(JobLock.CANARY_RUNNER) as lease:
            assert lease is not None
            raise KeyError("body")
    assert not await storage.leader.is_held(JobLock.CANARY_RUNNER)


# --- analytics --------------------------------------------------------------------------------


async def test_series_are_zero_filled_half_open_and_breakdowns_label_nulls(
        storage: MemoryStorage) -> None:
    async with storage.unit_of_work() as uow:
        await uow.costs.upsert_worker_runs([run(1, worker_id="w-mine"),
                                            run(2, tenant_id="other", worker_id="w-theirs")])
        await uow.costs.record_costs([
            cost(created_at=T0 + timedelta(minutes=30), worker_run_id="run-1"),
            cost(created_at=T0 + timedelta(hours=2), worker_run_id="run-2"),
            cost(created_at=T0 + timedelta(hours=3)),  # exactly at end: excluded
            cost(created_at=T0 - timedelta(seconds=1)),  # before start: excluded
        ])
        window = TimeWindow(start=T0 + timedelta(minutes=10), end=T0 + timedelta(hours=3))
        series = await uow.analytics.cost_metrics(TENANT, window, Resolution.HOUR)
        assert [(b.ts.hour, b.requests, b.tokens) for b in series] == [
            (12, 1, 15), (13, 0, 0), (14, 1, 15)]
        workers = await uow.analytics.cost_breakdown(TENANT, window, Dimension.WORKER)
        assert [(r.key, r.requests) for r in workers] == [("unknown", 1), ("w-mine", 1)]
        pages = []
        cursor = None
        while True:
            page = await uow.analytics.dimension_values(TENANT, Dimension.WORKER, None, 1,
                                                        cursor)
            pages.append(page.items)
            if (cursor := page.next_cursor) is None:
                break
        assert pages == [["unknown"], ["w-mine"]]
        assert await uow.analytics.known_tenants() == ["other", TENANT]
