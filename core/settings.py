"""Engine thresholds and limits: the original's constants as overridable defaults.

A plain pydantic model (the core does not read the environment); the composition root fills it
from ``COSTSIGHT_*`` variables.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class EngineSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # anomaly: absolute spike
    spike_threshold_ratio: float = 1.40
    spike_consecutive_days: int = 2
    spike_lookback_days: int = 14
    spike_baseline_end_offset_days: int = 2
    breach_streak_lookback_days: int = 7
    # anomaly: sustained drift
    drift_threshold_ratio: float = 1.25
    drift_days_required: int = 3
    drift_rolling_days: int = 7
    drift_baseline_first_offset_days: int = 28
    drift_baseline_last_offset_days: int = 8
    #: a drift day needs the rolling mean this many standard errors of the baseline's daily
    #: variability above the baseline (core/engines/noise.py); 0 turns the noise gate off
    drift_min_z: float = Field(3.0, ge=0)
    #: a breach day at or above this ratio fires on its own (no second consecutive day):
    #: the two-day confirmation guards marginal ratios, not a doubling
    spike_immediate_ratio: float = 2.0
    #: a spike breach must also be this many standard deviations of the entity's baseline
    #: days above their mean (core/engines/noise.py); 0 turns the noise gate off
    spike_min_z: float = Field(3.0, ge=0)
    # anomaly: seasonality (COSTSIGHT_ENGINE__SEASONAL_BASELINES=0 turns it off)
    #: spike and drift baselines account for the day of the week once the tenant has this
    #: much history (see core/engines/seasonal.py)
    seasonal_baselines: bool = True
    seasonal_min_history_days: int = Field(21, ge=14)
    #: same-weekday days a seasonal spike baseline looks back over (7, 14, ... days ago)
    seasonal_weeks: int = Field(4, ge=1, le=8)
    # anomaly: budgets and severity
    budget_high_usage_pct: float = 90.0
    severity_high_pct: float = 40.0
    severity_medium_pct: float = 25.0
    severity_low_pct: float = 15.0
    # derived causes
    cause_retry_growth: float = 1.5
    cause_prompt_growth: float = 1.3
    cause_feature_share: float = 0.6
    cause_traffic_growth: float = 1.3
    # prediction
    prediction_lookback_days: int = 7
    failure_confidence_threshold: float = 0.5
    failure_confidence_scale: float = 1.5
    cost_overrun_threshold_pct: float = 30.0
    cost_overrun_confidence_cap: float = 0.95
    cost_trend_recent_runs: int = 3
    cost_trend_min_runs: int = 3
    prediction_validity_hours: int = 24
    prediction_cost_runs_per_worker: int = 200
    failure_samples_per_worker: int = 5
    #: a budget_breach prediction is emitted when a budget's projected probability of
    #: exceeding its limit reaches this (0..1); its confidence is that probability
    budget_breach_probability_threshold: float = Field(0.5, ge=0.0, le=1.0)
    # forecasts
    #: days of daily history a forecast reads (before today)
    forecast_history_days: int = Field(91, ge=1, le=3660)
    #: forecast days from today; 0: to the end of this month (always at most 90)
    forecast_horizon_days: int = Field(0, ge=0, le=90)
    #: simulated paths behind each budget projection, and their seed
    forecast_paths: int = Field(1000, ge=10, le=100_000)
    forecast_seed: int = 13
    # patterns
    failure_pattern_threshold: int = 3
    failure_pattern_window_hours: int = 24
    failure_pattern_max_runs: int = Field(10_000, ge=1)
    cost_spike_threshold_pct: float = 50.0
    cost_spike_min_runs: int = 5
    cost_spike_runs_per_worker: int = 50
    cost_spike_lookback_days: int = 30
    # plugins: names are built-in module names or entry-point names
    #: blocked plugins; a plugin named here never loads, even if also allowed
    disabled_plugins: tuple[str, ...] = ()
    #: the allow-list: when not None only these plugins load (an empty tuple loads none)
    enabled_plugins: tuple[str, ...] | None = None
