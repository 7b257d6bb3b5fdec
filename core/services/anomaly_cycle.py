"""PLACEHOLDER - replaced by the engines work (issue 3)."""


class AnomalyCycle:
    def __init__(self, storage, clock, settings, engines) -> None:
        self.storage, self.clock, self.settings, self.engines = storage, clock, settings, engines
