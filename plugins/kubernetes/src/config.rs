//! The plugin's configuration (validated by the host against `[config] schema` in
//! `plugin.toml`) with defaults, and what an entity asks for: its label selector and namespace.

use std::collections::BTreeSet;

use portico_sdk::prelude::*;
use serde::Deserialize;

/// `backstage.io/kubernetes-id`: objects labelled `backstage.io/kubernetes-id=<id>`.
pub const ID_ANNOTATION: &str = "backstage.io/kubernetes-id";
/// `backstage.io/kubernetes-label-selector`: any label selector; wins over the id.
pub const SELECTOR_ANNOTATION: &str = "backstage.io/kubernetes-label-selector";
/// `backstage.io/kubernetes-namespace`: look only in this namespace.
pub const NAMESPACE_ANNOTATION: &str = "backstage.io/kubernetes-namespace";

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Config {
    pub clusters: Vec<ClusterConfig>,
    pub namespace: Option<String>,
    pub timeout_ms: u32,
    pub budget_ms: u32,
    pub page_size: u32,
    pub max_items: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            clusters: Vec::new(),
            namespace: None,
            timeout_ms: 2000,
            budget_ms: 4000,
            page_size: 500,
            max_items: 1000,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ClusterConfig {
    pub name: String,
    pub url: String,
    #[serde(default)]
    pub token_secret: Option<String>,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub dashboard_url: Option<String>,
}

impl Config {
    /// The host's configuration, checked for what the schema cannot say.
    pub fn load() -> Result<Config> {
        config::get::<Config>()?.normalized()
    }

    /// Trims URLs, bounds the numbers, and refuses duplicate cluster names.
    pub fn normalized(mut self) -> Result<Config> {
        let mut names = BTreeSet::new();
        for (i, cluster) in self.clusters.iter_mut().enumerate() {
            cluster.url = cluster.url.trim().trim_end_matches('/').to_string();
            let lower = cluster.url.to_ascii_lowercase();
            if !(lower.starts_with("https://") || lower.starts_with("http://")) {
                return Err(PluginError::invalid_input(format!(
                    "plugin configuration: `clusters[{i}].url` must be the API server's http(s) URL, \
                     like https://k8s.example.com:6443, not `{}`",
                    cluster.url
                )));
            }
            if !names.insert(cluster.name.clone()) {
                return Err(PluginError::invalid_input(format!(
                    "plugin configuration: `clusters[{i}].name`: the name `{}` is used twice; \
                     cluster names must be unique",
                    cluster.name
                )));
            }
        }
        self.timeout_ms = self.timeout_ms.max(100);
        self.budget_ms = self.budget_ms.max(100);
        self.page_size = self.page_size.clamp(1, 5000);
        self.max_items = self.max_items.clamp(1, 10_000);
        Ok(self)
    }
}

/// Which objects belong to an entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// A Kubernetes label selector, e.g. `backstage.io/kubernetes-id=payments`.
    pub selector: String,
    /// From the entity's namespace annotation, if any.
    pub namespace: Option<String>,
}

impl Target {
    /// Whether the entity has an annotation this plugin reads (cheap: for `views-for`).
    pub fn applies(d: &Descriptor) -> bool {
        d.annotation(ID_ANNOTATION).is_some() || d.annotation(SELECTOR_ANNOTATION).is_some()
    }

    /// The entity's selector: the label-selector annotation as written, else
    /// `backstage.io/kubernetes-id=<id>` (as Backstage's Kubernetes plugin does).
    pub fn of(d: &Descriptor) -> Result<Target> {
        let selector = match (
            d.annotation(SELECTOR_ANNOTATION),
            d.annotation(ID_ANNOTATION),
        ) {
            (Some(selector), _) => check_selector(selector.trim())?,
            (None, Some(id)) => format!("{ID_ANNOTATION}={}", check_label_value(id.trim())?),
            (None, None) => {
                return Err(PluginError::invalid_input(format!(
                    "the entity has neither `{ID_ANNOTATION}` nor `{SELECTOR_ANNOTATION}`"
                )));
            }
        };
        let namespace = match d.annotation(NAMESPACE_ANNOTATION) {
            Some(ns) if is_dns_label(ns.trim()) => Some(ns.trim().to_string()),
            Some(ns) => {
                return Err(PluginError::invalid_input(format!(
                    "`{NAMESPACE_ANNOTATION}`: `{ns}` is not a Kubernetes namespace name \
                     (lower-case letters, digits and `-`, at most 63)"
                )));
            }
            None => None,
        };
        Ok(Target {
            selector,
            namespace,
        })
    }
}

/// A label value: at most 63 characters, alphanumerics with `-`, `_`, `.` inside.
fn check_label_value(id: &str) -> Result<&str> {
    let ok = !id.is_empty()
        && id.len() <= 63
        && id.starts_with(|c: char| c.is_ascii_alphanumeric())
        && id.ends_with(|c: char| c.is_ascii_alphanumeric())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(id)
    } else {
        Err(PluginError::invalid_input(format!(
            "`{ID_ANNOTATION}`: `{id}` is not a valid label value (at most 63 letters, digits, \
             `-`, `_` or `.`, starting and ending with a letter or digit)"
        )))
    }
}

/// A selector is sent as written (the API server parses it); refuse only what can never be one.
fn check_selector(selector: &str) -> Result<String> {
    if selector.is_empty() || selector.len() > 1024 || selector.chars().any(char::is_control) {
        return Err(PluginError::invalid_input(format!(
            "`{SELECTOR_ANNOTATION}`: `{selector}` is not a label selector (e.g. `app=payments,tier in (web,api)`)"
        )));
    }
    Ok(selector.to_string())
}

pub fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn descriptor(annotations: serde_json::Value) -> Descriptor {
        Descriptor::parse(
            &serde_json::json!({"kind": "Component", "metadata": {"name": "x", "annotations": annotations}})
                .to_string(),
        )
        .unwrap()
    }

    #[test]
    fn the_selector_comes_from_the_annotations() {
        let t = Target::of(&descriptor(serde_json::json!({ID_ANNOTATION: "payments"}))).unwrap();
        assert_eq!(t.selector, "backstage.io/kubernetes-id=payments");
        assert_eq!(t.namespace, None);
        let t = Target::of(&descriptor(serde_json::json!({
            ID_ANNOTATION: "ignored",
            SELECTOR_ANNOTATION: "app=payments,tier in (web,api)",
            NAMESPACE_ANNOTATION: "shop"
        })))
        .unwrap();
        assert_eq!(t.selector, "app=payments,tier in (web,api)");
        assert_eq!(t.namespace.as_deref(), Some("shop"));
        for bad in ["-x", "a b", "x/y", &"x".repeat(64)] {
            let e = Target::of(&descriptor(serde_json::json!({ ID_ANNOTATION: bad }))).unwrap_err();
            assert!(
                e.message.contains("not a valid label value"),
                "{bad}: {}",
                e.message
            );
        }
        assert!(
            Target::of(&descriptor(
                serde_json::json!({ID_ANNOTATION: "x", NAMESPACE_ANNOTATION: "Bad_NS"})
            ))
            .is_err()
        );
        assert!(!Target::applies(&descriptor(serde_json::json!({}))));
    }

    #[test]
    fn configuration_is_normalized_and_checked() {
        let c = config::parse::<Config>(
            r#"{"clusters":[{"name":"prod","url":"https://k8s.example.com:6443/"}],"page_size":0}"#,
        )
        .unwrap()
        .normalized()
        .unwrap();
        assert_eq!(c.clusters[0].url, "https://k8s.example.com:6443");
        assert_eq!(c.page_size, 1);
        assert_eq!(c.timeout_ms, 2000);
        let e = config::parse::<Config>(
            r#"{"clusters":[{"name":"a","url":"http://x"},{"name":"a","url":"http://y"}]}"#,
        )
        .unwrap()
        .normalized()
        .unwrap_err();
        assert!(e.message.contains("clusters[1].name"), "{}", e.message);
    }
}
