"""Built-in cause derivers, tried in this order (first match wins, else UNKNOWN).

When the anomaly's root-cause drivers are known (the cycle reads them), the first two answer
from the drivers alone: RETRY_LOOP only when retried calls carry the largest share of the delta
(more than first attempts), MODEL_SWITCH when a model new to the baseline carries most of it
while another model fell. The others compare the entity's usage today so far with the whole
of yesterday; a signal needs both days non-zero. Strict ``>`` comparisons, exact fractions.
1. RETRY_LOOP (100): drivers: retries lead the delta; without drivers: share of retried calls
   grew more than ``cause_retry_growth`` (1.5x).
   MODEL_SWITCH (150): drivers only (see ``core.engines.drivers.model_switch``).
2. PROMPT_GROWTH (200): average input tokens per call grew more than ``cause_prompt_growth``.
3. FEATURE_SURGE (300, tenant only): the top feature holds more than ``cause_feature_share``
   (0.6) of today's tagged spend.
4. TRAFFIC_GROWTH (400): the number of calls grew more than ``cause_traffic_growth`` (1.3x).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

from costsight.core.domain.anomalies import DailyUsage, DerivedCause, EntityType
from costsight.core.engines import CauseEvidence
from costsight.core.engines.drivers import model_switch, retries_lead
from costsight.core.engines.exact import above, as_fraction
from costsight.core.plugins import hookimpl


@lru_cache(maxsize=64)
def _setting(value: float) -> Fraction:
    """A configured growth factor or share, exactly (parsed once per value, not per entity)."""
    return as_fraction(value)


def _both(evidence: CauseEvidence,
          measure: Callable[[DailyUsage], Fraction]) -> tuple[Fraction, Fraction] | None:
    if evidence.today is None or evidence.yesterday is None:
        return None
    today, yesterday = measure(evidence.today), measure(evidence.yesterday)
    return (today, yesterday) if today and yesterday else None


def _retry_share(row: DailyUsage) -> Fraction:
    return Fraction(row.retries, row.requests) if row.requests else Fraction(0)


def _avg_input(row: DailyUsage) -> Fraction:
    return Fraction(row.input_tokens, row.requests) if row.requests else Fraction(0)


def _requests(row: DailyUsage) -> Fraction:
    return Fraction(row.requests)


@dataclass(frozen=True)
class GrowthCause:
    """A cause that fires when a per-day measure grew by more than a configured factor."""

    name: str
    order: int
    measure: Callable[[DailyUsage], Fraction]
    setting: str

    def derive(self, evidence: CauseEvidence) -> str | None:
        pair = _both(evidence, self.measure)
        threshold = _setting(getattr(evidence.settings, self.setting))
        if pair is not None and above(pair[0], pair[1], threshold):
            return self.name
        return None


@dataclass(frozen=True)
class RetryLoopCause:
    """RETRY_LOOP from the drivers when known, else from the growth of the retry share."""

    name: str = DerivedCause.RETRY_LOOP.value
    order: int = 100
    growth: GrowthCause = GrowthCause(DerivedCause.RETRY_LOOP.value, 100, _retry_share,
                                      "cause_retry_growth")

    def derive(self, evidence: CauseEvidence) -> str | None:
        if evidence.drivers is not None:
            return self.name if retries_lead(evidence.drivers) else None
        return self.growth.derive(evidence)


@dataclass(frozen=True)
class ModelSwitchCause:
    name: str = DerivedCause.MODEL_SWITCH.value
    order: int = 150

    def derive(self, evidence: CauseEvidence) -> str | None:
        if evidence.drivers is not None and model_switch(evidence.drivers):
            return self.name
        return None


@dataclass(frozen=True)
class FeatureSurgeCause:
    name: str = DerivedCause.FEATURE_SURGE.value
    order: int = 300

    def derive(self, evidence: CauseEvidence) -> str | None:
        if evidence.entity_type != EntityType.TENANT.value or not evidence.today_features:
            return None
        total = sum((row.spend_cents for row in evidence.today_features), start=Decimal(0))
        top = max(row.spend_cents for row in evidence.today_features)
        if total and top and above(top, total, _setting(evidence.settings.cause_feature_share)):
            return self.name
        return None


BUILTIN_CAUSES = (
    RetryLoopCause(),
    ModelSwitchCause(),
    GrowthCause(DerivedCause.PROMPT_GROWTH.value, 200, _avg_input, "cause_prompt_growth"),
    FeatureSurgeCause(),
    GrowthCause(DerivedCause.TRAFFIC_GROWTH.value, 400, _requests, "cause_traffic_growth"),
)


@hookimpl
def costsight_register_cause_derivers(register: Callable[[object], None]) -> None:
    for deriver in BUILTIN_CAUSES:
        register(deriver)
