"""Log lines into the host's log, tagged with the plugin's id (always available)."""

# The bindings exist only inside a component build (componentize-py generates them). They are
# imported when this module loads so that componentize-py's build-time snapshot holds them:
# the host gives plugins no filesystem to import from later. Outside a build (the build tool,
# plain unit tests) the helpers import but cannot be called.
try:
    from wit_world.imports import log as _log_import
except ImportError:  # outside a component
    pass


def _log(level_name: str, message: str) -> None:
    _log_import.log(_log_import.Level[level_name], str(message))


def trace(message: str) -> None:
    _log("TRACE", message)


def debug(message: str) -> None:
    _log("DEBUG", message)


def info(message: str) -> None:
    _log("INFO", message)


def warn(message: str) -> None:
    _log("WARN", message)


def error(message: str) -> None:
    _log("ERROR", message)
