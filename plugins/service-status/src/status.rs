//! The "Service status" card: status endpoint over HTTP, cached in kv, page views counted in kv.

use std::time::Duration;

use portico_sdk::http::encode_component;
use portico_sdk::prelude::*;
use serde::{Deserialize, Serialize};

use crate::ServiceStatus;

/// Overrides the `{name}` put into `status_url` (e.g. when the status service knows the
/// service under another name).
pub const NAME_ANNOTATION: &str = "portico.dev/status-name";
/// `"false"` hides the card for this entity.
pub const ENABLED_ANNOTATION: &str = "portico.dev/status-enabled";
const VIEW_ID: &str = "service-status";

/// The plugin's configuration (validated by the host against `[config] schema`).
#[derive(Debug, Deserialize)]
pub struct Config {
    /// Unset: the card explains how to configure it (the checks work regardless).
    #[serde(default)]
    pub status_url: Option<String>,
    #[serde(default)]
    pub token_secret: Option<String>,
    #[serde(default = "default_ttl")]
    pub cache_ttl_seconds: u32,
    #[serde(default = "default_timeout")]
    pub timeout_ms: u32,
}

fn default_ttl() -> u32 {
    60
}

fn default_timeout() -> u32 {
    2000
}

/// What the status endpoint returns.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StatusDoc {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub checked_at: Option<String>,
    #[serde(default)]
    pub incidents: Vec<Incident>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Incident {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub started_at: Option<String>,
}

impl Views for ServiceStatus {
    fn views_for(entity: Entity) -> Vec<ViewInfo> {
        let kind = entity.ref_.kind.to_ascii_lowercase();
        let disabled = entity
            .parse()
            .is_ok_and(|d| d.annotation(ENABLED_ANNOTATION) == Some("false"));
        if matches!(kind.as_str(), "component" | "resource") && !disabled {
            vec![ViewInfo::card(VIEW_ID, "Service status")]
        } else {
            vec![]
        }
    }

    fn render(view_id: String, entity: Entity, params: Vec<(String, String)>) -> Result<View> {
        if view_id != VIEW_ID {
            return Err(PluginError::not_found(format!("no view `{view_id}`")));
        }
        let descriptor = entity.parse()?;
        let entity_key = entity.ref_.to_string();
        // Statistics only: a kv failure must not hide the status.
        let views = kv::increment(&format!("views:{entity_key}")).ok();
        let refresh = params.iter().any(|(k, v)| k == "refresh" && v == "1");

        let view = match fetch(&entity.ref_, &descriptor, refresh) {
            Ok((doc, cached)) => render_status(&doc, cached),
            Err(error) => View::new("Service status").section(Section::untitled().error(&error)),
        };
        Ok(view.section(footer(views)))
    }
}

/// The status document, from the kv cache unless `refresh`; `true` when it came from cache.
fn fetch(entity: &EntityRef, d: &Descriptor, refresh: bool) -> Result<(StatusDoc, bool)> {
    let config: Config = config::get()?;
    let Some(template) = &config.status_url else {
        return Err(PluginError::invalid_input(
            "no status endpoint is configured: set `plugins.settings.service-status.config.status_url` \
             in portico.yaml (e.g. https://status.example.com/api/{name})",
        ));
    };
    let name = d.annotation(NAME_ANNOTATION).unwrap_or(&entity.name);
    let url = status_url(template, &entity.kind, &entity.namespace, name);
    let cache_key = format!("status:{url}");
    if !refresh
        && config.cache_ttl_seconds > 0
        && let Some(doc) = kv::get_json::<StatusDoc>(&cache_key)?
    {
        return Ok((doc, true));
    }
    let mut request = http::get(&url).timeout(Duration::from_millis(config.timeout_ms.into()));
    if let Some(secret) = &config.token_secret {
        request = request.bearer(&secrets::get(secret)?);
    }
    let doc: StatusDoc = request.fetch_json()?;
    if config.cache_ttl_seconds > 0 {
        let ttl = Duration::from_secs(config.cache_ttl_seconds.into());
        if let Err(e) = kv::set_json(&cache_key, &doc, Some(ttl)) {
            log::warn(format!(
                "cannot cache the status of {entity}: {}",
                e.message
            ));
        }
    }
    Ok((doc, false))
}

/// `template` with `{name}`, `{namespace}` and `{kind}` replaced, URL-encoded.
pub fn status_url(template: &str, kind: &str, namespace: &str, name: &str) -> String {
    template
        .replace("{name}", &encode_component(name))
        .replace("{namespace}", &encode_component(namespace))
        .replace("{kind}", &encode_component(&kind.to_ascii_lowercase()))
}

/// The card for a status document.
pub fn render_status(doc: &StatusDoc, cached: bool) -> View {
    let (state, label) = match doc.status.as_str() {
        "ok" => (State::Ok, "Operational"),
        "degraded" => (State::Warning, "Degraded"),
        "down" => (State::Error, "Down"),
        _ => (State::Unknown, "Unknown"),
    };
    let mut summary = Section::untitled()
        .status(state, label)
        .field(
            "Version",
            doc.version.clone().map_or(Cell::Empty, Cell::Code),
        )
        .field(
            "Checked",
            doc.checked_at.clone().map_or(Cell::Empty, Cell::Timestamp),
        )
        .field(
            "Source",
            Badge::new(if cached { "cached" } else { "live" }, Tone::Neutral),
        );
    if cached {
        summary = summary.links([Link::view("Refresh", [("refresh", "1")])]);
    }
    let incidents = Table::new(["Incident", "Started"])
        .rows(doc.incidents.iter().map(|i| {
            let title = match &i.url {
                Some(url) => Link::url(&i.title, url).into(),
                None => text(&i.title),
            };
            [
                title,
                i.started_at.clone().map_or(Cell::Empty, Cell::Timestamp),
            ]
        }))
        .empty_text("No open incidents");
    View::new("Service status")
        .section(summary)
        .section(Section::new("Incidents").table(incidents))
}

fn footer(views: Option<u64>) -> Section {
    let views = views.map_or_else(|| "unknown".to_string(), |n| n.to_string());
    Section::untitled().field("Page views", views)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_template_is_filled_and_encoded() {
        assert_eq!(
            status_url(
                "http://127.0.0.1:9/s/{kind}/{namespace}/{name}?x=1",
                "Component",
                "default",
                "a b"
            ),
            "http://127.0.0.1:9/s/component/default/a%20b?x=1"
        );
    }

    #[test]
    fn status_view_shows_state_fields_and_incidents() {
        let doc: StatusDoc = serde_json::from_str(
            r#"{"status":"degraded","version":"1.2.3","checked_at":"2026-11-29T10:00:00Z",
                "incidents":[{"title":"Slow checkout","url":"https://status/1","started_at":"2026-11-29T09:00:00Z"}]}"#,
        )
        .unwrap();
        let view = render_status(&doc, true);
        let summary = &view.sections[0].blocks;
        assert!(matches!(&summary[0], Block::Status(s) if s.state == State::Warning));
        assert!(matches!(&summary[1], Block::Fields(f) if f.len() == 3));
        assert!(matches!(&summary[2], Block::Links(l) if l[0].label == "Refresh"));
        match &view.sections[1].blocks[0] {
            Block::Table(t) => {
                assert_eq!(t.rows.len(), 1);
                assert!(matches!(&t.rows[0][0], Cell::Link(l) if l.label == "Slow checkout"));
            }
            other => panic!("{other:?}"),
        }
    }
}
