//! The entity page: header (kind, name, title, owner, lifecycle, tags, links), processing
//! errors from `status.items`, and one panel per tab — overview (description, about,
//! annotations, relations graph, plugin cards), the API definition, plugin tabs, YAML and
//! history. An unknown entity gives a 404 that suggests the nearest names.

use super::entity_tabs::{self, BUILTIN};
use super::errors::Suggestion;
use super::plugin_views::discover;
use super::{Page, PageError, render};
use crate::runtime::bindings::latest::{Entity as PluginEntity, EntityRef as PluginEntityRef};
use crate::server::AppState;
use crate::web::graph::{self, Relation};
use crate::web::highlight::{Language, highlight};
use crate::web::urls::{entity_path, entity_ref_path, is_external, safe_href};
use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::{Value, json};
use std::sync::Arc;

/// An entity loaded for a page.
pub struct EntityContext {
    pub value: Value,
    /// The stored JSON, handed to plugins as the descriptor without re-serializing.
    pub raw: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    /// `kind:namespace/name`, lowercased.
    pub entity_ref: String,
    /// `/catalog/{namespace}/{kind}/{name}`.
    pub path: String,
}

impl EntityContext {
    fn text(&self, pointer: &str) -> Option<&str> {
        self.value.pointer(pointer).and_then(Value::as_str)
    }

    pub fn display_name(&self) -> String {
        self.text("/metadata/title")
            .unwrap_or(&self.name)
            .to_string()
    }

    /// The API definition of an API entity.
    pub fn definition(&self) -> Option<&str> {
        if !self.kind.eq_ignore_ascii_case("api") {
            return None;
        }
        self.text("/spec/definition")
    }

    /// The entity as plugins receive it.
    pub fn binding(&self) -> PluginEntity {
        PluginEntity {
            ref_: PluginEntityRef {
                kind: self.kind.clone(),
                namespace: self.namespace.clone(),
                name: self.name.clone(),
            },
            descriptor: self.raw.clone(),
        }
    }
}

/// Loads an entity by the path's parts, or a 404 with near matches.
pub fn load_entity(
    state: &AppState,
    namespace: &str,
    kind: &str,
    name: &str,
) -> Result<EntityContext, PageError> {
    let org = state.manager.org();
    match state.catalog.entity_by_name_raw(org, kind, namespace, name) {
        Ok(bytes) => {
            let value: Value = serde_json::from_slice(&bytes).map_err(PageError::internal)?;
            let text = |p: &str| {
                value
                    .pointer(p)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            let (kind, namespace, name) = (
                text("/kind"),
                value
                    .pointer("/metadata/namespace")
                    .and_then(Value::as_str)
                    .unwrap_or("default")
                    .to_string(),
                text("/metadata/name"),
            );
            Ok(EntityContext {
                entity_ref: format!("{kind}:{namespace}/{name}").to_lowercase(),
                path: entity_path(&kind, &namespace, &name),
                raw: String::from_utf8(bytes).map_err(PageError::internal)?,
                value,
                kind,
                namespace,
                name,
            })
        }
        Err(portico_catalog::CatalogError::NotFound(_)) => Err(PageError::not_found(format!(
            "There is no {kind} named “{name}” in namespace “{namespace}”."
        ))
        .with_suggestions(near_matches(state, kind, name))),
        Err(err) => Err(err.into()),
    }
}

/// Entities whose name is close to `name` (same kind first).
fn near_matches(state: &AppState, kind: &str, name: &str) -> Vec<Suggestion> {
    let Ok(refs) = state.catalog.store().refs(state.manager.org()) else {
        return Vec::new();
    };
    let wanted = name.to_lowercase();
    let kind = kind.to_lowercase();
    let mut scored: Vec<(f64, String)> = refs
        .into_iter()
        .filter_map(|(entity_ref, _)| {
            let (ref_kind, rest) = entity_ref.split_once(':')?;
            let ref_name = rest.split_once('/').map(|(_, n)| n).unwrap_or(rest);
            let mut score = strsim::jaro_winkler(&wanted, ref_name);
            if ref_name.contains(&wanted) || wanted.contains(ref_name) {
                score = score.max(0.85);
            }
            if ref_kind == kind {
                score += 0.05;
            }
            (score >= 0.8).then_some((score, entity_ref))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    scored
        .into_iter()
        .take(6)
        .filter_map(|(_, entity_ref)| {
            let href = entity_ref_path(&entity_ref, None)?;
            let (kind, rest) = entity_ref.split_once(':')?;
            Some(Suggestion {
                label: rest.strip_prefix("default/").unwrap_or(rest).to_string(),
                kind: kind.to_string(),
                href,
            })
        })
        .collect()
}

/// Annotations worth showing on the overview, with how to show them.
const NOTABLE_ANNOTATIONS: &[(&str, &str)] = &[
    ("backstage.io/source-location", "Source"),
    ("backstage.io/view-url", "View"),
    ("backstage.io/edit-url", "Edit"),
    ("backstage.io/techdocs-ref", "TechDocs"),
    ("github.com/project-slug", "GitHub repository"),
    ("backstage.io/managed-by-location", "Managed by"),
    ("backstage.io/orphan", "Orphan"),
    ("backstage.io/kubernetes-id", "Kubernetes id"),
    ("pagerduty.com/service-id", "PagerDuty service"),
    ("sonarqube.org/project-key", "SonarQube project"),
];

/// An annotation value as a link when it is (or holds, after `url:`) a safe URL.
fn annotation_value(value: &str) -> Value {
    let url = value.strip_prefix("url:").unwrap_or(value);
    match safe_href(url).filter(|u| is_external(u)) {
        Some(href) => json!({"text": value, "href": href}),
        None => json!({"text": value}),
    }
}

fn header(entity: &EntityContext) -> Value {
    let v = &entity.value;
    let owner = entity.text("/spec/owner");
    let links: Vec<Value> = v
        .pointer("/metadata/links")
        .and_then(Value::as_array)
        .map(|links| {
            links
                .iter()
                .filter_map(|l| {
                    let url = l.get("url")?.as_str()?;
                    let title = l.get("title").and_then(Value::as_str).unwrap_or(url);
                    let href = safe_href(url);
                    Some(json!({
                        "title": title,
                        "href": href,
                        "url": url,
                        "external": href.is_some_and(is_external),
                    }))
                })
                .collect()
        })
        .unwrap_or_default();
    json!({
        "kind": entity.kind,
        "namespace": entity.namespace,
        "name": entity.name,
        "title": entity.text("/metadata/title"),
        "display_name": entity.display_name(),
        "type": entity.text("/spec/type"),
        "lifecycle": entity.text("/spec/lifecycle"),
        "owner": owner.map(|o| json!({"label": o, "href": entity_ref_path(o, Some("group"))})),
        "tags": v.pointer("/metadata/tags").cloned().unwrap_or(json!([])),
        "links": links,
        "ref": entity.entity_ref,
    })
}

/// `status.items` entries with level `error`/`warning`.
fn processing_errors(entity: &EntityContext) -> Vec<Value> {
    entity
        .value
        .pointer("/status/items")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|item| {
                    json!({
                        "level": item.get("level").and_then(Value::as_str).unwrap_or("error"),
                        "type": item.get("type").and_then(Value::as_str),
                        "message": item.pointer("/error/message").and_then(Value::as_str)
                            .or_else(|| item.get("message").and_then(Value::as_str))
                            .unwrap_or("(no message)"),
                        "name": item.pointer("/error/name").and_then(Value::as_str),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

fn relations(entity: &EntityContext) -> Vec<Relation> {
    entity
        .value
        .get("relations")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|r| {
                    Some(Relation {
                        relation_type: r.get("type")?.as_str()?.to_string(),
                        target_ref: r.get("targetRef")?.as_str()?.to_string(),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

fn overview(entity: &EntityContext) -> Value {
    let v = &entity.value;
    let spec_ref = |pointer: &str, default_kind: &str| {
        entity
            .text(pointer)
            .map(|r| json!({"label": r, "href": entity_ref_path(r, Some(default_kind))}))
    };
    let annotations = v
        .pointer("/metadata/annotations")
        .and_then(Value::as_object);
    let notable: Vec<Value> = NOTABLE_ANNOTATIONS
        .iter()
        .filter_map(|(key, label)| {
            let value = annotations?.get(*key)?.as_str()?;
            Some(json!({"key": key, "label": label, "value": annotation_value(value)}))
        })
        .collect();
    let all_annotations: Vec<Value> = annotations
        .map(|a| {
            a.iter()
                .map(|(k, v)| {
                    let text = v
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string());
                    json!({"key": k, "value": annotation_value(&text)})
                })
                .collect()
        })
        .unwrap_or_default();
    let labels: Vec<Value> = v
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .map(|l| {
            l.iter()
                .map(|(k, v)| json!({"key": k, "value": v}))
                .collect()
        })
        .unwrap_or_default();
    let relations = relations(entity);
    let mut grouped: std::collections::BTreeMap<&str, Vec<Value>> = Default::default();
    for r in &relations {
        let (kind, rest) = r.target_ref.split_once(':').unwrap_or(("", &r.target_ref));
        grouped.entry(&r.relation_type).or_default().push(json!({
            "label": rest.strip_prefix("default/").unwrap_or(rest),
            "kind": kind,
            "href": entity_ref_path(&r.target_ref, None),
        }));
    }
    let grouped: Vec<Value> = grouped
        .into_iter()
        .map(|(t, targets)| json!({"type": t, "targets": targets}))
        .collect();
    json!({
        "description_html": entity.text("/metadata/description").map(crate::web::markdown::render),
        "system": spec_ref("/spec/system", "system"),
        "domain": spec_ref("/spec/domain", "domain"),
        "parent": spec_ref("/spec/parent", "group"),
        "profile": v.pointer("/spec/profile"),
        "notable": notable,
        "annotations": all_annotations,
        "labels": labels,
        "graph": graph::render(&entity.entity_ref, &relations),
        "relations": grouped,
    })
}

fn history(state: &AppState, entity: &EntityContext) -> Result<Vec<Value>, PageError> {
    let response = match state.catalog.entity_history(
        state.manager.org(),
        &entity.kind,
        &entity.namespace,
        &entity.name,
    ) {
        Ok(r) => r,
        Err(portico_catalog::CatalogError::NotFound(_)) => return Ok(Vec::new()),
        Err(err) => return Err(err.into()),
    };
    Ok(response
        .items
        .iter()
        .rev()
        .map(|entry| {
            let changes: Vec<Value> = entry
                .diff
                .iter()
                .take(25)
                .map(|op| {
                    let value = op.get("value").map(|v| {
                        let text = v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
                        let mut short: String = text.chars().take(120).collect();
                        if short.len() < text.len() {
                            short.push('…');
                        }
                        short
                    });
                    json!({
                        "op": op.get("op").and_then(Value::as_str).unwrap_or("?"),
                        "path": op.get("path").and_then(Value::as_str).filter(|p| !p.is_empty()).unwrap_or("(whole entity)"),
                        "value": value,
                    })
                })
                .collect();
            json!({
                "revision": entry.revision,
                "timestamp": entry.timestamp,
                "change": entry.change,
                "producer": entry.producer,
                "first": entry.revision == 1 || entry.diff.iter().any(|op| op.get("path").and_then(Value::as_str) == Some("")),
                "changes": changes,
                "more": entry.diff.len().saturating_sub(25),
            })
        })
        .collect())
}

fn definition(entity: &EntityContext) -> Option<Value> {
    let source = entity.definition()?;
    let hint = entity.text("/spec/type").unwrap_or_default();
    let language = Language::sniff(source, hint);
    Some(json!({
        "type": hint,
        "html": highlight(source, language),
        "lines": source.lines().count(),
    }))
}

/// Renders the entity page with tab `active`; `extra` adds panel data.
pub async fn page(
    state: &AppState,
    entity: EntityContext,
    active: &str,
    extra: Value,
) -> Result<Response, PageError> {
    let plugins = discover(state, &entity).await;
    let mut tabs = entity_tabs::tabs(&entity, &plugins.tabs, active);
    if let Some(id) = active.strip_prefix("plugin:")
        && !tabs.iter().any(|t| t.active)
    {
        // Asked for by URL but not listed this time (the plugin was slow to list its views,
        // say): show it anyway; its panel says what the plugin answers.
        let view = id.split_once(':').map(|(_, v)| v).unwrap_or(id);
        tabs.insert(
            tabs.len() - 2,
            entity_tabs::Tab {
                id: active.to_string(),
                title: view.to_string(),
                href: String::new(),
                active: true,
                source: "plugin",
            },
        );
    }
    if !tabs.iter().any(|t| t.active) {
        return Err(PageError::not_found(format!(
            "{} has no tab “{active}”.",
            entity.display_name()
        )));
    }
    let mut data = json!({
        "entity": header(&entity),
        "path": entity.path,
        "tab": active.split(':').next().unwrap_or(active),
        "tabs": tabs,
        "errors": processing_errors(&entity),
        "plugin_problems": plugins.problems,
    });
    match active {
        "overview" => {
            data["overview"] = overview(&entity);
            data["cards"] = serde_json::to_value(&plugins.cards).unwrap_or_default();
        }
        "yaml" => {
            let yaml = serde_yaml::to_string(&entity.value).map_err(PageError::internal)?;
            data["yaml"] = json!(highlight(&yaml, Language::Yaml));
        }
        "history" => data["history"] = json!(history(state, &entity)?),
        "definition" => data["definition"] = definition(&entity).unwrap_or(Value::Null),
        _ => {}
    }
    if let (Value::Object(data), Value::Object(extra)) = (&mut data, extra) {
        data.extend(extra);
    }
    let title = format!("{} · {}", entity.display_name(), entity.kind);
    Ok(render(state, Page::new("entity", title, "catalog", data)))
}

/// `GET /catalog/{namespace}/{kind}/{name}`.
pub async fn overview_page(
    State(state): State<Arc<AppState>>,
    Path((namespace, kind, name)): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let entity = load_entity(&state, &namespace, &kind, &name)?;
    page(&state, entity, "overview", Value::Null).await
}

/// `GET /catalog/{namespace}/{kind}/{name}/{tab}` for the built-in tabs.
pub async fn builtin_tab(
    State(state): State<Arc<AppState>>,
    Path((namespace, kind, name, tab)): Path<(String, String, String, String)>,
) -> Result<Response, PageError> {
    let entity = load_entity(&state, &namespace, &kind, &name)?;
    if !BUILTIN.contains(&tab.as_str()) {
        return Err(PageError::not_found(format!(
            "{} has no tab “{tab}”.",
            entity.display_name()
        )));
    }
    page(&state, entity, &tab, Value::Null).await
}
