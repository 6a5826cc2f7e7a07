//! Resolving a (possibly relative) target against the location it was found in, for Location
//! targets (Backstage's `toAbsoluteUrl`) and placeholders (`ScmIntegrations.resolveUrl`).
//!
//! `file` bases: a target starting with `.` is joined to the base file's directory and
//! normalised lexically (Node's `path.join`); any other target is taken as written. `url` bases:
//! absolute URLs are kept; `/x` is relative to the repository root for GitHub/GitLab blob URLs
//! (the host root otherwise); anything else resolves like a browser link, keeping the base's query.

use std::path::{Component, Path, PathBuf};

use super::LocationSpec;

/// Where `target` (found in a document read from `base`) points, as a location of `target_type`.
/// Mirrors Backstage's `toAbsoluteUrl`: when the types differ the target is used as written.
pub fn resolve_target(base: &LocationSpec, target_type: &str, target: &str) -> String {
    if base.location_type != target_type {
        return target.to_owned();
    }
    match target_type {
        "file" if target.starts_with('.') => join_file(&base.target, target),
        "file" => target.to_owned(),
        "url" => resolve_url(&base.target, target).unwrap_or_else(|_| target.to_owned()),
        _ => target.to_owned(),
    }
}

/// `path.join(path.dirname(base), relative)`, normalised without touching the file system.
pub fn join_file(base: &str, relative: &str) -> String {
    let dir = Path::new(base).parent().unwrap_or(Path::new(""));
    normalize(&dir.join(relative))
        .to_string_lossy()
        .into_owned()
}

/// Lexical normalisation: drops `.`, folds `..` into the previous component.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                let popped =
                    matches!(out.components().next_back(), Some(Component::Normal(_))) && out.pop();
                if !popped && !out.has_root() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Resolves `url` against the URL `base` as Backstage's `defaultScmResolveUrl` does.
pub fn resolve_url(base: &str, url: &str) -> Result<String, String> {
    if let Ok(absolute) = url::Url::parse(url) {
        return Ok(absolute.to_string());
    }
    let base_url = url::Url::parse(base).map_err(|e| format!("TypeError: Invalid URL ({e})"))?;
    let mut updated = if let Some(rest) = url.strip_prefix('/') {
        let mut root = base_url.clone();
        root.set_query(None);
        root.set_path(&format!("{}/", repo_root_path(&base_url)));
        root.join(rest).map_err(|e| e.to_string())?
    } else {
        base_url.join(url).map_err(|e| e.to_string())?
    };
    updated.set_query(base_url.query());
    Ok(updated.to_string())
}

/// The path of the repository root (with ref) inside a GitHub or GitLab blob/tree URL;
/// empty (the host root) for other URLs.
fn repo_root_path(url: &url::Url) -> String {
    let segments: Vec<&str> = url.path_segments().map(|s| s.collect()).unwrap_or_default();
    // github.com/<owner>/<repo>/(blob|tree)/<ref>/... ; gitlab.com/<group...>/<repo>/-/(blob|tree)/<ref>/...
    for (i, s) in segments.iter().enumerate() {
        let is_blob = *s == "blob" || *s == "tree";
        if is_blob && i >= 2 && i + 1 < segments.len() {
            return format!("/{}", segments[..=i + 1].join("/"));
        }
    }
    String::new()
}
