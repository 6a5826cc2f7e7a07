"""Named secrets (capability `secrets` with the names). Values never appear in logs unless
the plugin prints them."""

from .errors import call_import

# The bindings exist only inside a component build (componentize-py generates them). They are
# imported when this module loads so that componentize-py's build-time snapshot holds them:
# the host gives plugins no filesystem to import from later. Outside a build (the build tool,
# plain unit tests) the helpers import but cannot be called.
try:
    from wit_world.imports import secrets as _secrets_import
except ImportError:  # outside a component
    pass


def get(name: str) -> str:
    """The secret's value; `PluginError` (`denied` or `not-found`) otherwise."""

    return call_import(_secrets_import.get, name)
