//! `Location` entities in a catalog file point at more files (`spec.target`, `spec.targets`),
//! as Backstage's catalogs often do (`catalog-info.yaml` listing `./components/*.yaml`...).
//! Targets in the same repository and branch are read too, level by level, each level's
//! files at once: at most [`MAX_DEPTH`] levels and [`MAX_FILES`] files per repository.
//! Targets elsewhere (another repository, a glob) are reported, not followed.

use std::collections::BTreeSet;

use portico_sdk::http;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::catalog_file::{self, FileLocation};
use crate::contents;
use crate::github::{ApiError, Client, Fetch};
use crate::model::Content;

pub const MAX_DEPTH: usize = 3;
pub const MAX_FILES: usize = 50;

/// An entity and the file it came from (`url:…/blob/…`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Emitted {
    pub descriptor: String,
    pub location: String,
}

/// What the targets gave: their entities, and `(location, problem)` pairs.
#[derive(Debug, Clone, Default)]
pub struct Followed {
    pub entities: Vec<Emitted>,
    pub errors: Vec<(String, String)>,
}

/// Reads the files the Location entities of `root` (the entities of the file at `root_at`)
/// point at. Fails only when the run must stop (rate limit, bad token, time budget).
pub fn follow(
    client: &Client,
    root_at: &FileLocation,
    root: &[String],
) -> Result<Followed, ApiError> {
    let mut out = Followed::default();
    let mut seen = BTreeSet::from([root_at.path.clone()]);
    let mut frontier: Vec<(FileLocation, Vec<String>)> = vec![(root_at.clone(), root.to_vec())];
    for depth in 1..=MAX_DEPTH + 1 {
        let mut wanted: Vec<FileLocation> = Vec::new();
        for (at, entities) in &frontier {
            for target in location_targets(entities) {
                let problem =
                    |why: String| (at.location(), format!("Location target `{target}`: {why}"));
                match resolve(&target, at) {
                    Err(why) => out.errors.push(problem(why)),
                    Ok(path) if !seen.insert(path.clone()) => {}
                    Ok(_) if depth > MAX_DEPTH => out.errors.push(problem(format!(
                        "not followed: Location entities nest deeper than {MAX_DEPTH} levels"
                    ))),
                    Ok(_) if seen.len() > MAX_FILES + 1 => out.errors.push(problem(format!(
                        "not followed: more than {MAX_FILES} files in one repository"
                    ))),
                    Ok(path) => wanted.push(FileLocation { path, ..at.clone() }),
                }
            }
        }
        if wanted.is_empty() {
            break;
        }
        if client.out_of_time() {
            return Err(client.budget_spent());
        }
        let requests = wanted
            .iter()
            .map(|at| client.request(&contents::url(client, at), None))
            .collect();
        let mut next = Vec::new();
        for (at, answer) in wanted.into_iter().zip(http::send_all(requests)) {
            let what = format!("{} of {}", at.path, at.slug);
            match client.answer::<Content>(answer, &what) {
                Ok((Fetch::Fresh { data, .. }, _)) => {
                    match contents::text(&data, &what).and_then(|t| catalog_file::parse(&t, &at)) {
                        Ok(entities) => {
                            out.entities.extend(entities.iter().map(|d| Emitted {
                                descriptor: d.clone(),
                                location: at.location(),
                            }));
                            next.push((at, entities));
                        }
                        Err(problem) => out.errors.push((at.location(), problem)),
                    }
                }
                Ok((Fetch::NotFound | Fetch::NotModified, _)) => out.errors.push((
                    at.location(),
                    format!("{what} does not exist (it is the target of a Location entity)"),
                )),
                Err(e) if e.stop => return Err(e),
                Err(e) => out.errors.push((at.location(), e.error.message)),
            }
        }
        frontier = next;
    }
    Ok(out)
}

/// `spec.target` and `spec.targets` of the Location entities among `entities`.
fn location_targets(entities: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for descriptor in entities {
        let Ok(v) = serde_json::from_str::<Value>(descriptor) else {
            continue;
        };
        if !v["kind"]
            .as_str()
            .is_some_and(|k| k.eq_ignore_ascii_case("location"))
        {
            continue;
        }
        if let Some(t) = v["spec"]["target"].as_str() {
            out.push(t.to_string());
        }
        if let Some(ts) = v["spec"]["targets"].as_array() {
            out.extend(ts.iter().filter_map(Value::as_str).map(str::to_string));
        }
    }
    out
}

/// The repository path a target names, relative to the file at `from`: a relative path
/// (`./components/api.yaml`, `../shared.yaml`) or a blob URL of the same repository and
/// branch.
pub fn resolve(target: &str, from: &FileLocation) -> Result<String, String> {
    let target = target.trim();
    if target.contains(['*', '?', '[']) {
        return Err("glob targets are not followed; list the files".into());
    }
    let relative = if target.contains("://") {
        let prefix = format!("{}/{}/blob/{}/", from.web, from.slug, from.branch);
        match target.strip_prefix(&prefix) {
            Some(path) => path.to_string(),
            None => {
                return Err(format!(
                    "not followed: it is outside {} at `{}`; register it as a `url` location",
                    from.slug, from.branch
                ));
            }
        }
    } else if target.starts_with('/') {
        return Err("an absolute path; write it relative to the file (`./…`)".into());
    } else {
        match from.path.rsplit_once('/') {
            Some((dir, _)) => format!("{dir}/{target}"),
            None => target.to_string(),
        }
    };
    let mut parts: Vec<&str> = Vec::new();
    for segment in relative.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err("it leaves the repository".into());
                }
            }
            s => parts.push(s),
        }
    }
    if parts.is_empty() {
        return Err("it names no file".into());
    }
    Ok(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(path: &str) -> FileLocation {
        FileLocation {
            web: "https://github.com".into(),
            slug: "acme/shop".into(),
            branch: "main".into(),
            path: path.into(),
        }
    }

    #[test]
    fn targets_resolve_inside_the_repository() {
        assert_eq!(
            resolve("./components/api.yaml", &at("catalog-info.yaml")).unwrap(),
            "components/api.yaml"
        );
        assert_eq!(
            resolve("../shared.yaml", &at("team/catalog.yaml")).unwrap(),
            "shared.yaml"
        );
        assert_eq!(
            resolve(
                "https://github.com/acme/shop/blob/main/x/y.yaml",
                &at("catalog-info.yaml")
            )
            .unwrap(),
            "x/y.yaml"
        );
        for bad in [
            "../../etc/passwd",
            "https://github.com/acme/other/blob/main/x.yaml",
            "https://github.com/acme/shop/blob/dev/x.yaml",
            "./components/*.yaml",
            "/abs.yaml",
            ".",
        ] {
            assert!(resolve(bad, &at("catalog-info.yaml")).is_err(), "{bad}");
        }
    }

    #[test]
    fn location_entities_give_their_targets() {
        let entities = vec![
            r#"{"kind":"Location","spec":{"target":"./a.yaml","targets":["./b.yaml", 3]}}"#
                .to_string(),
            r#"{"kind":"Component","spec":{"target":"./not-a-location.yaml"}}"#.to_string(),
        ];
        assert_eq!(location_targets(&entities), ["./a.yaml", "./b.yaml"]);
    }
}
