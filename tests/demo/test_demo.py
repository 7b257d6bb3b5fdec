"""The demo workload: deterministic, realistic, and every planted incident is found."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from costsight.core.application import Application
from costsight.demo import generate_workload
from costsight.demo.catalog import MODEL_PRICES, QUIET_TENANT
from costsight.demo.generator import default_end
from costsight.demo.replay import load_workload, replay_detection
from tests.cli.conftest import run_subprocess

END = datetime(2026, 3, 4, 20, 0, tzinfo=UTC)


def planted(anomalies, predictions, patterns) -> dict[str, bool]:
    """Which planted incidents a set of findings (JSON dicts) shows."""
    a = {(x["tenant_id"], x["anomaly_type"], x["entity_id"]): x for x in anomalies}
    p = {(x["tenant_id"], x["prediction_type"], x["subject_id"]) for x in predictions}
    f = {(x["tenant_id"], x["pattern_type"]) for x in patterns}
    spike = a.get(("acme", "ABSOLUTE_SPIKE", "alice"))
    return {
        "retry loop spike": spike is not None and spike["derived_cause"] == "RETRY_LOOP"
        and spike["severity"] == "HIGH" and spike["breach_count"] >= 2,
        "prompt-growth drift": ("globex", "SUSTAINED_DRIFT", "globex") in a,
        "budget overrun": ("acme", "BUDGET_EXCEEDED", "support.reply") in a
        and ("globex", "BUDGET_EXCEEDED", "") in a,
        "failing worker": ("acme", "failure_likelihood", "invoice-parser") in p
        and ("acme", "failure_pattern") in f,
        "cost-trending worker": ("globex", "cost_overrun", "report-builder") in p
        and ("globex", "cost_spike") in f,
    }


def test_generation_is_deterministic() -> None:
    first = list(generate_workload(end=END, seed=7).jsonl())
    assert first == list(generate_workload(end=END, seed=7).jsonl())
    assert first != list(generate_workload(end=END, seed=8).jsonl())


def test_workload_shape() -> None:
    workload = generate_workload(end=END)
    records = workload.cost_records
    assert {r.tenant_id for r in records} == {"acme", "globex", "initech"}
    assert {r.model for r in records} == set(MODEL_PRICES)
    days = {r.created_at.date() for r in records}
    assert len(days) >= 30 and max(r.created_at for r in records) <= END
    # weekly seasonality: weekends carry clearly less traffic than weekdays
    weekday = sum(1 for r in records if r.created_at.weekday() < 5) / 5
    weekend = sum(1 for r in records if r.created_at.weekday() >= 5) / 2
    assert weekend < 0.7 * weekday
    assert any(r.is_retry for r in records)
    assert {p.tenant_id for p in workload.provenance} == {"acme", "globex", "initech"}
    assert workload.audit and workload.budgets and workload.feature_tags
    assert len({r.request_id for r in records}) == len(records)


def test_default_end_is_the_latest_2000_utc() -> None:
    assert default_end(datetime(2026, 3, 4, 21, 5, tzinfo=UTC)) == END
    assert default_end(datetime(2026, 3, 5, 19, 59, tzinfo=UTC)) == END


@pytest.mark.parametrize("end", [END, datetime(2026, 3, 7, 20, tzinfo=UTC),
                                 datetime(2026, 3, 8, 20, tzinfo=UTC)],
                         ids=["wednesday", "saturday", "sunday"])
async def test_replay_finds_every_incident_and_nothing_on_the_quiet_tenant(memory_storage,
                                                                           end) -> None:
    app = Application(memory_storage, load_entrypoints=False)
    workload = generate_workload(end=end)
    report = await load_workload(app, workload)
    assert report.written and report.rejected == 0
    days = await replay_detection(app, workload)
    last = days[-1]
    found = planted([a.model_dump(mode="json") for a in last.anomalies],
                    [p.model_dump(mode="json") for p in last.predictions],
                    [f.model_dump(mode="json") for f in last.patterns])
    assert all(found.values()), found
    drift_days = [i for i, d in enumerate(days)
                  if any(a.anomaly_type.value == "SUSTAINED_DRIFT" for a in d.anomalies)]
    assert drift_days[0] == 2  # the third day of the replay
    assert not [x for d in days for x in (*d.anomalies, *d.predictions, *d.patterns)
                if x.tenant_id == QUIET_TENANT]
    assert not [e for d in days for e in d.errors]


def test_detect_as_of_on_the_ingested_demo_finds_every_incident(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    path = tmp_path / "demo.jsonl"
    assert run_subprocess(["demo", "--end", END.isoformat(), "--write-jsonl", str(path)],
                          url).code == 0
    ingest = run_subprocess(["ingest", str(path), "--json"], url)
    assert ingest.code == 0, ingest.err
    assert ingest.json()["rejected"] == 0 and ingest.json()["inserted"] > 10_000
    outputs = []
    for instant in generate_workload(end=END).replay_instants():
        result = run_subprocess(["detect", "--as-of", instant.isoformat(), "--json"], url)
        assert result.code == 0, result.err
        outputs.append(result.json())
    last = outputs[-1]
    assert set(last) == {"anomalies", "predictions", "patterns", "forecasts", "engine_errors",
                         "plugin_errors"}
    assert last["engine_errors"] == [] and last["plugin_errors"] == []
    assert all(planted(last["anomalies"], last["predictions"], last["patterns"]).values())
    for item in last["anomalies"]:
        assert {"tenant_id", "anomaly_type", "severity", "entity_type", "entity_id",
                "deviation_pct", "breach_count", "derived_cause", "metadata"} <= set(item)
    for item in last["predictions"]:
        assert {"prediction_type", "subject_type", "subject_id", "confidence_score",
                "prediction_value"} <= set(item)
    for item in last["patterns"]:
        assert {"pattern_type", "signature", "occurrence_count", "metadata"} <= set(item)
    quiet_high = [a for out in outputs for a in out["anomalies"]
                  if a["tenant_id"] == QUIET_TENANT and a["severity"] == "HIGH"]
    assert quiet_high == []
    # findings only: every tenant, the quiet one too, has a forecast
    assert not [x for out in outputs for key, kind in out.items() if key != "forecasts"
                for x in kind if x["tenant_id"] == QUIET_TENANT]
    assert {f["tenant_id"] for f in last["forecasts"]} >= {QUIET_TENANT}


def test_costsight_demo_end_to_end_twice_stores_nothing_twice(tmp_path: Path) -> None:
    url = "sqlite+aiosqlite:///./costsight.db"  # the default, relative to the working directory
    first = run_subprocess(["demo", "--end", END.isoformat()], url, cwd=tmp_path)
    assert first.code == 0, first.err
    assert (tmp_path / "costsight.db").is_file()
    for finding in ("ABSOLUTE_SPIKE", "SUSTAINED_DRIFT", "BUDGET_EXCEEDED",
                    "failure_likelihood"):
        assert finding in first.out
    assert "missing" not in first.out and "no findings" in first.out
    assert "costsight serve" in first.out and str(tmp_path / "costsight.db") in first.out
    assert "the route 'oncall-slack' of tenant 'acme'" in first.out
    second = run_subprocess(["demo", "--end", END.isoformat(), "--json"], url, cwd=tmp_path)
    assert second.code == 0, second.err
    report = second.json()["ingest"]
    assert report["inserted"] == 0 and report["duplicates"] > 10_000
    preview = second.json()["alert_route_preview"]
    assert preview["route"] == "oncall-slack" and preview["notifications"]
    assert {n["severity"] for n in preview["notifications"]} == {"high"}
    assert "pattern" not in {n["kind"] for n in preview["notifications"]}
    assert "audit_persistence_failed" not in second.err
