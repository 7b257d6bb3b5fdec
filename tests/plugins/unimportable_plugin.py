"""A plugin module whose import raises, as a broken installed package would."""

raise RuntimeError("this plugin cannot be imported")
