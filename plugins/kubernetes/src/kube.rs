//! The Kubernetes API client: the bearer token from the granted secret, list requests with a
//! label selector read page by page (`limit` / `continue`), and errors that say what to fix —
//! from the `Status` body the API server sends with every failure.

use std::time::{Duration, Instant};

use portico_sdk::http::{self, Response, encode_component};
use portico_sdk::prelude::*;
use serde::de::DeserializeOwned;

use crate::config::{ClusterConfig, Config, Target};
use crate::model::{ObjectList, Status};

/// One page larger than this is refused; lower `page_size` for big namespaces.
pub const MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;
const USER_AGENT: &str = "portico-kubernetes/0.1";
/// Below this much time left in the budget no further page is asked for; it is also the
/// shortest timeout a request gets.
const MIN_REQUEST_MS: u64 = 50;

/// A kind of object the plugin lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resource {
    /// `Deployments`, for messages and headings.
    pub title: &'static str,
    /// `/apis/apps/v1` or `/api/v1`.
    pub api: &'static str,
    /// `deployments`.
    pub plural: &'static str,
}

pub const DEPLOYMENTS: Resource = Resource {
    title: "Deployments",
    api: "/apis/apps/v1",
    plural: "deployments",
};
pub const REPLICA_SETS: Resource = Resource {
    title: "ReplicaSets",
    api: "/apis/apps/v1",
    plural: "replicasets",
};
pub const PODS: Resource = Resource {
    title: "Pods",
    api: "/api/v1",
    plural: "pods",
};
pub const SERVICES: Resource = Resource {
    title: "Services",
    api: "/api/v1",
    plural: "services",
};
pub const INGRESSES: Resource = Resource {
    title: "Ingresses",
    api: "/apis/networking.k8s.io/v1",
    plural: "ingresses",
};
pub const HPAS: Resource = Resource {
    title: "HorizontalPodAutoscalers",
    api: "/apis/autoscaling/v2",
    plural: "horizontalpodautoscalers",
};

impl Resource {
    /// `apps/v1` (the group/version RBAC rules and error messages name).
    pub fn group_version(&self) -> &'static str {
        self.api
            .strip_prefix("/apis/")
            .or_else(|| self.api.strip_prefix("/api/"))
            .unwrap_or(self.api)
    }

    /// The API group for RBAC rules (`""` is the core group).
    pub fn group(&self) -> &'static str {
        match self.group_version().rsplit_once('/') {
            Some((group, _)) if self.api.starts_with("/apis/") => group,
            _ => "",
        }
    }
}

/// A failed list. `fatal` errors (unreachable, timed out, bad token, throttled, not granted)
/// concern the whole cluster: when every kind fails like that, the cluster is shown as one
/// error rather than six.
#[derive(Debug, Clone)]
pub struct KubeError {
    pub error: PluginError,
    pub fatal: bool,
}

impl KubeError {
    fn fatal(error: PluginError) -> Self {
        KubeError { error, fatal: true }
    }
    fn partial(error: PluginError) -> Self {
        KubeError {
            error,
            fatal: false,
        }
    }
}

/// The objects of one list, and whether `max_items` cut it short.
#[derive(Debug, Clone)]
pub struct Listed<T> {
    pub items: Vec<T>,
    pub truncated: bool,
}

/// Requests to one cluster within one view's time budget.
pub struct Client<'a> {
    pub cluster: &'a ClusterConfig,
    config: &'a Config,
    token: Option<String>,
    deadline: Instant,
}

impl<'a> Client<'a> {
    /// Reads the cluster's token (when it names a secret); a withheld or empty secret is a
    /// fatal error for that cluster only.
    pub fn new(
        cluster: &'a ClusterConfig,
        config: &'a Config,
        deadline: Instant,
    ) -> Result<Client<'a>, KubeError> {
        let token = match &cluster.token_secret {
            None => None,
            Some(name) => Some(read_token(name).map_err(KubeError::fatal)?),
        };
        Ok(Client {
            cluster,
            config,
            token,
            deadline,
        })
    }

    /// The namespace to look in: the entity's annotation, else the cluster's, else the
    /// plugin's (all namespaces when none is set).
    pub fn namespace<'t>(&'t self, target: &'t Target) -> Option<&'t str> {
        target
            .namespace
            .as_deref()
            .or(self.cluster.namespace.as_deref())
            .or(self.config.namespace.as_deref())
    }

    /// The request for the first page of `resource` objects matching the target.
    pub fn first_page(&self, resource: &Resource, target: &Target) -> http::Request {
        self.request(&self.page_url(resource, target, None))
    }

    /// Finishes a list from the answer to [`first_page`](Self::first_page), following
    /// `continue` (one page after the other) until the list ends or `max_items` are read.
    pub fn complete_list<T: DeserializeOwned>(
        &self,
        resource: &Resource,
        target: &Target,
        first: Result<Response>,
    ) -> Result<Listed<T>, KubeError> {
        let max = self.config.max_items as usize;
        let mut items = Vec::new();
        let mut answer = first.map_err(|e| self.transport(e));
        loop {
            let response = answer?;
            if !(200..300).contains(&response.status) {
                return Err(self.classify(&response, resource, self.namespace(target)));
            }
            let page: ObjectList<T> = serde_json::from_slice(&response.body).map_err(|e| {
                KubeError::partial(PluginError::unavailable(format!(
                    "cluster `{}` answered the {} list with malformed JSON ({e}); is `url` ({}) \
                     the Kubernetes API server?",
                    self.cluster.name, resource.title, self.cluster.url
                )))
            })?;
            items.extend(page.items);
            let Some(token) = page.metadata.continue_token.filter(|t| !t.is_empty()) else {
                return Ok(Listed {
                    items,
                    truncated: false,
                });
            };
            if items.len() >= max {
                items.truncate(max);
                return Ok(Listed {
                    items,
                    truncated: true,
                });
            }
            let url = self.page_url(resource, target, Some((&token, max - items.len())));
            answer = self.get(&url);
        }
    }

    /// `…/{plural}?labelSelector=…&limit=…[&continue=…]`, in the namespace if there is one.
    fn page_url(
        &self,
        resource: &Resource,
        target: &Target,
        next: Option<(&str, usize)>,
    ) -> String {
        let base = match self.namespace(target) {
            Some(ns) => format!(
                "{}{}/namespaces/{ns}/{}",
                self.cluster.url, resource.api, resource.plural
            ),
            None => format!("{}{}/{}", self.cluster.url, resource.api, resource.plural),
        };
        let wanted = next.map_or(self.config.max_items as usize, |(_, left)| left);
        let limit = (self.config.page_size as usize).min(wanted).max(1);
        let mut url = format!(
            "{base}?labelSelector={}&limit={limit}",
            encode_component(&target.selector)
        );
        if let Some((token, _)) = next {
            url.push_str(&format!("&continue={}", encode_component(token)));
        }
        url
    }

    /// A further page, if the view's time budget allows.
    fn get(&self, url: &str) -> Result<Response, KubeError> {
        if self.time_left().as_millis() < u128::from(MIN_REQUEST_MS) {
            return Err(KubeError::fatal(PluginError::timeout(format!(
                "not asked: the view's time budget (`budget_ms`: {} ms) ran out while cluster `{}` \
                 was being read",
                self.config.budget_ms, self.cluster.name
            ))));
        }
        self.request(url).send().map_err(|e| self.transport(e))
    }

    fn time_left(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// The request's timeout: `timeout_ms`, or what is left of the budget if less.
    fn timeout(&self) -> Duration {
        self.time_left()
            .min(Duration::from_millis(self.config.timeout_ms.into()))
            .max(Duration::from_millis(MIN_REQUEST_MS))
    }

    fn request(&self, url: &str) -> http::Request {
        let mut request = http::get(url)
            .header("accept", "application/json")
            .header("user-agent", USER_AGENT)
            .timeout(self.timeout())
            .max_response_bytes(MAX_RESPONSE_BYTES);
        if let Some(token) = &self.token {
            request = request.bearer(token);
        }
        request
    }

    /// Transport failures: not granted, unreachable and timeouts are fatal for the cluster.
    fn transport(&self, e: PluginError) -> KubeError {
        let name = &self.cluster.name;
        let authority = self
            .cluster
            .url
            .split_once("://")
            .map(|(_, rest)| rest.split('/').next().unwrap_or(rest))
            .unwrap_or(&self.cluster.url);
        match e.kind {
            ErrorKind::Denied => KubeError::fatal(PluginError::denied(format!(
                "cluster `{name}`: the portal did not let the plugin call {authority}: ask an admin \
                 to grant `http:{authority}` ({})",
                e.message
            ))),
            ErrorKind::Timeout => KubeError::fatal(PluginError::timeout(format!(
                "cluster `{name}` did not answer in time (`timeout_ms`: {} ms, `budget_ms`: {} ms): {}",
                self.config.timeout_ms, self.config.budget_ms, e.message
            ))),
            _ if e.message.contains("larger than") => {
                KubeError::partial(PluginError::unavailable(format!(
                    "cluster `{name}`: {}; lower `page_size` in the plugin's configuration",
                    e.message
                )))
            }
            _ => KubeError::fatal(PluginError::unavailable(format!(
                "cluster `{name}` is unreachable: {}",
                e.message
            ))),
        }
    }

    /// The error for a non-2xx answer, using the `Status` body's message.
    fn classify(
        &self,
        response: &Response,
        resource: &Resource,
        namespace: Option<&str>,
    ) -> KubeError {
        let name = &self.cluster.name;
        let status = response.status;
        let said = serde_json::from_slice::<Status>(&response.body)
            .ok()
            .filter(|s| s.kind == "Status" && !s.message.is_empty())
            .map(|s| {
                let message: String = s.message.chars().take(300).collect();
                match s.reason.is_empty() {
                    true => format!(" — \"{message}\""),
                    false => format!(" — {}: \"{message}\"", s.reason),
                }
            })
            .unwrap_or_default();
        let what = format!("listing {} in cluster `{name}`", resource.title);
        match status {
            401 => {
                let fix = match &self.cluster.token_secret {
                    Some(secret) => format!(
                        "the token in the secret `{secret}` is missing, wrong or expired; store a \
                         valid service-account token in it"
                    ),
                    None => "the cluster needs a token: set `token_secret` for it".to_string(),
                };
                KubeError::fatal(PluginError::denied(format!(
                    "cluster `{name}` rejected the credentials (401 Unauthorized{said}): {fix}"
                )))
            }
            403 => {
                let scope = match namespace {
                    Some(ns) => format!("in the namespace `{ns}`"),
                    None => "at the cluster scope (or set a namespace)".to_string(),
                };
                KubeError::partial(PluginError::denied(format!(
                    "{what} is forbidden (403{said}): give the service account `list` on \
                     `{}` (API group \"{}\") {scope}",
                    resource.plural,
                    resource.group()
                )))
            }
            404 => KubeError::partial(PluginError::not_found(format!(
                "cluster `{name}` does not serve {}/{} (404{said}); older clusters lack it",
                resource.group_version(),
                resource.plural
            ))),
            410 => KubeError::partial(PluginError::unavailable(format!(
                "{what}: the list changed while it was read page by page (410{said}); reload the page"
            ))),
            429 => {
                let retry = response
                    .header("retry-after")
                    .map(|s| format!("retry after {} seconds", s.trim()))
                    .unwrap_or_else(|| "retry in a minute".into());
                KubeError::fatal(PluginError::rate_limited(format!(
                    "cluster `{name}` is throttling requests (429{said}); {retry}"
                )))
            }
            500..=599 => KubeError::partial(PluginError::unavailable(format!(
                "{what} failed: the API server answered {status}{said}"
            ))),
            _ => KubeError::partial(
                http::status_error(status, &response.headers, &response.url, &response.body)
                    .unwrap_or_else(|| PluginError::unavailable(format!("answered {status}")))
                    .context(&what),
            ),
        }
    }
}

fn read_token(name: &str) -> Result<String> {
    let token = secrets::get(name).map_err(|e| match e.kind {
        ErrorKind::Denied => PluginError::denied(format!(
            "the plugin may not read the secret `{name}` with this cluster's token: ask an admin \
             to grant `secrets:{name}`"
        )),
        ErrorKind::NotFound => PluginError::denied(format!(
            "no token for this cluster: the secret `{name}` has no value ({})",
            e.message
        )),
        _ => e.context(format_args!("reading the secret `{name}`")),
    })?;
    let token = token.trim().to_string();
    if token.is_empty() {
        return Err(PluginError::denied(format!(
            "no token for this cluster: the secret `{name}` is empty"
        )));
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_name_their_group() {
        assert_eq!(DEPLOYMENTS.group_version(), "apps/v1");
        assert_eq!(DEPLOYMENTS.group(), "apps");
        assert_eq!(PODS.group_version(), "v1");
        assert_eq!(PODS.group(), "");
        assert_eq!(INGRESSES.group(), "networking.k8s.io");
        assert_eq!(HPAS.group_version(), "autoscaling/v2");
    }
}
