"""Plugin objects for the loading tests (loaded through faked entry points)."""

from __future__ import annotations

import types

from costsight.core.plugins import hookimpl


@hookimpl
def costsight_register_everything(register: object) -> None:
    """A hook no specification defines."""


unknown_hook = types.SimpleNamespace(costsight_register_everything=costsight_register_everything)
