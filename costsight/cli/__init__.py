"""The ``costsight`` command line: a driving adapter beside the MCP server."""
