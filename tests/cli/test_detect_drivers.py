"""``costsight detect --json`` returns each anomaly's root-cause drivers as ``drivers``."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_plugins_cli import AS_OF, busy_tenants


def test_detect_json_has_the_drivers_of_every_anomaly(cli, tmp_path: Path) -> None:
    assert cli("ingest", str(busy_tenants(tmp_path))).code == 0
    result = cli("detect", "--json", "--as-of", AS_OF)
    assert result.code == 0, result.err
    [t1, _] = sorted(result.json()["anomalies"], key=lambda a: a["tenant_id"])
    # a daily tenant budget of 100 cents, 300 spent today, nothing the day before
    drivers = t1["drivers"]
    assert drivers["delta_cents"] == t1["current_value_cents"] - t1["expected_value_cents"] == 200
    model = drivers["dimensions"]["model"]
    assert model[0] == {"value": "gpt-4o", "delta_cents": 300, "share": 1.5,
                        "current_cents": 300, "baseline_cents": 0, "other": False}
    assert model[1]["other"] and model[1]["delta_cents"] == -100
    for rows in drivers["dimensions"].values():
        assert sum(r["delta_cents"] for r in rows) == 200
