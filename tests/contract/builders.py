"""The contract builders now ship in costsight.testing; other suites keep importing them here."""

from costsight.testing.contract.builders import *  # noqa: F403
