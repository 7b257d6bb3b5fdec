"""Built-in predictors: failure likelihood and cost overrun (advisory, expiring)."""
