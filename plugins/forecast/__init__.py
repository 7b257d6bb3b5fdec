"""Built-in forecaster: daily spend by exponential smoothing (weekly Holt-Winters, SES, mean)."""
