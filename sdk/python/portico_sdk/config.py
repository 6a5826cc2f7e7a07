"""The plugin's configuration: JSON validated by the host against the manifest's schema."""

import json
from typing import Any

from .errors import PluginError

# The bindings exist only inside a component build (componentize-py generates them). They are
# imported when this module loads so that componentize-py's build-time snapshot holds them:
# the host gives plugins no filesystem to import from later. Outside a build (the build tool,
# plain unit tests) the helpers import but cannot be called.
try:
    from wit_world.imports import config as _config_import
except ImportError:  # outside a component
    pass


def get() -> dict:
    """The whole configuration (`{}` when none is set)."""
    text = _config_import.get()
    try:
        value = json.loads(text) if text else {}
    except ValueError as err:
        raise PluginError.internal(f"the host sent configuration that is not JSON: {err}") from None
    return value if isinstance(value, dict) else {}


def value(key: str, default: Any = None) -> Any:
    """One top-level key of the configuration."""
    return get().get(key, default)
