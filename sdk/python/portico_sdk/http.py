"""Outgoing HTTP in an ordinary request style, over the `wasi:http/outgoing-handler` import
(capability `http` with host patterns).

    status = http.get("https://status.example.com/api/payments", timeout=2).json()

Every failure is a `PluginError` of the right kind: a host that was not granted → `denied`
naming the host; 401/403 → `denied`; 404/410 → `not-found`; 429 → `rate-limited` (saying
when to retry); 5xx → `unavailable`; timeouts → `timeout`. Only `Response.raise_for_status()`
(called by `json()`) turns statuses into errors, so a plugin can inspect any response.
"""

import json as jsonlib
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import urlsplit

from .errors import PluginError

# The bindings exist only inside a component build (componentize-py generates them). They are
# imported when this module loads so that componentize-py's build-time snapshot holds them:
# the host gives plugins no filesystem to import from later. Outside a build (the build tool,
# plain unit tests) the helpers import but cannot be called.
try:
    from componentize_py_types import Err, Ok
    from wit_world.imports import outgoing_handler, streams
    from wit_world.imports import wasi_http_types as ht
except ImportError:  # outside a component
    pass

DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024
_CHUNK = 4096


class Response:
    def __init__(self, url: str, status: int, headers: List[Tuple[str, str]], body: bytes):
        self.url = url
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name: str) -> Optional[str]:
        name = name.lower()
        return next((v for k, v in self.headers if k == name), None)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body decoded as JSON after `raise_for_status()`; an undecodable body is
        `unavailable` (the service answered something unexpected)."""
        self.raise_for_status()
        try:
            return jsonlib.loads(self.body)
        except ValueError as err:
            raise PluginError.unavailable(f"unexpected JSON from {self.url}: {err}") from None

    def raise_for_status(self) -> "Response":
        err = status_error(self)
        if err is not None:
            raise err
        return self


def get(url: str, **kwargs) -> Response:
    return request("GET", url, **kwargs)


def post(url: str, **kwargs) -> Response:
    return request("POST", url, **kwargs)


def put(url: str, **kwargs) -> Response:
    return request("PUT", url, **kwargs)


def delete(url: str, **kwargs) -> Response:
    return request("DELETE", url, **kwargs)


def request(
    method: str,
    url: str,
    *,
    headers: Optional[Dict[str, str]] = None,
    body: Optional[bytes] = None,
    json: Any = None,
    bearer: Optional[str] = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
) -> Response:
    """Sends a request and reads the whole response, whatever its status.

    `timeout` (seconds) applies to connecting, to the first byte and to each pause between
    bytes; the host's call deadline bounds the whole call anyway."""

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PluginError.invalid_input(f"{url!r} is not an absolute http(s) URL")
    header_list = [(k.lower(), str(v).encode("utf-8")) for k, v in (headers or {}).items()]
    if bearer is not None:
        header_list.append(("authorization", f"Bearer {bearer}".encode("utf-8")))
    if json is not None:
        body = jsonlib.dumps(json).encode("utf-8")
        header_list.append(("content-type", b"application/json"))
    if not any(k == "accept" for k, _ in header_list):
        header_list.append(("accept", b"application/json, */*"))
    try:
        fields = ht.Fields.from_list(header_list)
    except Err as err:
        raise PluginError.invalid_input(f"invalid request header for {url}: {err.value}") from None

    outgoing = ht.OutgoingRequest(fields)
    outgoing.set_method(_method(ht, method))
    outgoing.set_scheme(ht.Scheme_Https() if parts.scheme == "https" else ht.Scheme_Http())
    outgoing.set_authority(parts.netloc)
    outgoing.set_path_with_query((parts.path or "/") + (f"?{parts.query}" if parts.query else ""))
    options = ht.RequestOptions()
    nanos = int(timeout * 1_000_000_000)
    options.set_connect_timeout(nanos)
    options.set_first_byte_timeout(nanos)
    options.set_between_bytes_timeout(nanos)

    outgoing_body = outgoing.body()
    try:
        future = outgoing_handler.handle(outgoing, options)
    except Err as err:
        raise transport_error(err.value, url) from None
    _write_body(ht, outgoing_body, body or b"", url)

    with future:
        with future.subscribe() as pollable:
            pollable.block()
        result = future.get()
    if result is None:
        raise PluginError.internal(f"HTTP request to {url}: no response after waiting")
    inner = result.value if isinstance(result, Ok) else None
    if inner is None:
        raise PluginError.internal(f"HTTP request to {url}: the response was already taken")
    if isinstance(inner, Err):
        raise transport_error(inner.value, url)
    incoming = inner.value if isinstance(inner, Ok) else inner
    with incoming:
        status = incoming.status()
        with incoming.headers() as fields:
            response_headers = [
                (k.lower(), v.decode("utf-8", errors="replace")) for k, v in fields.entries()
            ]
        data = _read_body(incoming, url, max_response_bytes)
    return Response(url, status, response_headers, data)


def _method(ht, method: str):
    known = {
        "GET": ht.Method_Get,
        "HEAD": ht.Method_Head,
        "POST": ht.Method_Post,
        "PUT": ht.Method_Put,
        "PATCH": ht.Method_Patch,
        "DELETE": ht.Method_Delete,
        "OPTIONS": ht.Method_Options,
    }
    cls = known.get(method.upper())
    return cls() if cls else ht.Method_Other(method.upper())


def _write_body(ht, outgoing_body, data: bytes, url: str) -> None:

    try:
        with outgoing_body.write() as stream:
            for start in range(0, len(data), _CHUNK):
                stream.blocking_write_and_flush(data[start : start + _CHUNK])
        ht.OutgoingBody.finish(outgoing_body, None)
    except Err as err:
        # A refused request closes the body stream; the response future carries the reason.
        if data:
            raise PluginError.unavailable(f"cannot send the request body to {url}: {err.value}") from None


def _read_body(incoming, url: str, limit: int) -> bytes:

    chunks = []
    size = 0
    with incoming.consume() as body:
        with body.stream() as stream:
            while True:
                try:
                    chunk = stream.blocking_read(65536)
                except Err as err:
                    if isinstance(err.value, streams.StreamError_Closed):
                        break
                    raise PluginError.unavailable(f"reading the response from {url} failed") from None
                size += len(chunk)
                if size > limit:
                    raise PluginError.unavailable(
                        f"the response from {url} is larger than {limit} bytes"
                    )
                chunks.append(chunk)
    return b"".join(chunks)


def _retry_hint(response: Response) -> Optional[str]:
    retry_after = response.header("retry-after")
    if retry_after:
        value = retry_after.strip()
        if value.isdigit():
            return f"retry after {value} seconds (Retry-After: {value})"
        return f"retry after {value} (Retry-After)"
    reset = response.header("x-ratelimit-reset")
    if reset:
        return f"the rate limit resets at {reset.strip()} (x-ratelimit-reset, Unix seconds)"
    return None


def _excerpt(body: bytes) -> str:
    text = " ".join(body[:800].decode("utf-8", errors="replace").split())
    if not text:
        return ""
    return f" ({text[:200]}{'…' if len(text) > 200 else ''})"


def status_error(response: Response) -> Optional[PluginError]:
    """The error for a non-2xx response (same rules as the Rust SDK), None for 2xx."""
    status = response.status
    if 200 <= status < 300:
        return None
    what = f"{response.url} answered {status}{_excerpt(response.body)}"
    retry = _retry_hint(response)
    if status == 429 or (status == 403 and response.header("x-ratelimit-remaining") == "0"):
        return PluginError.rate_limited(f"{what}; {retry or 'retry later'}")
    if status == 401:
        return PluginError.denied(
            f"{what}: the credentials were missing or rejected; check the token secret"
        )
    if status == 403:
        return PluginError.denied(f"{what}: the credentials lack permission")
    if status in (404, 410):
        return PluginError.not_found(what)
    if status == 408:
        return PluginError.timeout(what)
    if 500 <= status < 600:
        return PluginError.unavailable(f"{what}; {retry}" if retry else what)
    if 300 <= status < 400:
        location = response.header("location") or "(no location)"
        return PluginError.unavailable(f"{what}: redirect to {location} not followed")
    return PluginError.invalid_input(what)


def transport_error(code, url: str) -> PluginError:
    """The error for a `wasi:http` error-code (host denial, DNS, TLS, timeouts...)."""
    host = urlsplit(url).netloc or url
    name = type(code).__name__.replace("ErrorCode_", "")
    if name == "HttpRequestDenied":
        return PluginError.denied(
            f"the portal denied the HTTP request to {host}: the plugin's `http` capability does "
            f"not cover {host} (ask an admin to grant it)"
        )
    if name == "DestinationIpProhibited":
        return PluginError.denied(
            f"the portal refused to connect to {host}: its address is not allowed by the egress "
            "policy (loopback, link-local and metadata addresses need an explicit grant)"
        )
    if name in (
        "DnsTimeout",
        "ConnectionTimeout",
        "ConnectionReadTimeout",
        "ConnectionWriteTimeout",
        "HttpResponseTimeout",
    ):
        return PluginError.timeout(f"HTTP request to {host} timed out ({name})")
    if name.startswith("HttpRequest"):
        return PluginError.invalid_input(f"HTTP request to {url} is invalid ({name})")
    return PluginError.unavailable(f"HTTP request to {host} failed ({name})")
