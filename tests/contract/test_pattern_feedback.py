"""Contract: PatternFeedbackPort (natural-key upsert, listing, acknowledgement, stats).

The tests live in costsight.testing.contract.test_pattern_feedback; this module runs them on memory,
SQLite and Postgres through the same entry point an out-of-tree adapter uses.
"""

from costsight.testing import contract_suite

contract_suite(globals(), modules=["pattern_feedback"])
