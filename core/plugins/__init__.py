"""The plugin system: hookspecs, the plugin-manager factory and the typed Engines facade."""
