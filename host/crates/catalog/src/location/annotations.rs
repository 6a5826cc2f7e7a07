//! The well-known location annotations and how Backstage sets them on an entity read from a
//! location (its `ProcessorOutputCollector` plus `AnnotateLocationEntityProcessor`).
//!
//! `managed-by-location` (`<type>:<target>` of the file or URL the entity was read from) and
//! `managed-by-origin-location` (the registered root location) always overwrite what the
//! document says. For `url` locations, `view-url` is the URL; for GitHub and GitLab URLs
//! `edit-url` (not for commit-pinned URLs) and `source-location` (`url:` + the directory, as a
//! GitHub `tree` URL) are added too; these three never overwrite values the document sets.
//! `file` locations get only the first two. `orphan` is set by the catalog, not here.

use serde_json::{Map, Value};

use super::LocationSpec;
use super::resolve::resolve_url;

/// The location an entity was read from.
pub const ANNOTATION_LOCATION: &str = "backstage.io/managed-by-location";
/// The registered location that led to the entity.
pub const ANNOTATION_ORIGIN_LOCATION: &str = "backstage.io/managed-by-origin-location";
/// Where the entity's source code lives.
pub const ANNOTATION_SOURCE_LOCATION: &str = "backstage.io/source-location";
/// Set to `"true"` when no location emits the entity any more.
pub const ANNOTATION_ORPHAN: &str = "backstage.io/orphan";
/// A URL to view the entity's descriptor.
pub const ANNOTATION_VIEW_URL: &str = "backstage.io/view-url";
/// A URL to edit the entity's descriptor.
pub const ANNOTATION_EDIT_URL: &str = "backstage.io/edit-url";

/// Sets the location annotations on an entity document read from `location`, registered through
/// `origin`. Does nothing if `metadata` is missing or not an object; an `annotations` value that
/// is not an object is replaced (Backstage reports it; validation will have rejected it first).
pub fn apply_location_annotations(
    entity: &mut Value,
    location: &LocationSpec,
    origin: &LocationSpec,
) {
    let Some(Value::Object(metadata)) = entity.get_mut("metadata") else {
        return;
    };
    let annotations = metadata
        .entry("annotations")
        .or_insert_with(|| Value::Object(Map::new()));
    if !annotations.is_object() {
        *annotations = Value::Object(Map::new());
    }
    let annotations = annotations.as_object_mut().expect("just made an object");
    annotations.insert(ANNOTATION_LOCATION.into(), location.to_ref().into());
    annotations.insert(ANNOTATION_ORIGIN_LOCATION.into(), origin.to_ref().into());
    for (key, value) in url_annotations(location) {
        annotations.entry(key).or_insert(Value::String(value));
    }
}

/// `view-url`, `edit-url` and `source-location` for a `url` location (none for other types).
pub fn url_annotations(location: &LocationSpec) -> Vec<(&'static str, String)> {
    if location.location_type != "url" {
        return Vec::new();
    }
    let target = &location.target;
    let mut out = vec![(ANNOTATION_VIEW_URL, target.clone())];
    let Some(scm) = Scm::of(target) else {
        return out;
    };
    if !has_commit_hash(target)
        && let Some(edit) = scm.edit_url(target)
    {
        out.push((ANNOTATION_EDIT_URL, edit));
    }
    if let Ok(dir) = resolve_url(target, "./") {
        out.push((
            ANNOTATION_SOURCE_LOCATION,
            format!("url:{}", scm.source_url(&dir)),
        ));
    }
    out
}

#[derive(Clone, Copy)]
enum Scm {
    GitHub,
    GitLab,
}

impl Scm {
    fn of(target: &str) -> Option<Scm> {
        let host = url::Url::parse(target).ok()?.host_str()?.to_owned();
        match host.as_str() {
            "github.com" => Some(Scm::GitHub),
            "gitlab.com" => Some(Scm::GitLab),
            _ => None,
        }
    }

    fn edit_url(self, target: &str) -> Option<String> {
        match self {
            Scm::GitHub => replace_segment(target, &["blob", "tree"], "edit"),
            Scm::GitLab => target
                .contains("/-/blob/")
                .then(|| target.replacen("/-/blob/", "/-/edit/", 1)),
        }
    }

    fn source_url(self, dir: &str) -> String {
        match self {
            Scm::GitHub => {
                replace_segment(dir, &["blob", "edit"], "tree").unwrap_or_else(|| dir.to_owned())
            }
            Scm::GitLab => dir.to_owned(),
        }
    }
}

/// Replaces the GitHub URL-type segment (`/<owner>/<repo>/<type>/...`) if it is one of `from`.
fn replace_segment(target: &str, from: &[&str], to: &str) -> Option<String> {
    let mut url = url::Url::parse(target).ok()?;
    let mut segments: Vec<String> = url.path_segments()?.map(str::to_owned).collect();
    if segments.len() < 3 || !from.contains(&segments[2].as_str()) {
        return None;
    }
    segments[2] = to.to_owned();
    url.set_path(&segments.join("/"));
    Some(url.to_string())
}

/// Backstage's `/\b[0-9a-f]{40,}\b/`: a commit-pinned URL cannot be edited.
fn has_commit_hash(target: &str) -> bool {
    target
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .any(|word| {
            word.len() >= 40
                && word
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}
