"""Scoring: findings matched to labelled incidents, forecasts to realised spend.

Matching rule (by incident, per tenant; spike and drift anomalies of any entity of the tenant,
collapsed to one finding per detector and day; budget anomalies are not scored here):
- an incident is DETECTED when a finding falls in its detection window: spike and retry storm
  [onset, onset + 1] (the day itself or the next), step and model switch [onset, onset + 7],
  drift [onset, onset + 28]; the delay is the first such day minus the onset;
- a finding is a TRUE POSITIVE when it falls in the effect window of its tenant's incident,
  which is as long as the incident moves that detector's windows: for the spike detector
  spike and retry storm [onset, onset + 1], step, model switch and budget step
  [onset, onset + 14] (the 14-day baseline has absorbed the new level by then); for the drift
  detector spike and retry storm [onset, onset + 7] (the day sits in the 7-day rolling
  average), step, model switch and budget step [onset, onset + 28] (the drift baseline ends
  8 days back and is 21 days long); drifts from the onset to the end for both. Every other
  finding (all of those on quiet tenants) is a false positive.
Findings count from day ``EVAL_FIRST`` on.
"""

from __future__ import annotations

import statistics
from typing import Any

from benchmarks.quality.corpus import EVAL_FIRST, SPIKE_SIZES, STEP_SIZES, Incident
from benchmarks.quality.run import TenantRun

DETECTORS = {"ABSOLUTE_SPIKE": "spike", "SUSTAINED_DRIFT": "drift"}
DETECT = {"spike": 1, "retry_storm": 1, "step": 7, "model_switch": 7, "drift": 28,
          "budget": 7}
EFFECT = {
    "spike": {"spike": 1, "retry_storm": 1, "step": 14, "model_switch": 14, "drift": 10_000,
              "budget": 14},
    "drift": {"spike": 7, "retry_storm": 7, "step": 28, "model_switch": 28, "drift": 10_000,
              "budget": 28},
}
CAUSES = {"retry_storm": "RETRY_LOOP", "model_switch": "MODEL_SWITCH"}


def r4(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def events(run: TenantRun, entity_type: str | None = None) -> set[tuple[str, int]]:
    return {(DETECTORS[t], day) for day, t, et, _, _ in run.findings
            if t in DETECTORS and day >= EVAL_FIRST and entity_type in (None, et)}


def in_window(incident: Incident | None, day: int, width: dict[str, int]) -> bool:
    return incident is not None and incident.onset <= day <= incident.onset + width[
        incident.kind]


def score(runs: list[TenantRun]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    tp = {"spike": 0, "drift": 0}
    fp = {"spike": 0, "drift": 0}
    quiet = 0
    for run in runs:
        incident = run.scenario.incident
        for detector, day in events(run):
            if in_window(incident, day, EFFECT[detector]):
                tp[detector] += 1
            else:
                fp[detector] += 1
                quiet += incident is None
    for detector in ("spike", "drift"):
        total = tp[detector] + fp[detector]
        out[f"{detector}.findings"] = total
        out[f"{detector}.precision"] = r4(tp[detector] / total) if total else None
    out["quiet.findings"] = quiet
    for entity_type in ("tenant", "user", "feature"):
        # the same scoring restricted to anomalies about one kind of entity
        t = f = 0
        for run in runs:
            for detector, day in events(run, entity_type):
                if detector != "spike":
                    continue
                if in_window(run.scenario.incident, day, EFFECT[detector]):
                    t += 1
                else:
                    f += 1
        out[f"spike.precision.{entity_type}"] = r4(t / (t + f)) if t + f else None
        out[f"quiet.findings.{entity_type}"] = sum(
            len(events(run, entity_type)) for run in runs if run.scenario.incident is None)
    out["quiet.tenants"] = sum(1 for r in runs if r.scenario.incident is None)

    def recall(kind: str, sizes: tuple[float, ...] | None, detectors: set[str],
               key: str) -> None:
        found, delays, n = 0, [], 0
        for run in runs:
            i = run.scenario.incident
            if i is None or i.kind != kind or (sizes is not None and i.size not in sizes):
                continue
            n += 1
            days = sorted(d for det, d in events(run) if det in detectors
                          and in_window(i, d, DETECT))
            if days:
                found += 1
                delays.append(days[0] - i.onset)
        out[f"{key}.incidents"] = n
        out[f"{key}.recall"] = r4(found / n) if n else None
        out[f"{key}.delay_days"] = r4(statistics.mean(delays)) if delays else None

    both = {"spike", "drift"}
    recall("spike", tuple(s for s in SPIKE_SIZES if s >= 2.0), {"spike"}, "spike")
    for size in SPIKE_SIZES:
        recall("spike", (size,), {"spike"}, f"spike_{size:g}x")
    recall("step", tuple(s for s in STEP_SIZES if s >= 1.5), both, "step")
    for size in STEP_SIZES:
        recall("step", (size,), both, f"step_{size:g}x")
    recall("drift", None, both, "drift")
    recall("retry_storm", None, both, "retry_storm")
    recall("model_switch", None, both, "model_switch")
    for detector in ("spike",):
        p, r = out[f"{detector}.precision"], out[f"{detector}.recall"]
        out[f"{detector}.f1"] = r4(2 * p * r / (p + r)) if p and r else None
    out.update(causes(runs))
    out.update(forecast(runs))
    out.update(budgets(runs))
    return out


def causes(runs: list[TenantRun]) -> dict[str, Any]:
    """Share of retry storms / model switches whose first tenant finding in the detection
    window carries the expected cause."""
    out: dict[str, Any] = {}
    for kind, cause in CAUSES.items():
        hits, n = 0, 0
        for run in runs:
            i = run.scenario.incident
            if i is None or i.kind != kind:
                continue
            n += 1
            firsts = sorted((day, c) for day, t, et, _, c in run.findings
                            if et == "tenant" and t in DETECTORS and in_window(i, day, DETECT))
            hits += bool(firsts) and firsts[0][1] == cause
        out[f"cause.{kind}"] = r4(hits / n) if n else None
    return out


def forecast(runs: list[TenantRun]) -> dict[str, Any]:
    days = [d for run in runs for d in run.forecast_days]
    if not days:
        return {"forecast.days": 0, "forecast.coverage_80": None,
                "forecast.coverage_95": None, "forecast.mape": None}
    c80 = sum(1 for a, _, l80, h80, _, _ in days if l80 <= a <= h80) / len(days)
    c95 = sum(1 for a, _, _, _, l95, h95 in days if l95 <= a <= h95) / len(days)
    ape = [abs(a - p) / a for a, p, *_ in days if a > 0]
    return {"forecast.days": len(days), "forecast.coverage_80": r4(c80),
            "forecast.coverage_95": r4(c95), "forecast.mape": r4(statistics.mean(ape))}


def budgets(runs: list[TenantRun]) -> dict[str, Any]:
    leads: list[int] = []
    breaches = ahead3 = missed = 0
    false_alarms = 0
    for run in runs:
        if run.scenario.budget_cents is None:
            continue
        if run.breach_day is None:
            false_alarms += run.first_prediction is not None
            continue
        breaches += 1
        if run.first_prediction is None or run.first_prediction > run.breach_day:
            missed += 1
            continue
        lead = run.breach_day - run.first_prediction
        leads.append(lead)
        ahead3 += lead >= 3
    return {"budget_breach.breaches": breaches,
            "budget_breach.lead_days": r4(statistics.median(leads)) if leads else None,
            "budget_breach.predicted_3d_ahead": r4(ahead3 / breaches) if breaches else None,
            "budget_breach.missed": missed,
            "budget_breach.false_alarms": false_alarms}
