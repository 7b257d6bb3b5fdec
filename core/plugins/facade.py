"""PLACEHOLDER - replaced by the engines work (issue 3)."""


class Engines:
    def __init__(self, pm: object) -> None:
        self.pm = pm
