"""The application: storage, clock, settings, engines and the services built on them.

Built by the composition root (``costsight.bootstrap.bootstrap``) or directly by an
embedding engineer / a test with any Storage (for example ``MemoryStorage()``).
"""

from __future__ import annotations

from costsight.core.plugins.facade import Engines
from costsight.core.plugins.manager import build_plugin_manager
from costsight.core.ports import Storage
from costsight.core.services.anomaly_cycle import AnomalyCycle
from costsight.core.services.budget_status import BudgetStatusService
from costsight.core.services.detection_quality import DetectionQualityService
from costsight.core.services.forecast_cycle import ForecastCycle
from costsight.core.services.ingest import IngestService
from costsight.core.services.pattern_cycle import PatternCycle
from costsight.core.services.prediction_cycle import PredictionCycle
from costsight.core.services.queries import ReadQueries
from costsight.core.services.statistics import StatisticsService
from costsight.core.settings import EngineSettings
from costsight.core.timeutil import Clock, SystemClock


class Application:
    """Everything a driving adapter (CLI, MCP server, embedding code) needs."""

    def __init__(self, storage: Storage, *, clock: Clock | None = None,
                 settings: EngineSettings | None = None, engines: Engines | None = None,
                 load_entrypoints: bool = True) -> None:
        self.storage = storage
        self.clock = clock or SystemClock()
        self.settings = settings or EngineSettings()
        self.engines = engines or Engines(
            build_plugin_manager(self.settings, load_entrypoints=load_entrypoints))
        self.statistics = StatisticsService(storage, self.clock)
        self.budgets = BudgetStatusService(storage, self.clock)
        self.queries = ReadQueries(storage, self.clock)
        self.anomaly_cycle = AnomalyCycle(storage, self.clock, self.settings, self.engines)
        self.detection = DetectionQualityService(storage, self.clock)
        self.prediction_cycle = PredictionCycle(storage, self.clock, self.settings, self.engines)
        self.pattern_cycle = PatternCycle(storage, self.clock, self.settings, self.engines)
        self.forecast_cycle = ForecastCycle(storage, self.clock, self.settings, self.engines)
        self.ingest = IngestService(storage, self.clock)

    async def aclose(self) -> None:
        await self.storage.aclose()
