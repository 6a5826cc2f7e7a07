//! Outgoing HTTP over the `wasi:http/outgoing-handler` import (capability `http`).
//!
//! ```ignore
//! let status: Status = http::get("https://status.example.com/api/payments")
//!     .bearer(&token)
//!     .timeout(Duration::from_secs(2))
//!     .fetch_json()?;
//! ```
//!
//! Every failure is a [`PluginError`] of the right kind: 401/403 → `denied`, 404 →
//! `not-found`, 429 → `rate-limited` (with `Retry-After` / `x-ratelimit-reset` in the
//! message), 5xx → `unavailable`, a host that was not granted → `denied` naming the host,
//! timeouts → `timeout`. Responses are capped ([`DEFAULT_MAX_RESPONSE_BYTES`] unless set).

use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::bindings::wasi::http::types::ErrorCode;
use crate::error::{PluginError, Result};

/// Responses larger than this fail unless [`Request::max_response_bytes`] says otherwise.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;
/// Default for [`Request::timeout`]: connect, first byte, and each pause between bytes.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// An HTTP method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    Get,
    Head,
    Post,
    Put,
    Patch,
    Delete,
    Other(String),
}

/// A request being built; finish it with [`send`](Request::send) or
/// [`fetch_json`](Request::fetch_json).
#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    pub timeout: Duration,
    pub max_response_bytes: usize,
}

/// A response with its whole body read.
#[derive(Debug, Clone)]
pub struct Response {
    pub url: String,
    pub status: u16,
    /// Header names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// `GET url`.
pub fn get(url: impl Into<String>) -> Request {
    Request::new(Method::Get, url)
}

/// `POST url`.
pub fn post(url: impl Into<String>) -> Request {
    Request::new(Method::Post, url)
}

/// Sends every request at once and reads every response: the results come back in the
/// order of `requests`, each with its own failure, as [`Request::send`] would give them.
/// Independent requests (several lists from one API, or one per cluster) then take about as
/// long as the slowest of them rather than the sum; each still has its own timeout and
/// response limit.
pub fn send_all(requests: Vec<Request>) -> Vec<Result<Response>> {
    wasi::send_all(requests)
}

impl Request {
    pub fn new(method: Method, url: impl Into<String>) -> Self {
        Request {
            method,
            url: url.into(),
            headers: Vec::new(),
            body: None,
            timeout: DEFAULT_TIMEOUT,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Adds `Authorization: Bearer <token>`.
    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", format!("Bearer {token}"))
    }

    /// Sets a raw body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// Sets a JSON body and `content-type: application/json`.
    pub fn json<T: Serialize + ?Sized>(self, value: &T) -> Result<Self> {
        let body = serde_json::to_vec(value)
            .map_err(|e| PluginError::internal(format!("cannot encode JSON body: {e}")))?;
        Ok(self.header("content-type", "application/json").body(body))
    }

    /// Timeout for connecting, for the first byte of the response, and for each pause
    /// between bytes; also bounds the wait for the response head.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Fails with `unavailable` when the response body is larger than this.
    pub fn max_response_bytes(mut self, max: usize) -> Self {
        self.max_response_bytes = max;
        self
    }

    /// Sends the request and reads the whole response, whatever its status.
    pub fn send(self) -> Result<Response> {
        wasi::send(self)
    }

    /// Sends the request and fails unless the status is 2xx (see [`status_error`]).
    pub fn send_ok(self) -> Result<Response> {
        self.send()?.error_for_status()
    }

    /// Sends the request with `accept: application/json`, fails unless the status is 2xx, and
    /// decodes the body.
    pub fn fetch_json<T: DeserializeOwned>(self) -> Result<T> {
        self.header("accept", "application/json").send_ok()?.json()
    }
}

impl Response {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }

    /// The body as UTF-8 text (invalid sequences replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body decoded as JSON; a body that does not decode is `unavailable` (the service
    /// answered something unexpected).
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| {
            PluginError::unavailable(format!("unexpected JSON from {}: {e}", self.url))
        })
    }

    /// `self` if the status is 2xx, otherwise the error [`status_error`] gives.
    pub fn error_for_status(self) -> Result<Self> {
        match status_error(self.status, &self.headers, &self.url, &self.body) {
            Some(e) => Err(e),
            None => Ok(self),
        }
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The error for a non-2xx response, `None` for 2xx.
///
/// | status | kind |
/// |---|---|
/// | 401, 403 | `denied` (403 with `x-ratelimit-remaining: 0` is `rate-limited`, as GitHub does) |
/// | 404, 410 | `not-found` |
/// | 408 | `timeout` |
/// | 429 | `rate-limited`, the message says when to retry |
/// | 5xx | `unavailable` (503 with `Retry-After` says when) |
/// | 3xx | `unavailable` (redirects are not followed), naming the `Location` |
/// | other 4xx | `invalid-input` |
pub fn status_error(
    status: u16,
    headers: &[(String, String)],
    url: &str,
    body: &[u8],
) -> Option<PluginError> {
    if (200..300).contains(&status) {
        return None;
    }
    let what = format!("{url} answered {status}{}", body_excerpt(body));
    let retry = retry_hint(headers);
    let rate_limited_403 = status == 403 && header(headers, "x-ratelimit-remaining") == Some("0");
    Some(match status {
        429 => PluginError::rate_limited(format!(
            "{what}; {}",
            retry.unwrap_or_else(|| "retry later".into())
        )),
        _ if rate_limited_403 => PluginError::rate_limited(format!(
            "{what}; {}",
            retry.unwrap_or_else(|| "retry later".into())
        )),
        401 => PluginError::denied(format!(
            "{what}: the credentials were missing or rejected; check the token secret"
        )),
        403 => PluginError::denied(format!("{what}: the credentials lack permission")),
        404 | 410 => PluginError::not_found(what),
        408 => PluginError::timeout(what),
        500..=599 => PluginError::unavailable(match retry {
            Some(r) => format!("{what}; {r}"),
            None => what,
        }),
        300..=399 => PluginError::unavailable(format!(
            "{what}: redirect to {} not followed",
            header(headers, "location").unwrap_or("(no location)")
        )),
        _ => PluginError::invalid_input(what),
    })
}

/// "retry after N seconds" from `Retry-After` (seconds or an HTTP date) or
/// `x-ratelimit-reset` (epoch seconds), if the response has either.
fn retry_hint(headers: &[(String, String)]) -> Option<String> {
    if let Some(v) = header(headers, "retry-after") {
        let v = v.trim();
        return Some(match v.parse::<u64>() {
            Ok(secs) => format!("retry after {secs} seconds (Retry-After: {v})"),
            Err(_) => format!("retry after {v} (Retry-After)"),
        });
    }
    header(headers, "x-ratelimit-reset").map(|v| {
        let v = v.trim();
        format!("the rate limit resets at {v} (x-ratelimit-reset, Unix seconds)")
    })
}

fn body_excerpt(body: &[u8]) -> String {
    const MAX: usize = 200;
    let text = String::from_utf8_lossy(&body[..body.len().min(MAX * 4)]);
    let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return String::new();
    }
    let mut excerpt: String = text.chars().take(MAX).collect();
    if excerpt.len() < text.len() {
        excerpt.push('…');
    }
    format!(" ({excerpt})")
}

/// The error for a `wasi:http` `error-code` when requesting `url` (host denial, DNS, TLS,
/// timeouts...).
pub fn transport_error(code: &ErrorCode, url: &str) -> PluginError {
    let host = Url::parse(url)
        .map(|u| u.authority)
        .unwrap_or_else(|_| url.to_string());
    match code {
        ErrorCode::HttpRequestDenied => PluginError::denied(format!(
            "the portal denied the HTTP request to {host}: the plugin's `http` capability does \
             not cover {host} (ask an admin to grant it)"
        )),
        ErrorCode::DestinationIpProhibited => PluginError::denied(format!(
            "the portal refused to connect to {host}: its address is not allowed by the egress \
             policy (loopback, link-local and metadata addresses need an explicit grant)"
        )),
        ErrorCode::DnsTimeout
        | ErrorCode::ConnectionTimeout
        | ErrorCode::ConnectionReadTimeout
        | ErrorCode::ConnectionWriteTimeout
        | ErrorCode::HttpResponseTimeout => {
            PluginError::timeout(format!("HTTP request to {host} timed out ({code:?})"))
        }
        ErrorCode::HttpRequestMethodInvalid
        | ErrorCode::HttpRequestUriInvalid
        | ErrorCode::HttpRequestUriTooLong
        | ErrorCode::HttpRequestBodySize(_)
        | ErrorCode::HttpRequestHeaderSectionSize(_)
        | ErrorCode::HttpRequestHeaderSize(_)
        | ErrorCode::HttpRequestLengthRequired => {
            PluginError::invalid_input(format!("bad HTTP request to {url}: {code:?}"))
        }
        ErrorCode::ConfigurationError | ErrorCode::InternalError(_) => {
            PluginError::internal(format!("HTTP request to {host} failed: {code:?}"))
        }
        _ => PluginError::unavailable(format!("HTTP request to {host} failed: {code:?}")),
    }
}

/// The parts of an http(s) URL that `wasi:http` wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Url {
    pub https: bool,
    pub authority: String,
    pub path_with_query: String,
}

impl Url {
    pub(crate) fn parse(url: &str) -> Result<Url> {
        let bad = |why: &str| PluginError::invalid_input(format!("invalid URL `{url}`: {why}"));
        let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("no scheme"))?;
        let https = match scheme.to_ascii_lowercase().as_str() {
            "https" => true,
            "http" => false,
            _ => return Err(bad("only http and https are supported")),
        };
        let rest = rest.split('#').next().unwrap_or_default();
        let split = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(split);
        if authority.is_empty() {
            return Err(bad("no host"));
        }
        if authority.contains('@') {
            return Err(bad("credentials in URLs are not supported; use a header"));
        }
        if authority.chars().any(|c| c.is_whitespace()) || path.chars().any(|c| c.is_whitespace()) {
            return Err(bad("contains whitespace"));
        }
        let path_with_query = match path {
            "" => "/".to_string(),
            p if p.starts_with('?') => format!("/{p}"),
            p => p.to_string(),
        };
        Ok(Url {
            https,
            authority: authority.to_string(),
            path_with_query,
        })
    }
}

/// Percent-encodes `s` for use in a URL path segment or query value.
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The calls into `wasi:http`; only meaningful inside a component.
mod wasi {
    use super::*;
    use crate::bindings::wasi::clocks::monotonic_clock;
    use crate::bindings::wasi::http::outgoing_handler;
    use crate::bindings::wasi::http::types::{
        Fields, FutureIncomingResponse, IncomingBody, Method as WasiMethod, OutgoingBody,
        OutgoingRequest, RequestOptions, Scheme,
    };
    use crate::bindings::wasi::io::poll;
    use crate::bindings::wasi::io::streams::StreamError;

    pub(super) fn send(req: Request) -> Result<Response> {
        finish(start(req)?)
    }

    pub(super) fn send_all(requests: Vec<Request>) -> Vec<Result<Response>> {
        // Every request goes out before any response is awaited.
        let started: Vec<Result<Started>> = requests.into_iter().map(start).collect();
        started.into_iter().map(|s| s.and_then(finish)).collect()
    }

    /// A request handed to the host, its response not read yet.
    struct Started {
        req: Request,
        url: Url,
        future: FutureIncomingResponse,
        /// Writing the body failed (the request may have been refused: see `finish`).
        written: Result<()>,
        /// The monotonic instant after which waiting for the response head is a timeout.
        deadline: u64,
    }

    fn start(req: Request) -> Result<Started> {
        let url = Url::parse(&req.url)?;
        let bad = |what: &str| PluginError::invalid_input(format!("{what} for {}", req.url));

        let entries: Vec<(String, Vec<u8>)> = req
            .headers
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.as_bytes().to_vec()))
            .collect();
        let headers = Fields::from_list(&entries)
            .map_err(|e| PluginError::invalid_input(format!("invalid header: {e:?}")))?;
        let request = OutgoingRequest::new(headers);
        let method = match &req.method {
            Method::Get => WasiMethod::Get,
            Method::Head => WasiMethod::Head,
            Method::Post => WasiMethod::Post,
            Method::Put => WasiMethod::Put,
            Method::Patch => WasiMethod::Patch,
            Method::Delete => WasiMethod::Delete,
            Method::Other(m) => WasiMethod::Other(m.clone()),
        };
        request
            .set_method(&method)
            .map_err(|()| bad("invalid method"))?;
        let scheme = if url.https {
            Scheme::Https
        } else {
            Scheme::Http
        };
        request
            .set_scheme(Some(&scheme))
            .map_err(|()| bad("invalid scheme"))?;
        request
            .set_authority(Some(&url.authority))
            .map_err(|()| bad("invalid host"))?;
        request
            .set_path_with_query(Some(&url.path_with_query))
            .map_err(|()| bad("invalid path"))?;

        let options = RequestOptions::new();
        let nanos = u64::try_from(req.timeout.as_nanos()).unwrap_or(u64::MAX);
        // A host may not support some timeouts; the deadline below still applies.
        let _ = options.set_connect_timeout(Some(nanos));
        let _ = options.set_first_byte_timeout(Some(nanos));
        let _ = options.set_between_bytes_timeout(Some(nanos));

        let body = request
            .body()
            .map_err(|()| PluginError::internal("request body already taken"))?;
        let deadline = monotonic_clock::now().saturating_add(nanos);
        let future = outgoing_handler::handle(request, Some(options))
            .map_err(|code| transport_error(&code, &req.url))?;
        let written = write_body(body, req.body.as_deref(), &req.url);
        Ok(Started {
            req,
            url,
            future,
            written,
            deadline,
        })
    }

    /// Waits for the response head (until the request's deadline) and reads the body.
    fn finish(started: Started) -> Result<Response> {
        let Started {
            req,
            url,
            future,
            written,
            deadline,
        } = started;
        let ready = future.subscribe();
        let timer = monotonic_clock::subscribe_instant(deadline);
        let woke = poll::poll(&[&ready, &timer]);
        if let Err(write_error) = written {
            // A refused request (e.g. a host that was not granted) closes the body stream
            // before the body is written: report the refusal, not the closed stream.
            if woke.contains(&0)
                && let Some(Ok(Err(code))) = future.get()
            {
                return Err(transport_error(&code, &req.url));
            }
            return Err(write_error);
        }
        if !woke.contains(&0) {
            return Err(PluginError::timeout(format!(
                "no response from {} within {:?}",
                url.authority, req.timeout
            )));
        }
        drop((ready, timer));
        let response = match future.get() {
            Some(Ok(Ok(response))) => response,
            Some(Ok(Err(code))) => return Err(transport_error(&code, &req.url)),
            Some(Err(())) | None => {
                return Err(PluginError::internal("HTTP response already taken"));
            }
        };

        let status = response.status();
        let headers: Vec<(String, String)> = response
            .headers()
            .entries()
            .into_iter()
            .map(|(k, v)| {
                (
                    k.to_ascii_lowercase(),
                    String::from_utf8_lossy(&v).into_owned(),
                )
            })
            .collect();
        let too_big = || {
            PluginError::unavailable(format!(
                "the response from {} is larger than {} bytes",
                req.url, req.max_response_bytes
            ))
        };
        if let Some(len) =
            header(&headers, "content-length").and_then(|v| v.trim().parse::<u64>().ok())
            && len > req.max_response_bytes as u64
        {
            return Err(too_big());
        }

        let mut bytes = Vec::new();
        if req.method != Method::Head {
            let incoming = response
                .consume()
                .map_err(|()| PluginError::internal("response body already taken"))?;
            let stream = incoming
                .stream()
                .map_err(|()| PluginError::internal("response stream already taken"))?;
            loop {
                match stream.blocking_read(64 * 1024) {
                    Ok(chunk) => {
                        if bytes.len() + chunk.len() > req.max_response_bytes {
                            return Err(too_big());
                        }
                        bytes.extend_from_slice(&chunk);
                    }
                    Err(StreamError::Closed) => break,
                    Err(StreamError::LastOperationFailed(e)) => {
                        return Err(PluginError::unavailable(format!(
                            "reading the response from {} failed: {}",
                            req.url,
                            e.to_debug_string()
                        )));
                    }
                }
            }
            drop(stream);
            let _trailers = IncomingBody::finish(incoming);
        }
        Ok(Response {
            url: req.url,
            status,
            headers,
            body: bytes,
        })
    }

    fn write_body(body: OutgoingBody, content: Option<&[u8]>, url: &str) -> Result<()> {
        let failed = |e: StreamError| {
            let why = match e {
                StreamError::LastOperationFailed(e) => e.to_debug_string(),
                StreamError::Closed => "stream closed".to_string(),
            };
            PluginError::unavailable(format!("sending the request body to {url} failed: {why}"))
        };
        if let Some(content) = content {
            let stream = body
                .write()
                .map_err(|()| PluginError::internal("request stream already taken"))?;
            for chunk in content.chunks(4096) {
                stream.blocking_write_and_flush(chunk).map_err(failed)?;
            }
        }
        OutgoingBody::finish(body, None).map_err(|code| transport_error(&code, url))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn status_codes_map_to_error_kinds() {
        let url = "https://api.example.com/x";
        let kind = |status, headers: &[(&str, &str)]| {
            status_error(status, &h(headers), url, b"").map(|e| e.kind)
        };
        assert_eq!(kind(200, &[]), None);
        assert_eq!(kind(204, &[]), None);
        assert_eq!(kind(401, &[]), Some(ErrorKind::Denied));
        assert_eq!(kind(403, &[]), Some(ErrorKind::Denied));
        assert_eq!(
            kind(403, &[("X-RateLimit-Remaining", "0")]),
            Some(ErrorKind::RateLimited)
        );
        assert_eq!(kind(404, &[]), Some(ErrorKind::NotFound));
        assert_eq!(kind(408, &[]), Some(ErrorKind::Timeout));
        assert_eq!(kind(429, &[]), Some(ErrorKind::RateLimited));
        assert_eq!(kind(500, &[]), Some(ErrorKind::Unavailable));
        assert_eq!(kind(503, &[]), Some(ErrorKind::Unavailable));
        assert_eq!(
            kind(302, &[("location", "/y")]),
            Some(ErrorKind::Unavailable)
        );
        assert_eq!(kind(400, &[]), Some(ErrorKind::InvalidInput));
    }

    #[test]
    fn rate_limit_messages_say_when_to_retry() {
        let url = "https://api.example.com/x";
        let e = status_error(429, &h(&[("Retry-After", "30")]), url, b"").unwrap();
        assert!(
            e.message.contains("retry after 30 seconds"),
            "{}",
            e.message
        );
        let e = status_error(429, &h(&[("x-ratelimit-reset", "1764400000")]), url, b"").unwrap();
        assert!(e.message.contains("1764400000"), "{}", e.message);
        let e = status_error(
            503,
            &h(&[("retry-after", "Wed, 21 Oct 2026 07:28:00 GMT")]),
            url,
            b"",
        )
        .unwrap();
        assert!(e.message.contains("Wed, 21 Oct 2026"), "{}", e.message);
        let e = status_error(404, &[], url, b"{\"message\":\n \"Not Found\"}").unwrap();
        assert_eq!(
            e.message,
            "https://api.example.com/x answered 404 ({\"message\": \"Not Found\"})"
        );
    }

    #[test]
    fn transport_errors_map_to_kinds() {
        let e = transport_error(
            &ErrorCode::HttpRequestDenied,
            "https://evil.example:8443/a?b",
        );
        assert_eq!(e.kind, ErrorKind::Denied);
        assert!(e.message.contains("evil.example:8443"), "{}", e.message);
        assert_eq!(
            transport_error(&ErrorCode::ConnectionTimeout, "http://x").kind,
            ErrorKind::Timeout
        );
        assert_eq!(
            transport_error(&ErrorCode::ConnectionRefused, "http://x").kind,
            ErrorKind::Unavailable
        );
        assert_eq!(
            transport_error(&ErrorCode::DestinationIpProhibited, "http://127.0.0.1").kind,
            ErrorKind::Denied
        );
        assert_eq!(
            transport_error(&ErrorCode::InternalError(Some("x".into())), "http://x").kind,
            ErrorKind::Internal
        );
    }

    #[test]
    fn urls_split_into_wasi_parts() {
        let u = Url::parse("https://api.example.com:8443/v1/x?y=1#frag").unwrap();
        assert_eq!(
            u,
            Url {
                https: true,
                authority: "api.example.com:8443".into(),
                path_with_query: "/v1/x?y=1".into()
            }
        );
        let u = Url::parse("http://127.0.0.1:9000").unwrap();
        assert!(!u.https);
        assert_eq!(u.path_with_query, "/");
        assert_eq!(Url::parse("http://h?q=1").unwrap().path_with_query, "/?q=1");
        for bad in [
            "ftp://x/",
            "example.com/x",
            "http:///x",
            "http://u:p@h/",
            "http://h/a b",
        ] {
            assert_eq!(
                Url::parse(bad).unwrap_err().kind,
                ErrorKind::InvalidInput,
                "{bad}"
            );
        }
    }

    #[test]
    fn encode_component_escapes_reserved() {
        assert_eq!(encode_component("a b/c?d"), "a%20b%2Fc%3Fd");
        assert_eq!(encode_component("svc-1_x.~"), "svc-1_x.~");
    }
}
