"""Statements built once per shape and kept: building a large SELECT and deriving its cache key
costs SQLAlchemy more Python than the database spends running it (about 3 ms of a 4 ms
rollup read), so the hot reads keep the statement object itself and bind new values at
execution (``rollup_source.Spend.params``). A kept statement carries every value its key does
not name as a constant; the key must name every input that changes its text or constants.

Bounded (least recently used out first), per process; a statement object is immutable and
dialect-neutral until compiled, and its compiled form is cached per engine by SQLAlchemy.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

#: Kept statements at most (a key per read kind, window shape, resolution, filter set, ...).
SIZE = 512


class StatementCache:
    def __init__(self, size: int = SIZE) -> None:
        self._size = size
        self._kept: OrderedDict[Hashable, Any] = OrderedDict()

    def get(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """The statement kept for ``key``, built by ``build()`` the first time."""
        kept = self._kept
        if key in kept:
            kept.move_to_end(key)
            return kept[key]
        statement = kept[key] = build()
        if len(kept) > self._size:
            kept.popitem(last=False)
        return statement

    def __len__(self) -> int:
        return len(self._kept)


#: The SQL adapters' statements, shared by every storage of the process.
STATEMENTS = StatementCache()
