"""The plugin's private key/value store (capability `kv`). Without the grant every call
raises `PluginError` of kind `denied`."""

import json
from typing import Any, List, Optional

from .errors import PluginError, call_import

# The bindings exist only inside a component build (componentize-py generates them). They are
# imported when this module loads so that componentize-py's build-time snapshot holds them:
# the host gives plugins no filesystem to import from later. Outside a build (the build tool,
# plain unit tests) the helpers import but cannot be called.
try:
    from wit_world.imports import kv as _kv_import
except ImportError:  # outside a component
    pass


def _kv():
    return _kv_import


def get(key: str) -> Optional[bytes]:
    return call_import(_kv().get, key)


def get_text(key: str) -> Optional[str]:
    value = get(key)
    return None if value is None else value.decode("utf-8", errors="replace")


def get_json(key: str) -> Any:
    """The JSON value under `key`, or None; a value that is not JSON counts as absent."""
    value = get(key)
    if value is None:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return None


def set(key: str, value: bytes, ttl_seconds: Optional[int] = None) -> None:  # noqa: A001
    call_import(_kv().set, key, bytes(value), ttl_seconds)


def set_text(key: str, value: str, ttl_seconds: Optional[int] = None) -> None:
    set(key, value.encode("utf-8"), ttl_seconds)


def set_json(key: str, value: Any, ttl_seconds: Optional[int] = None) -> None:
    try:
        encoded = json.dumps(value).encode("utf-8")
    except (TypeError, ValueError) as err:
        raise PluginError.internal(f"cannot store {key!r} as JSON: {err}") from None
    set(key, encoded, ttl_seconds)


def delete(key: str) -> None:
    call_import(_kv().delete, key)


def list_keys(prefix: str = "", limit: int = 100) -> List[str]:
    return call_import(_kv().list_keys, prefix, limit)


def increment(key: str, by: int = 1) -> int:
    """Adds `by` to the integer under `key` (0 when absent) and returns the new value.
    Not atomic across concurrent calls."""
    current = get_json(key)
    value = (current if isinstance(current, int) else 0) + by
    set_json(key, value)
    return value
