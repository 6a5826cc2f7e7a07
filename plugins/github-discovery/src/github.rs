//! The GitHub REST API client for discovery: the token from the granted secret, GitHub's
//! headers, conditional requests (`If-None-Match`), `Link` pagination, and failures classified
//! so that the run knows whether to stop (bad token, rate limit) or go on (one repository).

use std::time::{Duration, Instant};

use portico_sdk::http::{self, Response};
use portico_sdk::prelude::*;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::config::Config;

/// One answer larger than this is refused (a page of 100 repositories is ~600 KiB).
pub const MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;
const USER_AGENT: &str = "portico-github-discovery/0.1";

/// What went wrong with one request, and whether the run can go on.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub error: PluginError,
    /// The token is bad, the rate limit is spent or the time budget is over: asking GitHub
    /// anything else in this run is pointless.
    pub stop: bool,
}

impl ApiError {
    fn stop(error: PluginError) -> Self {
        ApiError { error, stop: true }
    }
    fn go_on(error: PluginError) -> Self {
        ApiError { error, stop: false }
    }
}

pub type ApiResult<T> = core::result::Result<T, ApiError>;

/// A conditional GET's outcome.
pub enum Fetch<T> {
    Fresh { data: T, etag: Option<String> },
    NotModified,
    NotFound,
}

pub struct Client {
    pub config: Config,
    token: String,
    deadline: Instant,
}

impl Client {
    /// Reads the token; a withheld or empty secret stops the run with what to grant.
    pub fn new(config: Config) -> Result<Client> {
        let name = &config.token_secret;
        let token = secrets::get(name).map_err(|e| match e.kind {
            ErrorKind::Denied => PluginError::denied(format!(
                "the plugin may not read the secret `{name}` with the GitHub token: ask an admin \
                 to grant `secrets:{name}`"
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
                "no GitHub token: the secret `{name}` is empty"
            )));
        }
        let deadline = Instant::now() + Duration::from_secs(config.budget_seconds.into());
        Ok(Client {
            config,
            token,
            deadline,
        })
    }

    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.config.base_url)
    }

    /// Whether the run's time budget is spent.
    pub fn out_of_time(&self) -> bool {
        Instant::now() >= self.deadline
    }

    fn send(&self, url: &str, etag: Option<&str>) -> ApiResult<Response> {
        if self.out_of_time() {
            return Err(self.budget_spent());
        }
        self.request(url, etag)
            .send()
            .map_err(|e| self.transport(e))
    }

    /// The error when `budget_seconds` is spent.
    pub fn budget_spent(&self) -> ApiError {
        ApiError::stop(PluginError::timeout(format!(
            "the run's time budget (`budget_seconds`: {}) is spent",
            self.config.budget_seconds
        )))
    }

    /// `GET url` with GitHub's headers, conditional on `etag`; its timeout is `timeout_ms` or
    /// what is left of the run's budget.
    pub fn request(&self, url: &str, etag: Option<&str>) -> http::Request {
        let left = self
            .deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1));
        let mut req = http::get(url)
            .bearer(&self.token)
            .header("accept", "application/vnd.github+json")
            .header("x-github-api-version", "2022-11-28")
            .header("user-agent", USER_AGENT)
            .timeout(left.min(Duration::from_millis(self.config.timeout_ms.into())))
            .max_response_bytes(MAX_RESPONSE_BYTES);
        if let Some(etag) = etag {
            req = req.header("if-none-match", etag);
        }
        req
    }

    fn transport(&self, e: PluginError) -> ApiError {
        match e.kind {
            // Not granted: every request would be refused the same way.
            ErrorKind::Denied => ApiError::stop(PluginError::denied(format!(
                "GitHub API: {}; the plugin's `http` grant must cover the host of `base_url` ({})",
                e.message, self.config.base_url
            ))),
            ErrorKind::Timeout => ApiError::go_on(PluginError::timeout(format!(
                "GitHub did not answer within {} ms (`timeout_ms`): {}",
                self.config.timeout_ms, e.message
            ))),
            _ => ApiError::go_on(e.context("GitHub API")),
        }
    }

    /// `GET url` decoded as `T`, conditional on `etag`; 404 is [`Fetch::NotFound`].
    pub fn get<T: DeserializeOwned>(
        &self,
        url: &str,
        etag: Option<&str>,
        what: &str,
    ) -> ApiResult<(Fetch<T>, Option<String>)> {
        let response = self.send(url, etag);
        self.decode(response, what)
    }

    /// The outcome of a [`request`](Self::request) sent elsewhere (e.g. with
    /// `http::send_all`), with the `rel="next"` link if any.
    pub fn answer<T: DeserializeOwned>(
        &self,
        sent: Result<Response>,
        what: &str,
    ) -> ApiResult<(Fetch<T>, Option<String>)> {
        self.decode(sent.map_err(|e| self.transport(e)), what)
    }

    fn decode<T: DeserializeOwned>(
        &self,
        response: ApiResult<Response>,
        what: &str,
    ) -> ApiResult<(Fetch<T>, Option<String>)> {
        let response = response?;
        let next = response.header("link").and_then(next_link);
        match response.status {
            304 => return Ok((Fetch::NotModified, next)),
            404 => return Ok((Fetch::NotFound, next)),
            s if !(200..300).contains(&s) => return Err(classify(&response, what, &self.config)),
            _ => {}
        }
        let data: T = serde_json::from_slice(&response.body).map_err(|e| {
            ApiError::go_on(PluginError::unavailable(format!(
                "GitHub answered {what} with malformed JSON ({e})"
            )))
        })?;
        let etag = response.header("etag").map(str::to_string);
        Ok((Fetch::Fresh { data, etag }, next))
    }

    /// Every page of a list, following `Link: <…>; rel="next"`, at most `max` items. A 404
    /// is an error here (the organization or team does not exist).
    pub fn get_all<T: DeserializeOwned>(
        &self,
        first: &str,
        what: &str,
        max: usize,
    ) -> ApiResult<Vec<T>> {
        let mut items: Vec<T> = Vec::new();
        let mut url = first.to_string();
        loop {
            let (fetch, next) = self.get::<Vec<T>>(&url, None, what)?;
            match fetch {
                Fetch::Fresh { data, .. } => items.extend(data),
                Fetch::NotFound => {
                    return Err(ApiError::stop(PluginError::not_found(format!(
                        "GitHub found no {what} (404): check the organization's name, or the token \
                         in the secret `{}` cannot see it",
                        self.config.token_secret
                    ))));
                }
                Fetch::NotModified => {}
            }
            match next {
                Some(next) if items.len() < max => url = self.same_origin(&next)?,
                _ => {
                    items.truncate(max);
                    return Ok(items);
                }
            }
        }
    }

    /// A `Link` URL must point at the configured API (never follow a link elsewhere with the
    /// token).
    fn same_origin(&self, next: &str) -> ApiResult<String> {
        if next.starts_with(&format!("{}/", self.config.base_url)) {
            Ok(next.to_string())
        } else {
            Err(ApiError::stop(PluginError::unavailable(format!(
                "GitHub's `Link` header points outside `base_url` ({}): `{next}`; not followed",
                self.config.base_url
            ))))
        }
    }
}

/// The `rel="next"` URL of a `Link` header.
pub fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        let is_next = params
            .split(';')
            .any(|p| p.trim().replace(' ', "") == "rel=\"next\"");
        is_next.then(|| {
            url.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        })
    })
}

#[derive(Deserialize, Default)]
struct ErrorBody {
    #[serde(default)]
    message: String,
}

/// The error for a non-2xx answer: rate limits and a rejected token stop the run.
pub fn classify(response: &Response, what: &str, config: &Config) -> ApiError {
    let status = response.status;
    let header = |name: &str| response.header(name).map(str::trim);
    let said = serde_json::from_slice::<ErrorBody>(&response.body)
        .ok()
        .map(|b| b.message)
        .filter(|m| !m.is_empty())
        .map(|m| format!(" (GitHub: \"{}\")", m.chars().take(300).collect::<String>()))
        .unwrap_or_default();
    let remaining = header("x-ratelimit-remaining");
    let retry_after = header("retry-after");
    let rate_limited = status == 429
        || (status == 403
            && (remaining == Some("0")
                || retry_after.is_some()
                || said.to_ascii_lowercase().contains("rate limit")));
    let secret = &config.token_secret;
    if rate_limited {
        let when = match (retry_after, remaining, header("x-ratelimit-reset")) {
            (Some(secs), ..) => format!("retry after {secs} seconds (Retry-After)"),
            (None, Some("0"), Some(reset)) => {
                format!("the rate limit resets at {reset} (Unix seconds, x-ratelimit-reset)")
            }
            _ => "retry in a minute or more".to_string(),
        };
        return ApiError::stop(PluginError::rate_limited(format!(
            "GitHub refused {what} ({status}): rate limit exceeded{said}; {when}"
        )));
    }
    match status {
        401 => ApiError::stop(PluginError::denied(format!(
            "GitHub rejected the token (401{said}) while reading {what}: the token in the secret \
             `{secret}` is wrong, expired or revoked"
        ))),
        403 => ApiError::go_on(PluginError::denied(format!(
            "GitHub refused {what} (403{said}): the token in the secret `{secret}` lacks \
             permission (Contents and Metadata read; Members read for teams)"
        ))),
        500..=599 => ApiError::go_on(PluginError::unavailable(format!(
            "GitHub answered {status}{said} for {what}; try again later (https://www.githubstatus.com)"
        ))),
        _ => ApiError::go_on(
            http::status_error(status, &response.headers, &response.url, &response.body)
                .unwrap_or_else(|| PluginError::unavailable(format!("GitHub answered {status}")))
                .context(format_args!("GitHub, {what}")),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_links() {
        assert_eq!(
            next_link(r#"<https://api.github.com/organizations/1/repos?page=2>; rel="next", <https://api.github.com/organizations/1/repos?page=4>; rel="last""#).as_deref(),
            Some("https://api.github.com/organizations/1/repos?page=2")
        );
        assert_eq!(next_link(r#"<https://x/?page=1>; rel="prev""#), None);
    }

    fn response(status: u16, headers: &[(&str, &str)], body: &str) -> Response {
        Response {
            url: "https://api.github.com/orgs/acme/repos".into(),
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn rate_limits_and_bad_tokens_stop_the_run() {
        let c = Config::default();
        let e = classify(
            &response(
                403,
                &[
                    ("x-ratelimit-remaining", "0"),
                    ("x-ratelimit-reset", "1764400000"),
                ],
                r#"{"message":"API rate limit exceeded"}"#,
            ),
            "the repositories of acme",
            &c,
        );
        assert!(e.stop);
        assert_eq!(e.error.kind, ErrorKind::RateLimited);
        assert!(
            e.error.message.contains("1764400000"),
            "{}",
            e.error.message
        );
        let e = classify(&response(429, &[("retry-after", "60")], ""), "x", &c);
        assert!(e.stop && e.error.message.contains("retry after 60 seconds"));
        let e = classify(
            &response(401, &[], r#"{"message":"Bad credentials"}"#),
            "x",
            &c,
        );
        assert!(e.stop && e.error.kind == ErrorKind::Denied);
        let e = classify(
            &response(
                403,
                &[("x-ratelimit-remaining", "4000")],
                r#"{"message":"Resource not accessible"}"#,
            ),
            "x",
            &c,
        );
        assert!(!e.stop && e.error.kind == ErrorKind::Denied);
        let e = classify(&response(502, &[], "bad gateway"), "x", &c);
        assert!(!e.stop && e.error.kind == ErrorKind::Unavailable);
    }
}
