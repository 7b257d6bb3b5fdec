"""PLACEHOLDER - replaced by the MCP/statistics work (issue 4)."""


class StatisticsService:
    def __init__(self, storage, clock) -> None:
        self.storage, self.clock = storage, clock
