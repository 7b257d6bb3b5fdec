"""Built-in cost-anomaly plugins: absolute spike, sustained drift, budgets, cause derivation."""
