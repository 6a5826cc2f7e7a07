//! Static files: CSS, JavaScript and images built into the binary (from `web/static`),
//! with the organization's `portal.overrides`/static folder looked up first, and the
//! theme stylesheet made from config.

use super::theme::Theme;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};
use std::path::{Component, Path, PathBuf};

#[derive(RustEmbed)]
#[folder = "../web/static/"]
struct BuiltIn;

pub struct Assets {
    overrides: Option<PathBuf>,
    /// A short hash of every built-in file and the theme: appended to asset URLs as `?v=`
    /// so browsers may cache them for long and still see a new release at once.
    pub version: String,
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or_default() {
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "ico" => "image/x-icon",
        "webp" => "image/webp",
        "woff2" => "font/woff2",
        "json" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// `path` as a relative path with normal components only (no `..`, no root, no drive).
fn confined(path: &str) -> Option<PathBuf> {
    let relative = Path::new(path);
    let ok = !path.is_empty()
        && !path.contains('\\')
        && relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
    ok.then(|| relative.to_path_buf())
}

impl Assets {
    pub fn new(overrides: Option<&Path>, theme: &Theme) -> Assets {
        let mut hash = Sha256::new();
        for file in BuiltIn::iter() {
            if let Some(content) = BuiltIn::get(&file) {
                hash.update(content.metadata.sha256_hash());
            }
        }
        hash.update(theme.css.as_bytes());
        Assets {
            overrides: overrides.map(|d| d.join("static")),
            version: hex::encode(&hash.finalize()[..6]),
        }
    }

    /// `GET /static/{path}`.
    pub fn serve(&self, path: &str, request_headers: &HeaderMap) -> Response {
        let Some(relative) = confined(path) else {
            return StatusCode::NOT_FOUND.into_response();
        };
        let kind = content_type(path);
        if let Some(dir) = &self.overrides {
            let file = dir.join(&relative);
            if file.is_file()
                && let Ok(bytes) = std::fs::read(&file)
            {
                // The organization's files may change while the portal runs.
                return file_response(kind, "no-cache", None, bytes);
            }
        }
        let Some(content) = BuiltIn::get(path) else {
            return StatusCode::NOT_FOUND.into_response();
        };
        let etag = format!("\"{}\"", hex::encode(&content.metadata.sha256_hash()[..12]));
        if request_headers
            .get(header::IF_NONE_MATCH)
            .is_some_and(|v| v.as_bytes() == etag.as_bytes())
        {
            return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
        }
        file_response(
            kind,
            "public, max-age=86400",
            Some(etag),
            content.data.into_owned(),
        )
    }

    /// `GET /theme.css`.
    pub fn theme_css(theme: &Theme) -> Response {
        file_response(
            "text/css; charset=utf-8",
            "public, max-age=300",
            None,
            theme.css.clone().into_bytes(),
        )
    }
}

fn file_response(kind: &str, cache: &str, etag: Option<String>, bytes: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(bytes));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(kind).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(value) = HeaderValue::from_str(cache) {
        headers.insert(header::CACHE_CONTROL, value);
    }
    if let Some(etag) = etag.and_then(|e| HeaderValue::from_str(&e).ok()) {
        headers.insert(header::ETAG, etag);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_confined() {
        assert!(confined("app.css").is_some());
        assert!(confined("img/logo.svg").is_some());
        for bad in [
            "../secret",
            "/etc/passwd",
            "a/../../b",
            "a\\b",
            "",
            "./x/../..",
        ] {
            assert!(confined(bad).is_none(), "{bad}");
        }
    }
}
