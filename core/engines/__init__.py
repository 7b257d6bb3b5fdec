"""Engine types for plugin authors: contexts in, findings out, and pure helpers.

A plugin module implements hooks from ``costsight.core.plugins.hookspecs`` with ``costsight.core.plugins.hookimpl``
and registers objects satisfying the protocols below.
"""

from costsight.core.engines.contexts import (
    AnomalyContext,
    CauseEvidence,
    PatternContext,
    PredictionContext,
    runs_by_worker,
)
from costsight.core.engines.findings import AnomalyFindings
from costsight.core.engines.forecasting import ForecastInput, ForecastResult
from costsight.core.engines.protocols import (
    AnomalyDetector,
    CauseDeriver,
    Forecaster,
    PatternDetector,
    Predictor,
)
from costsight.core.engines.usage_index import EntityKey

__all__ = [
    "AnomalyContext", "AnomalyDetector", "AnomalyFindings", "CauseDeriver", "CauseEvidence",
    "EntityKey", "ForecastInput", "ForecastResult", "Forecaster", "PatternContext",
    "PatternDetector", "PredictionContext", "Predictor", "runs_by_worker",
]
