"""HTTP: the Starlette app, settings, file transfer and the `stemma` command line."""

__version__ = "0.1.0"
