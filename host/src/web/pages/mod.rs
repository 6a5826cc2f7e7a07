//! The portal's pages, one module each, and what they share: rendering a template inside
//! the layout, error pages, and the routes.

mod admin;
mod catalog;
mod docs_tab;
mod entity;
mod entity_tabs;
mod errors;
mod home;
mod plugin_views;

use crate::server::AppState;
use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Serialize;
use serde_json::{Value, json};
use std::sync::Arc;

pub use errors::{PageError, Suggestion};

pub fn routes(state: Arc<AppState>) -> Router<Arc<AppState>> {
    let admin = Router::new()
        .route("/admin", get(|| async { Redirect::to("/admin/plugins") }))
        .route(
            "/admin/sign-in",
            get(admin::sign_in_page).post(admin::sign_in),
        )
        .route("/admin/sign-out", post(admin::sign_out))
        .route("/admin/plugins", get(admin::plugins_page))
        .route(
            "/admin/plugins/upload",
            post(admin::upload).layer(axum::extract::DefaultBodyLimit::max(
                admin::MAX_UPLOAD_BYTES,
            )),
        )
        .route(
            "/admin/plugins/install/{upload}",
            get(admin::approve_page).post(admin::approve),
        )
        .route("/admin/plugins/{id}/{action}", post(admin::plugin_action))
        .layer(axum::middleware::from_fn_with_state(
            state,
            super::auth::admin_gate,
        ));
    Router::new()
        .route("/", get(home::page))
        .route("/catalog", get(catalog::page))
        .route(
            "/catalog/{namespace}/{kind}/{name}",
            get(entity::overview_page),
        )
        .route(
            "/catalog/{namespace}/{kind}/{name}/{tab}",
            get(entity::builtin_tab),
        )
        .route(
            "/catalog/{namespace}/{kind}/{name}/docs",
            get(docs_tab::index),
        )
        .route(
            "/catalog/{namespace}/{kind}/{name}/docs/{*path}",
            get(docs_tab::page),
        )
        .route(
            "/catalog/{namespace}/{kind}/{name}/views/{plugin}/{view}",
            get(plugin_views::tab_page),
        )
        .route(
            "/fragments/catalog/{namespace}/{kind}/{name}/views/{plugin}/{view}",
            get(plugin_views::fragment),
        )
        .route("/static/{*path}", get(static_file))
        .route("/theme.css", get(theme_css))
        .merge(admin)
        .fallback(errors::fallback)
}

async fn static_file(
    State(state): State<Arc<AppState>>,
    Path(path): Path<String>,
    headers: HeaderMap,
) -> Response {
    state.portal.assets.serve(&path, &headers)
}

async fn theme_css(State(state): State<Arc<AppState>>) -> Response {
    super::assets::Assets::theme_css(&state.portal.theme)
}

/// What every page's layout needs.
#[derive(Serialize)]
struct Site<'a> {
    name: &'a str,
    logo: Option<&'a str>,
    asset_version: &'a str,
    /// The admin pages need a sign-in (a token is configured).
    admin_token: bool,
}

/// A page: a template rendered inside the layout.
pub struct Page {
    pub template: &'static str,
    pub title: String,
    /// The header's active item: `home`, `catalog`, `admin`.
    pub nav: &'static str,
    pub data: Value,
    pub status: StatusCode,
}

impl Page {
    pub fn new(
        template: &'static str,
        title: impl Into<String>,
        nav: &'static str,
        data: Value,
    ) -> Page {
        Page {
            template,
            title: title.into(),
            nav,
            data,
            status: StatusCode::OK,
        }
    }
}

/// Renders `page`; a template failure gives a plain 500 page rather than nothing.
pub fn render(state: &AppState, page: Page) -> Response {
    let portal = &state.portal;
    let mut context = json!({
        "site": Site {
            name: &portal.theme.name,
            logo: portal.theme.logo.as_deref(),
            asset_version: &portal.assets.version,
            admin_token: state.admin_token.is_some(),
        },
        "title": page.title,
        "nav": page.nav,
    });
    if let (Value::Object(context), Value::Object(data)) = (&mut context, page.data) {
        context.extend(data);
    }
    match portal.templates.render(page.template, &context) {
        Ok(html) => (page.status, html_headers(), Html(html)).into_response(),
        Err(err) => {
            tracing::error!(template = page.template, error = %format!("{err:#}"), "page failed to render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html("<!doctype html><title>Error</title><h1>This page failed to render</h1><p>The error is in the server log.</p>"),
            )
                .into_response()
        }
    }
}

/// Renders a bare fragment (no layout).
pub fn render_fragment(state: &AppState, template: &str, data: &Value) -> Response {
    match state.portal.templates.render(template, data) {
        Ok(html) => (html_headers(), Html(html)).into_response(),
        Err(err) => {
            tracing::error!(template, error = %format!("{err:#}"), "fragment failed to render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html("<div class=\"card notice notice-danger\">This view failed to render.</div>"),
            )
                .into_response()
        }
    }
}

fn html_headers() -> [(header::HeaderName, HeaderValue); 1] {
    // Pages show live data; never serve them from a shared cache.
    [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))]
}

/// Turns the [`PageError`]s handlers return into error pages (the handlers have no access to
/// the templates from `IntoResponse`).
pub async fn render_error_pages(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let response = next.run(request).await;
    let Some(error) = response.extensions().get::<PageError>().cloned() else {
        return response;
    };
    let cookies: Vec<HeaderValue> = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .cloned()
        .collect();
    let mut page = render(&state, error.page());
    for cookie in cookies {
        page.headers_mut().append(header::SET_COOKIE, cookie);
    }
    page
}
