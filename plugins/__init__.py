"""Built-in engine plugins, registered exactly like third-party ones (by module name)."""
