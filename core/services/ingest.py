"""PLACEHOLDER - replaced by the front-door work (issue 5)."""


class IngestService:
    def __init__(self, storage, clock) -> None:
        self.storage, self.clock = storage, clock
