"""The OTLP/HTTP receiver (``costsight receive``): a driving adapter that turns OpenTelemetry
GenAI model-call spans into cost records through the cost-write port."""
