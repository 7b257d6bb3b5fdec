"""``python -m benchmarks.quality``: detection and forecast accuracy on a labelled corpus."""
