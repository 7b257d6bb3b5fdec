"""The contract seed now ships in costsight.testing; other suites keep importing it here."""

from costsight.testing.contract.seed import *  # noqa: F403
