//! `POST /analyze-location` (Backstage's `LocationAnalyzer`) and `PUT /locations/{id}`.
//!
//! Analysis looks for a descriptor at what the user typed: the file itself when it names a
//! `.yaml`/`.yml`/`.json` file, else `catalog-info.yaml` (or `catalogFileName`) at the root of
//! the repository or directory (`…/blob/HEAD/<file>` for a GitHub or GitLab repository URL). If
//! it exists, its entities come back as `existingEntityFiles` (with whether that location is
//! registered already); if it does not, one Component to create is suggested in
//! `generateEntities`, named after the repository, with the fields the user must fill in.
//! Nothing is stored.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::Catalog;
use crate::api::{CatalogError, CatalogResult, Location};
use crate::location::walk::WalkErrorKind;
use crate::location::{LocationSpec, walk_location};
use crate::store::{LocationRecord, WriteSet};
use crate::validation::apply_default_namespace;
use portico_storage::OrgId;

/// The default descriptor file name Backstage looks for.
pub const DEFAULT_CATALOG_FILE: &str = "catalog-info.yaml";

/// `{type, target}` (Backstage's `LocationInput` and `LocationSpec`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocationInput {
    /// `url`, `file`, ...
    #[serde(rename = "type")]
    pub location_type: String,
    /// The target.
    pub target: String,
}

/// `POST /analyze-location` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnalyzeLocationRequest {
    /// What to analyze.
    pub location: LocationInput,
    /// The descriptor file to look for (default `catalog-info.yaml`).
    #[serde(default)]
    pub catalog_file_name: Option<String>,
}

/// An entity found in an existing descriptor.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExistingEntityFile {
    /// The entity as read.
    pub entity: Value,
    /// Whether the location it was read from is registered.
    pub is_registered: bool,
    /// The file or URL it was read from.
    pub location: LocationInput,
}

/// A field of a suggested entity and how the analysis settled it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntityField {
    /// e.g. `spec.owner`.
    pub field: String,
    /// `analysisSuggestedValue`, `analysisSuggestedNoValue` or `needsUserInput`.
    pub state: String,
    /// The suggested value, if any.
    pub value: Option<String>,
    /// Shown to the user.
    pub description: String,
}

/// An entity the analysis suggests creating.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GenerateEntity {
    /// The (incomplete) entity.
    pub entity: Value,
    /// What the user still has to decide.
    pub fields: Vec<EntityField>,
}

/// `POST /analyze-location` response.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AnalyzeLocationResponse {
    /// Entities to create when no descriptor exists.
    pub generate_entities: Vec<GenerateEntity>,
    /// Entities of the descriptor found.
    pub existing_entity_files: Vec<ExistingEntityFile>,
}

fn checked(input: &LocationInput) -> CatalogResult<LocationSpec> {
    let (kind, target) = (input.location_type.trim(), input.target.trim());
    if kind.is_empty() || target.is_empty() || kind.contains('\0') || target.contains('\0') {
        return Err(CatalogError::Input(
            "Location must have a non-empty type and target".into(),
        ));
    }
    Ok(LocationSpec::new(kind, target))
}

impl Catalog {
    /// `POST /analyze-location`.
    pub fn analyze_location(
        &self,
        org: &OrgId,
        request: &AnalyzeLocationRequest,
    ) -> CatalogResult<AnalyzeLocationResponse> {
        let location = checked(&request.location)?;
        let file_name = request
            .catalog_file_name
            .as_deref()
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .unwrap_or(DEFAULT_CATALOG_FILE);
        if file_name.contains('/') || file_name.contains('\\') || file_name == ".." {
            return Err(CatalogError::Input(format!(
                "catalogFileName must be a file name, not {file_name:?}"
            )));
        }
        let candidate = descriptor_location(&location, file_name);
        let walk = walk_location(&candidate, self.reader.as_ref());
        let root_failure = walk.errors.iter().find(|e| {
            e.location.location_type == candidate.location_type
                && e.location.target == candidate.target
                && matches!(e.kind, WalkErrorKind::NotFound | WalkErrorKind::Read)
        });
        if walk.entities.is_empty() {
            return match root_failure {
                Some(e) if e.kind == WalkErrorKind::NotFound => Ok(AnalyzeLocationResponse {
                    generate_entities: vec![suggested_component(&location)],
                    existing_entity_files: Vec::new(),
                }),
                Some(e) => Err(CatalogError::Input(e.message.clone())),
                None => Err(CatalogError::Input(match walk.errors.first() {
                    Some(e) => e.message.clone(),
                    None => format!("{} holds no entities", candidate.to_ref()),
                })),
            };
        }
        let registered: std::collections::HashSet<String> = self
            .store
            .locations(org)?
            .iter()
            .map(|l| format!("{}:{}", l.location_type, l.target))
            .collect();
        let root_registered = registered.contains(&candidate.to_ref());
        let existing_entity_files = walk
            .entities
            .into_iter()
            .map(|emitted| {
                let mut entity = emitted.entity.to_value();
                apply_default_namespace(&mut entity);
                ExistingEntityFile {
                    entity,
                    is_registered: root_registered
                        || registered.contains(&emitted.location.to_ref()),
                    location: LocationInput {
                        location_type: emitted.location.location_type,
                        target: emitted.location.target,
                    },
                }
            })
            .collect();
        Ok(AnalyzeLocationResponse {
            generate_entities: Vec::new(),
            existing_entity_files,
        })
    }

    /// `PUT /locations/{id}`: points a registered location at a new type and target, and reads
    /// it. What the old target yielded and the new one does not is orphaned (or deleted, per
    /// `orphan_strategy`), as when a file stops listing an entity.
    pub fn update_location(
        &self,
        org: &OrgId,
        id: &str,
        input: &LocationInput,
    ) -> CatalogResult<Location> {
        let spec = checked(input)?;
        let updated = {
            let lock = self.store.write_lock(org);
            let _guard = lock.lock().unwrap_or_else(|p| p.into_inner());
            let old = self.location_record(org, id)?;
            if let Some(other) = self.store.location_id_by_target(org, &spec.to_ref())?
                && other != id
            {
                return Err(CatalogError::Conflict(format!(
                    "Location {} already exists",
                    spec.to_ref()
                )));
            }
            let updated = LocationRecord {
                id: old.id.clone(),
                location_type: spec.location_type.clone(),
                target: spec.target.clone(),
                errors: Vec::new(),
            };
            let mut ws = WriteSet::new(org, self.options.history_limit);
            ws.delete_location(&old);
            ws.put_location(&updated)?;
            self.store.apply(ws)?;
            updated
        };
        self.refresh_location(org, id)?;
        Ok(super::to_location(&updated))
    }
}

/// Where the descriptor for `location` would be.
fn descriptor_location(location: &LocationSpec, file_name: &str) -> LocationSpec {
    let is_descriptor = |path: &str| {
        let last = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
        [".yaml", ".yml", ".json"]
            .iter()
            .any(|ext| last.ends_with(ext))
    };
    match location.location_type.as_str() {
        "url" => {
            let Ok(mut url) = url::Url::parse(&location.target) else {
                return location.clone();
            };
            if is_descriptor(url.path()) {
                return location.clone();
            }
            let segments: Vec<String> = url
                .path_segments()
                .map(|s| s.filter(|s| !s.is_empty()).map(str::to_owned).collect())
                .unwrap_or_default();
            let mut path = match scm_root(&url, &segments) {
                Some(path) => path,
                None => segments,
            };
            path.push(file_name.to_owned());
            url.set_path(&path.join("/"));
            LocationSpec::url(url.as_ref())
        }
        "file" => {
            let path = std::path::Path::new(&location.target);
            if path.is_dir() {
                LocationSpec::file(path.join(file_name))
            } else {
                location.clone()
            }
        }
        _ => location.clone(),
    }
}

/// The blob-path of a GitHub/GitLab repository or tree URL (`o/r/blob/HEAD`,
/// `o/r/blob/<ref>/<dir>`, `g/r/-/blob/<ref>/<dir>`); `None` for other URLs.
fn scm_root(url: &url::Url, segments: &[String]) -> Option<Vec<String>> {
    let host = url.host_str()?;
    let mut out = segments.to_vec();
    if let Some(i) = out.iter().position(|s| s == "tree") {
        out[i] = "blob".into();
        return Some(out);
    }
    match host {
        "github.com" if segments.len() == 2 => {
            out.extend(["blob".to_owned(), "HEAD".to_owned()]);
            Some(out)
        }
        "gitlab.com" if segments.len() >= 2 => {
            out.extend(["-".to_owned(), "blob".to_owned(), "HEAD".to_owned()]);
            Some(out)
        }
        _ => None,
    }
}

/// The Component Backstage's analyzer suggests for a repository without a descriptor.
fn suggested_component(location: &LocationSpec) -> GenerateEntity {
    let (slug, name) = repository_name(location);
    let mut annotations = serde_json::Map::new();
    if let Some((key, value)) = slug {
        annotations.insert(key.into(), value.into());
    }
    let mut metadata = json!({ "name": name });
    if !annotations.is_empty() {
        metadata["annotations"] = Value::Object(annotations);
    }
    GenerateEntity {
        entity: json!({
            "apiVersion": "backstage.io/v1alpha1",
            "kind": "Component",
            "metadata": metadata,
            "spec": { "type": "other", "lifecycle": "unknown" },
        }),
        fields: vec![EntityField {
            field: "spec.owner".into(),
            state: "needsUserInput".into(),
            value: None,
            description: "Entity owner is the person, team or group that is responsible for the entity (e.g. a group name such as `team-a`).".into(),
        }],
    }
}

/// The project-slug annotation (for GitHub and GitLab) and an entity name for the repository.
fn repository_name(location: &LocationSpec) -> (Option<(&'static str, String)>, String) {
    let raw = match url::Url::parse(&location.target) {
        Ok(url) => {
            let segments: Vec<&str> = url
                .path_segments()
                .map(|s| s.filter(|s| !s.is_empty()).collect())
                .unwrap_or_default();
            let repo_end = segments
                .iter()
                .position(|s| *s == "-" || *s == "tree" || *s == "blob")
                .unwrap_or(segments.len());
            let repo = &segments[..repo_end];
            let slug = match url.host_str() {
                Some("github.com") if repo.len() >= 2 => Some((
                    "github.com/project-slug",
                    format!("{}/{}", repo[0], repo[1]),
                )),
                Some("gitlab.com") if repo.len() >= 2 => {
                    Some(("gitlab.com/project-slug", repo.join("/")))
                }
                _ => None,
            };
            let name = repo.last().copied().unwrap_or("").to_owned();
            return (slug, sanitize_name(&name));
        }
        Err(_) => std::path::Path::new(&location.target)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    (None, sanitize_name(&raw))
}

/// A string made into a valid entity name (`[A-Za-z0-9][-A-Za-z0-9_.]*`, at most 63 chars).
fn sanitize_name(raw: &str) -> String {
    let raw = raw.trim_end_matches(".git");
    let mapped: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let trimmed = mapped
        .trim_matches(|c: char| !c.is_ascii_alphanumeric())
        .chars()
        .take(63)
        .collect::<String>();
    let trimmed = trimmed.trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
    if trimmed.is_empty() {
        "unnamed".into()
    } else {
        trimmed.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptors_are_looked_for_where_backstage_looks() {
        let at = |t: &str| descriptor_location(&LocationSpec::url(t), DEFAULT_CATALOG_FILE).target;
        assert_eq!(
            at("https://github.com/acme/payments"),
            "https://github.com/acme/payments/blob/HEAD/catalog-info.yaml"
        );
        assert_eq!(
            at("https://github.com/acme/payments/tree/main/services/api"),
            "https://github.com/acme/payments/blob/main/services/api/catalog-info.yaml"
        );
        assert_eq!(
            at("https://gitlab.com/group/sub/repo"),
            "https://gitlab.com/group/sub/repo/-/blob/HEAD/catalog-info.yaml"
        );
        assert_eq!(
            at("https://github.com/acme/payments/blob/main/x.yaml"),
            "https://github.com/acme/payments/blob/main/x.yaml"
        );
        assert_eq!(
            at("https://files.example.com/catalogs/payments/"),
            "https://files.example.com/catalogs/payments/catalog-info.yaml"
        );
    }

    #[test]
    fn suggested_components_are_named_after_the_repository() {
        let s = suggested_component(&LocationSpec::url(
            "https://github.com/acme/Payments.Service.git",
        ));
        assert_eq!(s.entity["metadata"]["name"], "Payments.Service");
        assert_eq!(
            s.entity["metadata"]["annotations"]["github.com/project-slug"],
            "acme/Payments.Service.git"
        );
        assert_eq!(s.fields[0].field, "spec.owner");
        assert_eq!(sanitize_name("--a b!c--"), "a-b-c");
        assert_eq!(sanitize_name("!!!"), "unnamed");
        assert_eq!(sanitize_name(&"x".repeat(80)).len(), 63);
    }
}
