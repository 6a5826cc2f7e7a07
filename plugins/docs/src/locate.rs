//! Where an entity's docs are, from its annotations, as Backstage's TechDocs resolves them:
//!
//! - `backstage.io/techdocs-ref: url:<URL>` — the docs root (the folder with `mkdocs.yml`);
//! - `backstage.io/techdocs-ref: dir:<path>` — relative to the entity's source location:
//!   `backstage.io/source-location`, else `backstage.io/managed-by-location`. Against a
//!   `url:` location the result is a URL; against a `file:` location it is a directory the
//!   host resolves, confines and mounts for the call (the plugin never sees host paths).
//!
//! Repository URLs are turned into raw-file URLs: GitHub's `tree`/`blob` pages into
//! `raw.githubusercontent.com`, GitLab's `/-/tree/` and `/-/blob/` into `/-/raw/`.

use portico_sdk::{Descriptor, PluginError, Result};
use url::Url;

pub const TECHDOCS_REF: &str = "backstage.io/techdocs-ref";
pub const SOURCE_LOCATION: &str = "backstage.io/source-location";
pub const MANAGED_BY_LOCATION: &str = "backstage.io/managed-by-location";

/// Where to read the docs from.
#[derive(Debug, Clone, PartialEq)]
pub enum DocsRoot {
    /// The directory the host mounts (a `dir:` reference next to a `file` location).
    Mounted,
    /// A base URL ending with `/`.
    Web(Url),
}

/// Whether the entity declares docs at all (cheap: one annotation).
pub fn declares_docs(d: &Descriptor) -> bool {
    d.annotation(TECHDOCS_REF)
        .is_some_and(|r| r.starts_with("dir:") || r.starts_with("url:"))
}

/// Resolves the entity's docs root.
pub fn locate(d: &Descriptor) -> Result<DocsRoot> {
    let reference = d.annotation(TECHDOCS_REF).ok_or_else(|| {
        PluginError::not_found(format!("the entity has no {TECHDOCS_REF} annotation"))
    })?;
    let (kind, target) = split_location(reference, TECHDOCS_REF)?;
    match kind {
        "url" => Ok(DocsRoot::Web(raw_base(parse_url(target, TECHDOCS_REF)?))),
        "dir" => {
            let (key, location) = d
                .annotation(SOURCE_LOCATION)
                .map(|l| (SOURCE_LOCATION, l))
                .or_else(|| d.annotation(MANAGED_BY_LOCATION).map(|l| (MANAGED_BY_LOCATION, l)))
                .ok_or_else(|| {
                    PluginError::invalid_input(format!(
                        "{TECHDOCS_REF} is `{reference}`, relative to the entity's location, but the \
                         entity has neither {SOURCE_LOCATION} nor {MANAGED_BY_LOCATION}"
                    ))
                })?;
            let (location_kind, location_target) = split_location(location, key)?;
            match location_kind {
                "url" => {
                    let base = parse_url(location_target, key)?;
                    let dir = base.join(&dir_with_slash(target)).map_err(|e| {
                        PluginError::invalid_input(format!(
                            "{TECHDOCS_REF} `{reference}` against {key} `{location}`: {e}"
                        ))
                    })?;
                    Ok(DocsRoot::Web(raw_base(dir)))
                }
                "file" => Ok(DocsRoot::Mounted),
                other => Err(PluginError::invalid_input(format!(
                    "{key} has type `{other}`; docs next to it can only be read from `url` or \
                     `file` locations"
                ))),
            }
        }
        other => Err(PluginError::invalid_input(format!(
            "{TECHDOCS_REF} has type `{other}`; write `dir:<path>` or `url:<url>`"
        ))),
    }
}

fn split_location<'a>(value: &'a str, key: &str) -> Result<(&'a str, &'a str)> {
    value
        .split_once(':')
        .filter(|(_, t)| !t.trim().is_empty())
        .map(|(k, t)| (k.trim(), t.trim()))
        .ok_or_else(|| {
            PluginError::invalid_input(format!("{key} is `{value}`; write `type:target`"))
        })
}

fn parse_url(text: &str, key: &str) -> Result<Url> {
    let url = Url::parse(text)
        .map_err(|e| PluginError::invalid_input(format!("{key}: `{text}` is not a URL: {e}")))?;
    match url.scheme() {
        "http" | "https" => Ok(url),
        other => Err(PluginError::invalid_input(format!(
            "{key}: `{text}` uses `{other}`; only http and https URLs can be read"
        ))),
    }
}

fn dir_with_slash(dir: &str) -> String {
    match dir.ends_with('/') {
        true => dir.to_string(),
        false => format!("{dir}/"),
    }
}

/// The raw-file base URL of a repository folder URL, ending with `/`.
pub fn raw_base(mut url: Url) -> Url {
    url.set_query(None);
    url.set_fragment(None);
    let segments: Vec<String> = url
        .path_segments()
        .map(|s| s.filter(|s| !s.is_empty()).map(str::to_string).collect())
        .unwrap_or_default();
    let github = url.host_str() == Some("github.com")
        && segments.len() >= 4
        && matches!(segments[2].as_str(), "tree" | "blob");
    if github {
        let mut path = vec![segments[0].clone(), segments[1].clone()];
        path.extend(segments[3..].iter().cloned());
        let mut raw = Url::parse("https://raw.githubusercontent.com/").expect("a valid URL");
        raw.set_path(&format!("{}/", path.join("/")));
        return raw;
    }
    if let Some(pos) = segments
        .windows(2)
        .position(|w| w[0] == "-" && matches!(w[1].as_str(), "tree" | "blob"))
    {
        let mut path = segments.clone();
        path[pos + 1] = "raw".into();
        url.set_path(&format!("{}/", path.join("/")));
        return url;
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    fn descriptor(annotations: &[(&str, &str)]) -> Descriptor {
        let map: serde_json::Map<String, serde_json::Value> = annotations
            .iter()
            .map(|(k, v)| (k.to_string(), serde_json::Value::from(*v)))
            .collect();
        let json =
            serde_json::json!({"kind": "Component", "metadata": {"name": "x", "annotations": map}});
        Descriptor::parse(&json.to_string()).unwrap()
    }

    #[test]
    fn dir_next_to_a_file_location_is_mounted() {
        let d = descriptor(&[
            (TECHDOCS_REF, "dir:."),
            (MANAGED_BY_LOCATION, "file:/repo/catalog-info.yaml"),
        ]);
        assert!(declares_docs(&d));
        assert_eq!(locate(&d).unwrap(), DocsRoot::Mounted);
    }

    #[test]
    fn dir_next_to_a_github_location_is_a_raw_url() {
        let d = descriptor(&[
            (TECHDOCS_REF, "dir:./service"),
            (
                MANAGED_BY_LOCATION,
                "url:https://github.com/acme/repo/blob/main/catalog-info.yaml",
            ),
        ]);
        assert_eq!(
            locate(&d).unwrap(),
            DocsRoot::Web(
                Url::parse("https://raw.githubusercontent.com/acme/repo/main/service/").unwrap()
            )
        );
        // The source location wins over the managed-by location.
        let d = descriptor(&[
            (TECHDOCS_REF, "dir:."),
            (
                SOURCE_LOCATION,
                "url:https://gitlab.com/g/p/-/tree/dev/sub/",
            ),
            (MANAGED_BY_LOCATION, "file:/x/catalog-info.yaml"),
        ]);
        assert_eq!(
            locate(&d).unwrap(),
            DocsRoot::Web(Url::parse("https://gitlab.com/g/p/-/raw/dev/sub/").unwrap())
        );
    }

    #[test]
    fn url_references_and_errors() {
        let d = descriptor(&[(TECHDOCS_REF, "url:http://127.0.0.1:8080/docs-site")]);
        assert_eq!(
            locate(&d).unwrap(),
            DocsRoot::Web(Url::parse("http://127.0.0.1:8080/docs-site/").unwrap())
        );
        let err = locate(&descriptor(&[(TECHDOCS_REF, "url:file:///etc/")])).unwrap_err();
        assert!(
            err.message.contains("only http and https"),
            "{}",
            err.message
        );
        let err = locate(&descriptor(&[(TECHDOCS_REF, "dir:.")])).unwrap_err();
        assert!(err.message.contains("neither"), "{}", err.message);
        let err = locate(&descriptor(&[(TECHDOCS_REF, "s3:bucket")])).unwrap_err();
        assert!(err.message.contains("`s3`"), "{}", err.message);
        assert!(!declares_docs(&descriptor(&[])));
    }
}
