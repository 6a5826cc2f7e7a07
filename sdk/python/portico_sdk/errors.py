"""Plugin errors: raise `PluginError` anywhere; `@handler` turns it into the WIT
`plugin-error` the host shows to users (kind + actionable message)."""

import functools
import traceback

# The bindings exist only inside a component build (componentize-py generates them). They are
# imported when this module loads so that componentize-py's build-time snapshot holds them:
# the host gives plugins no filesystem to import from later. Outside a build (the build tool,
# plain unit tests) the helpers import but cannot be called.
try:
    from componentize_py_types import Err
    from wit_world.imports import portico_plugin_types as types
except ImportError:  # outside a component
    pass

KINDS = (
    "invalid-input",
    "not-found",
    "denied",
    "unavailable",
    "rate-limited",
    "timeout",
    "internal",
)


class PluginError(Exception):
    """An error with a kind the host understands. The message is shown to users."""

    def __init__(self, kind: str, message: str):
        if kind not in KINDS:
            raise ValueError(f"unknown error kind {kind!r}; use one of {', '.join(KINDS)}")
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message

    @classmethod
    def invalid_input(cls, message: str) -> "PluginError":
        return cls("invalid-input", message)

    @classmethod
    def not_found(cls, message: str) -> "PluginError":
        return cls("not-found", message)

    @classmethod
    def denied(cls, message: str) -> "PluginError":
        return cls("denied", message)

    @classmethod
    def unavailable(cls, message: str) -> "PluginError":
        return cls("unavailable", message)

    @classmethod
    def rate_limited(cls, message: str) -> "PluginError":
        return cls("rate-limited", message)

    @classmethod
    def timeout(cls, message: str) -> "PluginError":
        return cls("timeout", message)

    @classmethod
    def internal(cls, message: str) -> "PluginError":
        return cls("internal", message)

    def to_wit(self):
        """The `portico:plugin/types.plugin-error` value."""

        kind = types.ErrorKind[self.kind.upper().replace("-", "_")]
        return types.PluginError(kind=kind, message=self.message)


def from_wit(err) -> PluginError:
    """A `plugin-error` returned by a host import, as a `PluginError`."""

    value = err.value if isinstance(err, Err) else err
    kind = value.kind.name.lower().replace("_", "-")
    return PluginError(kind, value.message)


def call_import(fn, *args):
    """Calls a host import, raising its `plugin-error` as `PluginError`."""

    try:
        return fn(*args)
    except Err as err:
        raise from_wit(err) from None


def handler(method):
    """Decorates an exported method that returns `result<_, plugin-error>`: a raised
    `PluginError` becomes the error result; any other exception becomes an `internal` error
    with its message (the traceback goes to stderr, which the host logs), instead of a trap."""

    @functools.wraps(method)
    def wrapper(*args, **kwargs):

        try:
            return method(*args, **kwargs)
        except PluginError as err:
            raise Err(err.to_wit()) from None
        except Err:
            raise
        except Exception as err:  # noqa: BLE001 - report any bug as `internal`, not a trap
            traceback.print_exc()
            raise Err(PluginError.internal(f"{type(err).__name__}: {err}").to_wit()) from None

    return wrapper
