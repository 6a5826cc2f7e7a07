"""Read-only catalog access (capability `catalog`)."""

from typing import List, Optional

from .entity import Descriptor
from .errors import PluginError, call_import

# The bindings exist only inside a component build (componentize-py generates them). They are
# imported when this module loads so that componentize-py's build-time snapshot holds them:
# the host gives plugins no filesystem to import from later. Outside a build (the build tool,
# plain unit tests) the helpers import but cannot be called.
try:
    from wit_world.imports import catalog as _catalog_import
    from wit_world.imports import portico_plugin_types as types
except ImportError:  # outside a component
    pass


def get_entity(ref: str) -> Optional[Descriptor]:
    """The entity `kind:namespace/name` (namespace defaults to `default`), or None."""

    kind, sep, rest = ref.partition(":")
    if not sep or not rest:
        raise PluginError.invalid_input(f"{ref!r} is not an entity ref like component:default/name")
    namespace, _, name = rest.rpartition("/")
    found = call_import(
        _catalog_import.get_entity, types.EntityRef(kind=kind, namespace=namespace or "default", name=name)
    )
    return None if found is None else Descriptor.parse(found)


def query(filter: str, limit: int = 100) -> List[Descriptor]:  # noqa: A002
    """Entities matching a catalog filter such as `kind=component,spec.type=service`."""

    return [Descriptor.parse(e) for e in call_import(_catalog_import.query_entities, filter, limit)]
