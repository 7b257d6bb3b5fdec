"""Pricing cost records from token counts: price entries, the cost of one call, resolution."""
