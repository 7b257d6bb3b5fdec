"""``costsight detect`` stores and prints each tenant's forecast (``--json`` key ``forecasts``)."""

from __future__ import annotations

from pathlib import Path

from tests.ingest.lines import good_lines, jsonl

AS_OF = "2026-01-06T12:00:00+00:00"  # the day after good_lines' three records of 0.125


def test_detect_json_has_the_forecasts_and_a_re_run_gives_the_same(cli, tmp_path: Path) -> None:
    path = tmp_path / "good.jsonl"
    path.write_bytes(jsonl(good_lines()))
    assert cli("ingest", str(path)).code == 0
    result = cli("detect", "--as-of", AS_OF, "--json")
    assert result.code == 0, result.err
    [forecast] = result.json()["forecasts"]
    assert {k: forecast[k] for k in ("tenant_id", "generated_at", "start_day", "horizon_days",
                                     "series", "methods", "tenant_forecast_cents")} == {
        "tenant_id": "t1", "generated_at": "2026-01-06T12:00:00Z", "start_day": "2026-01-06",
        "horizon_days": 26, "series": 3, "methods": {"mean": 3},
        "tenant_forecast_cents": 9.75}  # 0.375 a day (the one day of history) to Jan 31
    [projection] = forecast["projections"]
    assert {k: projection[k] for k in ("budget_type", "entity_id", "period", "period_end",
                                       "limit_cents", "spent_cents", "probability_exceed",
                                       "breach_date")} == {
        "budget_type": "feature", "entity_id": "support.reply", "period": "daily",
        "period_end": "2026-01-06", "limit_cents": 500, "spent_cents": 0,
        "probability_exceed": 0.0, "breach_date": None}
    assert cli("detect", "--as-of", AS_OF, "--json").json()["forecasts"] == [forecast]
    human = cli("detect", "--as-of", AS_OF)
    assert human.code == 0 and "Forecasts" in human.out and "mean 3" in human.out
