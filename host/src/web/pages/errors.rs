//! Error pages: a [`PageError`] returned by a handler becomes a page with a status, an
//! explanation and, for an unknown entity, the nearest matches in the catalog.

use super::Page;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

#[derive(Debug, Clone, Serialize)]
pub struct Suggestion {
    pub label: String,
    pub kind: String,
    pub href: String,
}

#[derive(Debug, Clone)]
pub struct PageError {
    pub status: StatusCode,
    pub title: String,
    pub message: String,
    pub suggestions: Vec<Suggestion>,
}

impl PageError {
    pub fn new(status: StatusCode, title: impl Into<String>, message: impl Into<String>) -> Self {
        PageError {
            status,
            title: title.into(),
            message: message.into(),
            suggestions: Vec::new(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "Not found", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "Not allowed", message)
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "Bad request", message)
    }

    pub fn internal(err: impl std::fmt::Display) -> Self {
        tracing::error!(error = %err, "page failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong",
            format!("The server could not build this page: {err}"),
        )
    }

    pub fn with_suggestions(mut self, suggestions: Vec<Suggestion>) -> Self {
        self.suggestions = suggestions;
        self
    }

    pub(super) fn page(&self) -> Page {
        let mut page = Page::new(
            "error",
            self.title.clone(),
            "",
            json!({
                "status": self.status.as_u16(),
                "heading": self.title,
                "message": self.message,
                "suggestions": self.suggestions,
            }),
        );
        page.status = self.status;
        page
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

impl From<portico_catalog::CatalogError> for PageError {
    fn from(err: portico_catalog::CatalogError) -> Self {
        match err {
            portico_catalog::CatalogError::NotFound(m) => PageError::not_found(m),
            portico_catalog::CatalogError::Input(m) => PageError::bad_request(m),
            other => PageError::internal(other),
        }
    }
}

/// Unknown paths: JSON under `/api/` (for API clients), an error page elsewhere.
pub async fn fallback(request: Request) -> Response {
    let path = request.uri().path();
    if path.starts_with("/api/") {
        return crate::server::ApiError(
            StatusCode::NOT_FOUND,
            format!("no API route {} {path}", request.method()),
        )
        .into_response();
    }
    PageError::not_found(format!("There is no page at {path}.")).into_response()
}
