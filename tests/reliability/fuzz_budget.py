"""Run a hypothesis property for a bounded time: chunks of examples, one seed per chunk,
until the budget (``COSTSIGHT_FUZZ_SECONDS``, default 60) is spent.

Hypothesis has no time budget of its own. Each chunk is an ordinary hypothesis run with a
fixed seed, so a failure shrinks as usual and names the seed that reproduces it
(``@hypothesis.seed(N)``); CI explores new seeds as far as its budget allows, always starting
from seed 0 so that a run is repeatable on the same machine speed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import hypothesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FUZZ_SECONDS = float(os.environ.get("COSTSIGHT_FUZZ_SECONDS", "60"))


def fuzz_for(body: Callable[[Any], None], strategy: st.SearchStrategy[Any], *,
             seconds: float = FUZZ_SECONDS, chunk: int = 50) -> int:
    """Check ``body`` on values of ``strategy`` for about ``seconds``; examples tried."""
    tried = 0

    def counted(value: Any) -> None:
        nonlocal tried
        tried += 1
        body(value)

    deadline = time.monotonic() + seconds
    seed = 0
    while time.monotonic() < deadline:
        run = settings(max_examples=chunk, deadline=None, database=None, derandomize=False,
                       suppress_health_check=list(HealthCheck))(given(strategy)(counted))
        hypothesis.seed(seed)(run)()
        seed += 1
    return tried
