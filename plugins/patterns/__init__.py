"""Built-in pattern detectors: repeated failure signatures and per-worker cost spikes."""
