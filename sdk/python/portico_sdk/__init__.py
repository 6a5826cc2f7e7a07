"""Portico plugin SDK for Python (componentize-py).

Helpers over the `portico:plugin@0.1.0` bindings that componentize-py generates from the
WIT at build time: entities, HTTP in an ordinary request style (over `wasi:http`), kv,
secrets, config, catalog, logs and errors. Build and pack with `python -m portico_sdk.build`.
"""

from .errors import PluginError, handler

__all__ = ["PluginError", "handler"]
__version__ = "0.1.0"
