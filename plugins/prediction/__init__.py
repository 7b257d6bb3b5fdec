"""Built-in predictors: failure likelihood, cost overrun and budget breach (advisory, expiring)."""
