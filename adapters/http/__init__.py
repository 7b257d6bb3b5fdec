"""Driven adapters over HTTP: the alert dispatcher's sender."""
