//! The docs folder of an entity whose `backstage.io/techdocs-ref` is `dir:<path>` next to a
//! `file` location: resolved as Backstage does (relative to the directory of
//! `backstage.io/source-location`, else of `backstage.io/managed-by-location`) and confined:
//! the canonical folder (symlinks resolved) must lie inside `catalog.file_root`, and must not
//! contain Portico's own data directory or secrets file. Only such a folder is ever mounted
//! into a plugin (read-only, see `runtime::capabilities::wasi`) or served as assets.

use std::path::{Path, PathBuf};

use super::DocsError;

pub const TECHDOCS_REF: &str = "backstage.io/techdocs-ref";
const SOURCE_LOCATION: &str = "backstage.io/source-location";
const MANAGED_BY_LOCATION: &str = "backstage.io/managed-by-location";

/// What docs folders may be.
#[derive(Debug, Clone)]
pub struct FolderPolicy {
    /// Canonical `catalog.file_root`.
    pub root: PathBuf,
    /// Canonical paths a docs folder must not contain (the data directory, the secrets and
    /// config files).
    pub protected: Vec<PathBuf>,
}

impl FolderPolicy {
    /// A policy for `file_root`; `protected` paths that do not exist are ignored.
    pub fn new(file_root: &Path, protected: &[PathBuf]) -> std::io::Result<FolderPolicy> {
        Ok(FolderPolicy {
            root: file_root.canonicalize()?,
            protected: protected
                .iter()
                .filter_map(|p| p.canonicalize().ok())
                .collect(),
        })
    }

    /// The entity's docs folder, when its docs are a `dir:` next to a `file` location;
    /// `Ok(None)` for any other kind of docs (read over HTTP by the plugin).
    pub fn folder_of(&self, descriptor: &serde_json::Value) -> Result<Option<PathBuf>, DocsError> {
        let annotations = &descriptor["metadata"]["annotations"];
        let Some(reference) = annotations[TECHDOCS_REF].as_str() else {
            return Ok(None);
        };
        let Some(dir) = reference.trim().strip_prefix("dir:") else {
            return Ok(None);
        };
        let location = annotations[SOURCE_LOCATION]
            .as_str()
            .or_else(|| annotations[MANAGED_BY_LOCATION].as_str());
        let Some(target) = location.and_then(|l| l.trim().strip_prefix("file:")) else {
            return Ok(None);
        };
        let target = Path::new(target.trim());
        let base = match target.to_string_lossy().ends_with('/') {
            true => target,
            false => target.parent().unwrap_or(target),
        };
        let wanted = base.join(dir.trim());
        let folder = wanted.canonicalize().map_err(|err| {
            DocsError::not_found(format!(
                "the docs folder `{}` ({TECHDOCS_REF} `{reference}`) cannot be opened: {err}",
                wanted.display()
            ))
        })?;
        if !folder.starts_with(&self.root) {
            return Err(DocsError::denied(format!(
                "the docs folder `{}` lies outside catalog.file_root ({}); docs are only read \
                 from inside it",
                folder.display(),
                self.root.display()
            )));
        }
        if let Some(protected) = self.protected.iter().find(|p| p.starts_with(&folder)) {
            return Err(DocsError::denied(format!(
                "the docs folder `{}` contains Portico's own files ({}); point {TECHDOCS_REF} at \
                 the docs folder itself",
                folder.display(),
                protected.display()
            )));
        }
        if !folder.is_dir() {
            return Err(DocsError::not_found(format!(
                "the docs folder `{}` is not a directory",
                folder.display()
            )));
        }
        Ok(Some(folder))
    }
}

/// `relative` inside `folder`, with symlinks resolved, if it stays inside and is a file.
pub fn file_inside(folder: &Path, relative: &str) -> Result<PathBuf, DocsError> {
    let clean = relative.trim_start_matches('/');
    let bad = clean.is_empty()
        || clean.contains('\\')
        || clean.contains('\0')
        || clean
            .split('/')
            .any(|s| s == ".." || s.starts_with('.') && s != ".");
    if bad {
        return Err(DocsError::not_found(format!(
            "`{relative}` is not a file of these docs"
        )));
    }
    let path = folder
        .join(clean)
        .canonicalize()
        .map_err(|_| DocsError::not_found(format!("`{relative}` is not a file of these docs")))?;
    if !path.starts_with(folder) || !path.is_file() {
        return Err(DocsError::not_found(format!(
            "`{relative}` is not a file of these docs"
        )));
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entity(reference: &str, location: &str) -> serde_json::Value {
        json!({"metadata": {"annotations": {
            TECHDOCS_REF: reference,
            MANAGED_BY_LOCATION: location,
        }}})
    }

    #[test]
    fn resolves_and_confines() {
        let root = tempfile::tempdir().unwrap();
        let repo = root.path().join("repo");
        std::fs::create_dir_all(repo.join("docs")).unwrap();
        std::fs::create_dir_all(root.path().join("data")).unwrap();
        let policy = FolderPolicy::new(root.path(), &[root.path().join("data")]).unwrap();
        let catalog_file = format!("file:{}", repo.join("catalog-info.yaml").display());

        let folder = policy.folder_of(&entity("dir:.", &catalog_file)).unwrap();
        assert_eq!(folder, Some(repo.canonicalize().unwrap()));
        assert_eq!(
            policy
                .folder_of(&entity("url:https://x", &catalog_file))
                .unwrap(),
            None
        );
        assert_eq!(
            policy
                .folder_of(&entity(
                    "dir:.",
                    "url:https://github.com/o/r/blob/main/c.yaml"
                ))
                .unwrap(),
            None
        );
        let err = policy
            .folder_of(&entity("dir:../..", &catalog_file))
            .unwrap_err();
        assert!(err.message.contains("outside catalog.file_root"), "{err:?}");
        let err = policy
            .folder_of(&entity("dir:..", &catalog_file))
            .unwrap_err();
        assert!(err.message.contains("Portico's own files"), "{err:?}");
        let err = policy
            .folder_of(&entity("dir:missing", &catalog_file))
            .unwrap_err();
        assert!(err.message.contains("cannot be opened"), "{err:?}");
    }

    #[test]
    fn files_stay_inside() {
        let root = tempfile::tempdir().unwrap();
        let folder = root.path().join("docs");
        std::fs::create_dir_all(folder.join("img")).unwrap();
        std::fs::write(folder.join("img/a.png"), b"png").unwrap();
        std::fs::write(root.path().join("secret.txt"), b"s").unwrap();
        let folder = folder.canonicalize().unwrap();
        assert!(file_inside(&folder, "img/a.png").is_ok());
        for bad in [
            "../secret.txt",
            "img/../../secret.txt",
            ".git/config",
            "img",
            "",
        ] {
            assert!(file_inside(&folder, bad).is_err(), "{bad}");
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(root.path().join("secret.txt"), folder.join("link.png"))
                .unwrap();
            assert!(file_inside(&folder, "link.png").is_err());
        }
    }
}
