//! The GitHub REST API client: the token from the granted secret, GitHub's headers, a kv
//! cache revalidated with ETags, `Link` pagination, and errors that say what to fix.

use std::time::Duration;

use portico_sdk::http::{self, Response};
use portico_sdk::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::time;

/// Responses larger than this are refused (100 runs are well under 2 MiB).
pub const MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;
/// Cache entries are kept this long for revalidation with `If-None-Match`.
const CACHE_KEEP: Duration = Duration::from_secs(24 * 3600);
const USER_AGENT: &str = "portico-github-actions/0.1";

/// A failure to show: the error, and when to retry if GitHub said so.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub error: PluginError,
    /// Unix seconds after which a retry should succeed (rate limits, 503 with Retry-After).
    pub retry_at: Option<i64>,
}

impl From<PluginError> for ApiError {
    fn from(error: PluginError) -> Self {
        ApiError {
            error,
            retry_at: None,
        }
    }
}

pub type ApiResult<T> = core::result::Result<T, ApiError>;

/// Page numbers from a `Link` header.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Links {
    pub next: Option<u32>,
    pub prev: Option<u32>,
    pub last: Option<u32>,
}

/// A decoded response and where it came from.
#[derive(Debug, Clone)]
pub struct Fetched<T> {
    pub data: T,
    pub links: Links,
    /// Served from kv: `Some(true)` without asking GitHub, `Some(false)` after a 304.
    pub cached: Option<bool>,
}

#[derive(Serialize, Deserialize)]
struct CacheEntry<T> {
    etag: Option<String>,
    fetched_at: i64,
    links: Links,
    data: T,
}

/// The configuration, the token and what the request is about (for messages).
pub struct Client {
    pub config: Config,
    token: String,
}

impl Client {
    /// Reads the token from the configured secret; a missing grant or value is explained.
    pub fn new(config: Config) -> ApiResult<Client> {
        let name = &config.token_secret;
        let token = secrets::get(name).map_err(|e| match e.kind {
            ErrorKind::Denied => PluginError::denied(format!(
                "the plugin may not read the secret `{name}` that holds the GitHub token: ask an \
                 admin to grant `secrets:{name}` ({})",
                e.message
            )),
            ErrorKind::NotFound => PluginError::denied(format!(
                "no GitHub token: the secret `{name}` has no value ({})",
                e.message
            )),
            _ => e.context(format_args!("reading the secret `{name}`")),
        })?;
        let token = token.trim().to_string();
        if token.is_empty() {
            return Err(PluginError::denied(format!(
                "no GitHub token: the secret `{name}` is empty; store a token with Actions read access in it"
            ))
            .into());
        }
        Ok(Client { config, token })
    }

    fn request(&self, req: http::Request) -> http::Request {
        req.bearer(&self.token)
            .header("accept", "application/vnd.github+json")
            .header("x-github-api-version", "2022-11-28")
            .header("user-agent", USER_AGENT)
            .timeout(Duration::from_millis(self.config.timeout_ms.into()))
            .max_response_bytes(MAX_RESPONSE_BYTES)
    }

    fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.config.base_url)
    }

    /// `GET path_and_query`, decoded as `T`. Served from kv while younger than
    /// `cache_ttl_seconds` (unless `refresh`), else revalidated with `If-None-Match`.
    pub fn get<T>(
        &self,
        path_and_query: &str,
        about: &About,
        refresh: bool,
    ) -> ApiResult<Fetched<T>>
    where
        T: DeserializeOwned + Serialize,
    {
        let url = self.url(path_and_query);
        let ttl = i64::from(self.config.cache_ttl_seconds);
        let key = format!("gh1:{url}");
        let now = time::now_secs();
        // The cache is an optimisation: without the kv grant, or on any kv error, go live.
        let cached: Option<CacheEntry<T>> = if ttl > 0 {
            kv::get_json(&key).ok().flatten()
        } else {
            None
        };
        if let Some(entry) = &cached
            && !refresh
            && now - entry.fetched_at < ttl
        {
            let entry = cached.expect("checked above");
            return Ok(Fetched {
                data: entry.data,
                links: entry.links,
                cached: Some(true),
            });
        }
        let mut req = self.request(http::get(&url));
        if let Some(etag) = cached.as_ref().and_then(|e| e.etag.as_deref()) {
            req = req.header("if-none-match", etag);
        }
        let response = req.send().map_err(|e| transport(e, &self.config))?;
        if response.status == 304
            && let Some(mut entry) = cached
        {
            entry.fetched_at = now;
            store(&key, &entry);
            return Ok(Fetched {
                data: entry.data,
                links: entry.links,
                cached: Some(false),
            });
        }
        if !(200..300).contains(&response.status) {
            return Err(classify(&response, about, &self.config, now));
        }
        let data: T = serde_json::from_slice(&response.body).map_err(|e| {
            PluginError::unavailable(format!(
                "GitHub answered {} for {} with malformed JSON ({e}); if `base_url` ({}) points \
                 at a proxy, check that it forwards GitHub's REST API",
                response.status, about.what, self.config.base_url
            ))
        })?;
        let links = response.header("link").map(parse_links).unwrap_or_default();
        if ttl > 0 {
            let entry = CacheEntry {
                etag: response.header("etag").map(str::to_string),
                fetched_at: now,
                links: links.clone(),
                data,
            };
            store(&key, &entry);
            return Ok(Fetched {
                data: entry.data,
                links: entry.links,
                cached: None,
            });
        }
        Ok(Fetched {
            data,
            links,
            cached: None,
        })
    }

    /// `POST path`, with a JSON body if any; the response must be 2xx.
    pub fn post<B: Serialize>(
        &self,
        path: &str,
        body: Option<&B>,
        about: &About,
    ) -> ApiResult<Response> {
        let mut req = self.request(http::post(self.url(path)));
        if let Some(body) = body {
            req = req.json(body)?;
        }
        let response = req.send().map_err(|e| transport(e, &self.config))?;
        if !(200..300).contains(&response.status) {
            return Err(classify(&response, about, &self.config, time::now_secs()));
        }
        Ok(response)
    }
}

fn store<T: Serialize>(key: &str, entry: &CacheEntry<T>) {
    if let Err(e) = kv::set_json(key, entry, Some(CACHE_KEEP)) {
        log::debug(format!("not cached ({}): {}", e.kind.as_str(), e.message));
    }
}

/// What a request is about, for error messages.
pub struct About {
    /// `workflow runs of octo/hello`
    pub what: String,
    /// `repository octo/hello`, `run 42 of octo/hello`: what a 404 means is missing.
    pub missing: String,
    /// The permission the token needs, e.g. `Actions: read`.
    pub permission: &'static str,
}

/// Transport failures (host not granted, timeout, response too large) with GitHub context.
fn transport(e: PluginError, config: &Config) -> ApiError {
    let hint = match e.kind {
        ErrorKind::Denied => format!(
            "; the plugin's `http` grant must cover the host of `base_url` ({})",
            config.base_url
        ),
        ErrorKind::Timeout => format!(
            "; GitHub did not answer within {} ms (`timeout_ms`)",
            config.timeout_ms
        ),
        _ if e.message.contains("larger than") => {
            "; lower `per_page` in the plugin's configuration".to_string()
        }
        _ => String::new(),
    };
    PluginError::new(e.kind, format!("GitHub API: {}{hint}", e.message)).into()
}

/// GitHub's error body: `{"message": "...", "documentation_url": "..."}`.
#[derive(Deserialize, Default)]
struct ErrorBody {
    #[serde(default)]
    message: String,
}

/// The error for a non-2xx GitHub response, with what to do about it.
pub fn classify(response: &Response, about: &About, config: &Config, now: i64) -> ApiError {
    let status = response.status;
    let header = |name: &str| response.header(name).map(str::trim);
    let said = serde_json::from_slice::<ErrorBody>(&response.body)
        .ok()
        .map(|b| b.message)
        .filter(|m| !m.is_empty())
        .map(|m| format!(" (GitHub: \"{}\")", m.chars().take(300).collect::<String>()))
        .unwrap_or_default();
    let secret = &config.token_secret;
    let remaining = header("x-ratelimit-remaining");
    let retry_after = header("retry-after").and_then(|v| v.parse::<i64>().ok());
    let reset = header("x-ratelimit-reset").and_then(|v| v.parse::<i64>().ok());
    let rate_limited = status == 429
        || (status == 403
            && (remaining == Some("0")
                || retry_after.is_some()
                || said.to_ascii_lowercase().contains("rate limit")));
    if rate_limited {
        // GitHub's guidance: Retry-After first, then x-ratelimit-reset when nothing is left,
        // else wait at least a minute.
        let (retry_at, which) = match (retry_after, remaining, reset) {
            (Some(secs), ..) => (now + secs.max(0), "a secondary rate limit"),
            (None, Some("0"), Some(reset)) => (reset, "the hourly rate limit of the token"),
            _ => (now + 60, "a secondary rate limit"),
        };
        let used = match (header("x-ratelimit-used"), header("x-ratelimit-limit")) {
            (Some(used), Some(limit)) => format!(", {used} of {limit} requests used"),
            _ => String::new(),
        };
        return ApiError {
            error: PluginError::rate_limited(format!(
                "GitHub refused {} ({status}): {which} is exhausted{used}{said}. Retry after {} \
                 ({}, in {}).",
                about.what,
                time::time_of_day(retry_at),
                time::format_secs(retry_at),
                time::human_secs(retry_at - now),
            )),
            retry_at: Some(retry_at),
        };
    }
    let error = match status {
        401 => PluginError::denied(format!(
            "GitHub rejected the token (401{said}) while reading {}: the token in the secret \
             `{secret}` is wrong, expired or revoked. Store a valid token (fine-grained with \
             `{}`, or classic with `repo` scope) in the secret `{secret}`.",
            about.what, about.permission
        )),
        403 => PluginError::denied(format!(
            "GitHub refused {} (403{said}): the token in the secret `{secret}` lacks the \
             `{}` permission on this repository.",
            about.what, about.permission
        )),
        404 => PluginError::not_found(format!(
            "GitHub found no {} (404{said}): check the `github.com/project-slug` annotation, \
             or the token in the secret `{secret}` cannot see the repository (a private \
             repository needs a token with access to it).",
            about.missing
        )),
        422 => PluginError::invalid_input(format!(
            "GitHub refused the request for {} (422{said}).",
            about.what
        )),
        500..=599 => {
            let when = retry_after.map(|s| now + s.max(0));
            let message = format!(
                "GitHub is having trouble: it answered {status}{said} for {}. {}",
                about.what,
                match when {
                    Some(t) => format!(
                        "Retry after {} ({}).",
                        time::time_of_day(t),
                        time::format_secs(t)
                    ),
                    None => "Try again in a few minutes; see https://www.githubstatus.com.".into(),
                }
            );
            return ApiError {
                error: PluginError::unavailable(message),
                retry_at: when,
            };
        }
        _ => http::status_error(status, &response.headers, &response.url, &response.body)
            .unwrap_or_else(|| PluginError::unavailable(format!("GitHub answered {status}")))
            .context(format_args!("GitHub, {}", about.what)),
    };
    error.into()
}

/// Page numbers of `rel="next"`, `"prev"` and `"last"` in a `Link` header:
/// `<https://api.github.com/repositories/1/actions/runs?page=2>; rel="next", <...?page=5>; rel="last"`.
pub fn parse_links(header: &str) -> Links {
    let mut links = Links::default();
    for part in header.split(',') {
        let mut pieces = part.split(';');
        let Some(url) = pieces.next().map(str::trim) else {
            continue;
        };
        let url = url.trim_start_matches('<').trim_end_matches('>');
        let page = url
            .split_once('?')
            .map(|(_, q)| q)
            .into_iter()
            .flat_map(|q| q.split('&'))
            .find_map(|kv| kv.strip_prefix("page="))
            .and_then(|p| p.parse::<u32>().ok());
        for attr in pieces {
            let attr = attr.trim().replace(' ', "");
            let rel = attr.strip_prefix("rel=").map(|r| r.trim_matches('"'));
            match rel {
                Some("next") => links.next = page,
                Some("prev") => links.prev = page,
                Some("last") => links.last = page,
                _ => {}
            }
        }
    }
    links
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, headers: &[(&str, &str)], body: &str) -> Response {
        Response {
            url: "https://api.github.com/repos/o/r/actions/runs".into(),
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    fn about() -> About {
        About {
            what: "workflow runs of o/r".into(),
            missing: "repository o/r".into(),
            permission: "Actions: read",
        }
    }

    fn err(status: u16, headers: &[(&str, &str)], body: &str) -> ApiError {
        classify(
            &response(status, headers, body),
            &about(),
            &Config::default(),
            1_000_000,
        )
    }

    #[test]
    fn link_headers_give_page_numbers() {
        let l = parse_links(
            r#"<https://api.github.com/repositories/1296269/actions/runs?per_page=2&page=2>; rel="next", <https://api.github.com/repositories/1296269/actions/runs?per_page=2&page=5>; rel="last""#,
        );
        assert_eq!(
            l,
            Links {
                next: Some(2),
                prev: None,
                last: Some(5)
            }
        );
        let l = parse_links(r#"<http://x/a?page=1>; rel="prev", <http://x/a?page=1>; rel="first""#);
        assert_eq!(l.prev, Some(1));
        assert_eq!(parse_links(""), Links::default());
    }

    #[test]
    fn auth_and_missing_repo_errors_name_the_secret() {
        let e = err(
            401,
            &[],
            r#"{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest"}"#,
        );
        assert_eq!(e.error.kind, ErrorKind::Denied);
        assert!(
            e.error.message.contains("Bad credentials"),
            "{}",
            e.error.message
        );
        assert!(
            e.error.message.contains("`github-token`"),
            "{}",
            e.error.message
        );
        let e = err(404, &[], r#"{"message":"Not Found"}"#);
        assert_eq!(e.error.kind, ErrorKind::NotFound);
        assert!(
            e.error.message.contains("repository o/r"),
            "{}",
            e.error.message
        );
        let e = err(
            403,
            &[("x-ratelimit-remaining", "4000")],
            r#"{"message":"Resource not accessible by integration"}"#,
        );
        assert_eq!(e.error.kind, ErrorKind::Denied);
        assert!(
            e.error.message.contains("Actions: read"),
            "{}",
            e.error.message
        );
    }

    #[test]
    fn rate_limits_say_when_to_retry() {
        let e = err(
            403,
            &[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "1000300"),
                ("x-ratelimit-limit", "5000"),
                ("x-ratelimit-used", "5000"),
            ],
            r#"{"message":"API rate limit exceeded for user ID 1."}"#,
        );
        assert_eq!(e.error.kind, ErrorKind::RateLimited);
        assert_eq!(e.retry_at, Some(1_000_300));
        assert!(e.error.message.contains("in 5 min"), "{}", e.error.message);
        assert!(
            e.error.message.contains(&time::format_secs(1_000_300)),
            "{}",
            e.error.message
        );
        let e = err(429, &[("retry-after", "30")], "");
        assert_eq!(e.retry_at, Some(1_000_030));
        assert!(e.error.message.contains("in 30 s"), "{}", e.error.message);
        let e = err(
            403,
            &[],
            r#"{"message":"You have exceeded a secondary rate limit."}"#,
        );
        assert_eq!(e.error.kind, ErrorKind::RateLimited);
        assert_eq!(e.retry_at, Some(1_000_060));
    }

    #[test]
    fn server_errors_are_unavailable() {
        let e = err(502, &[], "<html>bad gateway</html>");
        assert_eq!(e.error.kind, ErrorKind::Unavailable);
        assert!(e.error.message.contains("502"), "{}", e.error.message);
        let e = err(503, &[("retry-after", "120")], "");
        assert_eq!(e.retry_at, Some(1_000_120));
    }
}
