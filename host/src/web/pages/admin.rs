//! Admin → Plugins: installed plugins with versions, worlds, requested and granted
//! capabilities, call metrics and recent errors; enable/disable and rollback; installing a
//! new plugin from an uploaded file after the admin approves its capabilities. Plus the
//! sign-in page used when `server.admin_token` is set.

use super::{Page, PageError, render};
use crate::plugins::InstallOptions;
use crate::plugins::manager::GrantChoice;
use crate::server::AppState;
use crate::web::auth::{self, Session, check_csrf};
use axum::Extension;
use axum::extract::{Multipart, Path, Query, RawForm, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use portico_package::{Capability, Manifest, Package};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// Largest plugin upload (componentize-py output is ~20 MB), as for the admin API.
pub const MAX_UPLOAD_BYTES: usize = 256 * 1024 * 1024;

fn unix_time_text(secs: u64) -> String {
    humantime::format_rfc3339_seconds(UNIX_EPOCH + std::time::Duration::from_secs(secs)).to_string()
}

fn system_time_text(at: SystemTime) -> String {
    unix_time_text(
        at.duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
    )
}

/// Every grant the manifest requests, as CLI grant strings with a description.
fn requested_grants(manifest: &Manifest) -> Vec<Value> {
    let mut out = Vec::new();
    for request in &manifest.capabilities {
        match &request.capability {
            Capability::Http { hosts } => {
                for host in hosts {
                    out.push(json!({
                        "spec": format!("http:{host}"),
                        "label": format!("HTTP requests to {host}"),
                        "reason": request.reason,
                        // Any-host patterns exist so an admin can grant a specific host
                        // instead; they are never pre-selected.
                        "wide": host.is_any_host(),
                    }));
                }
            }
            Capability::Secrets { names } => {
                for name in names {
                    out.push(json!({
                        "spec": format!("secrets:{name}"),
                        "label": format!("Read the secret “{name}”"),
                        "reason": request.reason,
                        "wide": false,
                    }));
                }
            }
            Capability::Kv => out.push(json!({
                "spec": "kv",
                "label": "Its own key/value store",
                "reason": request.reason,
                "wide": false,
            })),
            Capability::Catalog => out.push(json!({
                "spec": "catalog",
                "label": "Read the software catalog",
                "reason": request.reason,
                "wide": false,
            })),
            Capability::DocsFiles => out.push(json!({
                "spec": "docs-files",
                "label": "Read an entity’s docs folder (docs pages only)",
                "reason": request.reason,
                "wide": false,
            })),
        }
    }
    out
}

fn plugin_row(state: &AppState, record: crate::plugins::InstalledPlugin) -> Value {
    let manifest = Manifest::parse(&record.current.manifest_toml).ok();
    let loaded = state.runtime.get(&record.id);
    let services = state.runtime.services();
    let metrics = services.metrics.summary(&record.id);
    let events: Vec<Value> = services
        .events
        .recent(&record.id)
        .into_iter()
        .rev()
        .take(8)
        .map(|e| json!({"at": system_time_text(e.at), "kind": e.kind, "message": e.message}))
        .collect();
    let errors: u64 = metrics.errors.values().sum();
    let granted: Vec<String> = record
        .current
        .grants
        .capabilities()
        .iter()
        .map(|c| c.to_string())
        .collect();
    json!({
        "id": record.id,
        "name": manifest.as_ref().map(|m| m.name.clone()).unwrap_or_else(|| record.id.clone()),
        "description": manifest.as_ref().and_then(|m| m.description.clone()),
        "author": manifest.as_ref().and_then(|m| m.author.clone()),
        "version": record.current.version,
        "previous": record.previous.as_ref().map(|p| p.version.clone()),
        "enabled": record.enabled,
        "active": loaded.is_some(),
        "worlds": manifest.as_ref().map(|m| m.worlds.iter().map(|w| w.to_string()).collect::<Vec<_>>()).unwrap_or_default(),
        "exports": loaded.as_ref().map(|l| l.exports.worlds()).unwrap_or_default(),
        "requested": manifest.as_ref().map(requested_grants).unwrap_or_default(),
        "granted": granted,
        "signed_by": record.current.signed_by,
        "sha256": record.current.sha256.get(..12),
        "size_kib": record.current.size / 1024,
        "installed_at": unix_time_text(record.current.installed_at),
        "metrics": {
            "calls": metrics.calls,
            "errors": errors,
            "error_kinds": metrics.errors.iter().map(|(k, n)| json!({"kind": k, "count": n})).collect::<Vec<_>>(),
            "denials": metrics.denials,
            "mean_ms": if metrics.calls > 0 { format!("{:.1}", metrics.total_duration_ms / metrics.calls as f64) } else { "–".into() },
        },
        "events": events,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Notice {
    notice: String,
    plugin: String,
}

fn notice_text(notice: &Notice) -> Option<String> {
    let plugin = &notice.plugin;
    Some(match notice.notice.as_str() {
        "installed" => format!("Installed {plugin}."),
        "enabled" => format!("Enabled {plugin}."),
        "disabled" => format!("Disabled {plugin}."),
        "rolled-back" => format!("Rolled {plugin} back to its previous version."),
        "signed-in" => "Signed in.".to_string(),
        _ => return None,
    })
}

/// `GET /admin/plugins`.
pub async fn plugins_page(
    State(state): State<Arc<AppState>>,
    Extension(session): Extension<Session>,
    Query(notice): Query<Notice>,
) -> Result<Response, PageError> {
    let records = state.manager.list().map_err(PageError::internal)?;
    let plugins: Vec<Value> = records.into_iter().map(|r| plugin_row(&state, r)).collect();
    let templates = &state.portal.templates;
    Ok(render(
        &state,
        Page::new(
            "admin_plugins",
            "Plugins",
            "admin",
            json!({
                "csrf": session.csrf,
                "plugins": plugins,
                "notice": notice_text(&notice),
                "template_problems": templates.problems().iter().map(|p| json!({
                    "template": p.template, "file": p.file, "message": p.message, "at": system_time_text(p.at),
                })).collect::<Vec<_>>(),
                "overridden": templates.overridden(),
                "signed_in": state.admin_token.is_some(),
            }),
        ),
    ))
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// `POST /admin/plugins/{id}/{enable|disable|rollback}`.
pub async fn plugin_action(
    State(state): State<Arc<AppState>>,
    Extension(session): Extension<Session>,
    Path((id, action)): Path<(String, String)>,
    axum::Form(form): axum::Form<CsrfForm>,
) -> Result<Response, PageError> {
    check_csrf(&session, &form.csrf)?;
    let manager = state.manager.clone();
    let plugin = id.clone();
    let (notice, work): (&str, Box<dyn FnOnce() -> anyhow::Result<()> + Send>) =
        match action.as_str() {
            "enable" => (
                "enabled",
                Box::new(move || manager.set_enabled(&plugin, true).map(drop)),
            ),
            "disable" => (
                "disabled",
                Box::new(move || manager.set_enabled(&plugin, false).map(drop)),
            ),
            "rollback" => (
                "rolled-back",
                Box::new(move || manager.rollback(&plugin).map(drop)),
            ),
            other => {
                return Err(PageError::not_found(format!(
                    "There is no plugin action “{other}”."
                )));
            }
        };
    tokio::task::spawn_blocking(work)
        .await
        .map_err(PageError::internal)?
        .map_err(|e| PageError::bad_request(format!("{e:#}")))?;
    Ok(Redirect::to(&format!(
        "/admin/plugins?notice={notice}&plugin={}",
        crate::web::urls::segment(&id)
    ))
    .into_response())
}

/// `POST /admin/plugins/upload` (multipart: `_csrf`, `file`): keeps the file and shows what
/// it asks for.
pub async fn upload(
    State(state): State<Arc<AppState>>,
    Extension(session): Extension<Session>,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let mut csrf = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| PageError::bad_request(format!("The upload could not be read: {e}")))?
    {
        match field.name() {
            Some("_csrf") => csrf = field.text().await.unwrap_or_default(),
            Some("file") => {
                // The token comes first in the form: check it before reading a large body.
                check_csrf(&session, &csrf)?;
                let name = field.file_name().unwrap_or("plugin.wasm").to_string();
                let bytes = field.bytes().await.map_err(|e| {
                    PageError::bad_request(format!("The upload could not be read: {e}"))
                })?;
                file = Some((name, bytes.to_vec()));
            }
            _ => {}
        }
    }
    check_csrf(&session, &csrf)?;
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return Err(PageError::bad_request(
            "Choose a plugin file (.wasm) to upload.",
        ));
    };
    // Refuse what is not a plugin at once, before asking for an approval.
    Package::parse(&bytes)
        .map_err(|e| PageError::bad_request(format!("{name} is not a Portico plugin: {e}")))?;
    let id = state.portal.uploads.add(bytes, name, &session.id);
    Ok(Redirect::to(&format!("/admin/plugins/install/{id}")).into_response())
}

fn approval_data(
    state: &AppState,
    session: &Session,
    upload: &str,
    file_name: &str,
    bytes: &[u8],
    error: Option<String>,
) -> Result<Value, PageError> {
    let package = Package::parse(bytes).map_err(|e| PageError::bad_request(e.to_string()))?;
    let manifest = &package.manifest;
    let installed = state
        .manager
        .get(&manifest.id)
        .map_err(PageError::internal)?;
    let signature = match state.manager.verify(bytes, None) {
        Ok((_, Some(key))) => {
            json!({"state": "valid", "text": format!("Signed by trusted key “{key}”")})
        }
        Ok((_, None)) => json!({"state": "unsigned", "text": "Not signed"}),
        Err(e) => json!({"state": "invalid", "text": format!("{e:#}")}),
    };
    Ok(json!({
        "csrf": session.csrf,
        "upload": upload,
        "file_name": file_name,
        "error": error,
        "id": manifest.id,
        "name": manifest.name,
        "version": manifest.version.to_string(),
        "description": manifest.description,
        "author": manifest.author,
        "license": manifest.license,
        "worlds": manifest.worlds.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
        "sha256": package.sha256,
        "size_kib": package.size / 1024,
        "signature": signature,
        "requested": requested_grants(manifest),
        "replaces": installed.map(|r| r.current.version),
        "issues": package.issues.iter().map(|i| i.message.clone()).collect::<Vec<_>>(),
    }))
}

/// `GET /admin/plugins/install/{upload}`: the approval step.
pub async fn approve_page(
    State(state): State<Arc<AppState>>,
    Extension(session): Extension<Session>,
    Path(upload): Path<String>,
) -> Result<Response, PageError> {
    let (bytes, file_name) = state
        .portal
        .uploads
        .get(&upload, &session.id)
        .ok_or_else(|| {
            PageError::not_found(
                "This upload has expired or belongs to another session. Upload the file again.",
            )
        })?;
    let data = approval_data(&state, &session, &upload, &file_name, &bytes, None)?;
    Ok(render(
        &state,
        Page::new("admin_approve", "Approve plugin", "admin", data),
    ))
}

/// `POST /admin/plugins/install/{upload}` (form: `_csrf`, `grant` repeated).
pub async fn approve(
    State(state): State<Arc<AppState>>,
    Extension(session): Extension<Session>,
    Path(upload): Path<String>,
    RawForm(body): RawForm,
) -> Result<Response, PageError> {
    #[derive(Deserialize)]
    struct ApproveForm {
        #[serde(rename = "_csrf", default)]
        csrf: String,
        #[serde(default)]
        grant: Vec<String>,
    }
    let form: ApproveForm = serde_html_form::from_bytes(&body)
        .map_err(|e| PageError::bad_request(format!("The form could not be read: {e}")))?;
    check_csrf(&session, &form.csrf)?;
    let (bytes, file_name) = state
        .portal
        .uploads
        .get(&upload, &session.id)
        .ok_or_else(|| {
            PageError::not_found(
                "This upload has expired or belongs to another session. Upload the file again.",
            )
        })?;
    let sha256 = Package::parse(&bytes)
        .map(|p| p.sha256)
        .map_err(|e| PageError::bad_request(e.to_string()))?;
    let manager = state.manager.clone();
    let install_bytes = bytes.clone();
    let options = InstallOptions {
        expected_sha256: Some(sha256),
        grants: GrantChoice::Specs(form.grant),
    };
    let result = tokio::task::spawn_blocking(move || manager.install(&install_bytes, &options))
        .await
        .map_err(PageError::internal)?;
    match result {
        Ok(report) => {
            state.portal.uploads.remove(&upload);
            Ok(Redirect::to(&format!(
                "/admin/plugins?notice=installed&plugin={}",
                crate::web::urls::segment(&report.id)
            ))
            .into_response())
        }
        Err(err) => {
            let data = approval_data(
                &state,
                &session,
                &upload,
                &file_name,
                &bytes,
                Some(format!("{err:#}")),
            )?;
            let mut page = Page::new("admin_approve", "Approve plugin", "admin", data);
            page.status = StatusCode::BAD_REQUEST;
            Ok(render(&state, page))
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SignInQuery {
    next: String,
}

/// Only paths inside the admin area, so sign-in cannot redirect elsewhere.
fn safe_next(next: &str) -> &str {
    if next.starts_with("/admin") && !next.starts_with("//") && !next.contains('\\') {
        next
    } else {
        "/admin/plugins"
    }
}

/// `GET /admin/sign-in`.
pub async fn sign_in_page(
    State(state): State<Arc<AppState>>,
    Extension(session): Extension<Session>,
    Query(query): Query<SignInQuery>,
) -> Response {
    if state.admin_token.is_none() || session.signed_in {
        return Redirect::to(safe_next(&query.next)).into_response();
    }
    render(
        &state,
        Page::new(
            "sign_in",
            "Sign in",
            "admin",
            json!({"csrf": session.csrf, "next": safe_next(&query.next), "error": null}),
        ),
    )
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    next: String,
}

/// `POST /admin/sign-in`: a correct token replaces the session with a signed-in one.
pub async fn sign_in(
    State(state): State<Arc<AppState>>,
    Extension(session): Extension<Session>,
    axum::Form(form): axum::Form<SignInForm>,
) -> Result<Response, PageError> {
    check_csrf(&session, &form.csrf)?;
    let next = safe_next(&form.next).to_string();
    let Some(token) = &state.admin_token else {
        return Ok(Redirect::to(&next).into_response());
    };
    if !auth::constant_time_eq(token, form.token.trim()) {
        // Slows down guessing; the token is long enough that this is only hygiene.
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        let mut page = Page::new(
            "sign_in",
            "Sign in",
            "admin",
            json!({"csrf": session.csrf, "next": next, "error": "That is not the admin token."}),
        );
        page.status = StatusCode::UNAUTHORIZED;
        return Ok(render(&state, page));
    }
    state.portal.sessions.remove(&session.id);
    let fresh = state.portal.sessions.create(true);
    let mut response = Redirect::to(&next).into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, auth::session_cookie(&fresh));
    Ok(response)
}

/// `POST /admin/sign-out`.
pub async fn sign_out(
    State(state): State<Arc<AppState>>,
    Extension(session): Extension<Session>,
    axum::Form(form): axum::Form<CsrfForm>,
) -> Result<Response, PageError> {
    check_csrf(&session, &form.csrf)?;
    state.portal.sessions.remove(&session.id);
    let mut response = Redirect::to("/").into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, auth::expired_cookie());
    Ok(response)
}
