"""What a plugin registers: the engine protocols.

Engines are pure and synchronous: they read a context (data the service fetched through the
ports) and return findings; they never touch storage, the clock or the network. ``name`` must be
unique per kind; ``order`` sorts engines of one kind (ties by name), so output is deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from costsight.core.domain.patterns import NewPatternFeedback
    from costsight.core.domain.predictions import NewPrediction
    from costsight.core.engines.contexts import (
        AnomalyContext,
        CauseEvidence,
        PatternContext,
        PredictionContext,
    )
    from costsight.core.engines.findings import AnomalyFindings
    from costsight.core.engines.forecasting import ForecastInput, ForecastResult


@runtime_checkable
class AnomalyDetector(Protocol):
    """Finds cost anomalies, and the breach / drift state the service must persist."""

    @property
    def name(self) -> str: ...

    @property
    def order(self) -> int: ...

    def detect(self, context: AnomalyContext) -> AnomalyFindings:
        """Findings for ``context.tenant_id`` as of ``context.as_of``; causes are left at
        ``UNKNOWN`` for the facade's cause post-pass."""
        ...


@runtime_checkable
class Predictor(Protocol):
    """Emits advisory predictions about workers."""

    @property
    def name(self) -> str: ...

    @property
    def order(self) -> int: ...

    def predict(self, context: PredictionContext) -> Sequence[NewPrediction]:
        """Predictions for ``context.tenant_id`` as of ``context.as_of``."""
        ...


@runtime_checkable
class PatternDetector(Protocol):
    """Finds repeated patterns in worker runs and describes them as advisory feedback."""

    @property
    def name(self) -> str: ...

    @property
    def order(self) -> int: ...

    def detect(self, context: PatternContext) -> Sequence[NewPatternFeedback]:
        """Feedback for ``context.tenant_id`` as of ``context.as_of``."""
        ...


@runtime_checkable
class CauseDeriver(Protocol):
    """Names the likely cause of a spike or drift anomaly from its entity's evidence.

    The engines facade tries derivers by ascending ``order`` after the detectors ran; the first
    one that returns a cause wins (built-ins: 100 RETRY_LOOP, 200 PROMPT_GROWTH,
    300 FEATURE_SURGE, 400 TRAFFIC_GROWTH; ``UNKNOWN`` when none matches)."""

    @property
    def name(self) -> str: ...

    @property
    def order(self) -> int: ...

    def derive(self, evidence: CauseEvidence) -> str | None:
        """An uppercase cause name (at most 32 characters), or None when it does not apply."""
        ...


@runtime_checkable
class Forecaster(Protocol):
    """Forecasts one daily spend series with 80% / 95% prediction intervals.

    The forecast cycle tries forecasters by ascending ``order`` (built-in: 1000, exponential
    smoothing); the first one that returns a result wins. Return None for a series you do
    not handle (too short, not your kind); never raise for ordinary data."""

    @property
    def name(self) -> str: ...

    @property
    def order(self) -> int: ...

    def forecast(self, series: ForecastInput) -> ForecastResult | None:
        """The forecast of ``series.horizon`` days after the last value (and
        ``series.paths`` simulated paths when asked), or None."""
        ...
