"""returnbot: the shells (Telegram, console, storage, importers, configuration, command line)."""

__version__ = "0.1.0"
