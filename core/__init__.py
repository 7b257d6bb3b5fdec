"""costsight core: domain models, ports, services and the plugin system.

The core imports only the standard library, pydantic, pluggy and anyio.
"""
