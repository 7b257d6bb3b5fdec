"""The in-memory adapter family: shipped fakes that behave like the SQL adapters.

``MemoryStorage()`` satisfies ``costsight.core.ports.Storage``; its units of work implement every
transactional port, and ``storage.leader`` the LeaderElectionPort port.
"""

from costsight.adapters.memory.leader_election import MemoryLeaderElection
from costsight.adapters.memory.storage import MemoryStorage, MemoryUnitOfWork

__all__ = ["MemoryLeaderElection", "MemoryStorage", "MemoryUnitOfWork"]
