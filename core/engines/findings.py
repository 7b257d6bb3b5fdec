"""What anomaly detectors return: anomalies plus the detector state to persist."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from costsight.core.domain.anomalies import Breach, DetectedAnomaly, DriftTracker


@dataclass(frozen=True)
class AnomalyFindings:
    """Anomalies found, breach days to record, and drift trackers to save (all immutable)."""

    anomalies: tuple[DetectedAnomaly, ...] = ()
    breaches: tuple[Breach, ...] = ()
    drift_trackers: tuple[DriftTracker, ...] = ()

    @staticmethod
    def merge(parts: Iterable[AnomalyFindings]) -> AnomalyFindings:
        """Concatenate findings, keeping each part's order."""
        anomalies: list[DetectedAnomaly] = []
        breaches: list[Breach] = []
        trackers: list[DriftTracker] = []
        for part in parts:
            anomalies.extend(part.anomalies)
            breaches.extend(part.breaches)
            trackers.extend(part.drift_trackers)
        return AnomalyFindings(tuple(anomalies), tuple(breaches), tuple(trackers))

    @property
    def empty(self) -> bool:
        return not (self.anomalies or self.breaches or self.drift_trackers)
