//! Where a docs site's files come from: the directory the host mounted for this call
//! ([`Mounted`], a `dir:` reference next to a `file` location) or a web server
//! ([`Web`], `url:` references and `dir:` next to a `url` location).

use std::io::Read;
use std::path::PathBuf;

use portico_sdk::http;
use portico_sdk::{PluginError, Result};
use url::Url;

/// Where the host mounts an entity's docs directory (read-only) for `docs-renderer` calls
/// of a plugin granted `docs-files`.
pub const MOUNT: &str = "/techdocs";

/// One entry of a directory listing.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub name: String,
    pub is_dir: bool,
}

/// Read access to the files of a docs site. Paths are normalized and relative to the site's
/// root (the directory that holds `mkdocs.yml`).
pub trait Source {
    /// The file's bytes, `None` when it does not exist; larger than `max` bytes is an error.
    fn read(&self, path: &str, max: usize) -> Result<Option<Vec<u8>>>;
    /// The entries of a directory (`None` when the source cannot list, as over HTTP).
    fn list(&self, dir: &str) -> Result<Option<Vec<Entry>>>;
    /// The absolute URL of a file, for sources that have one (images and downloads then
    /// point there directly).
    fn url_of(&self, path: &str) -> Option<String>;
    /// The first `max` bytes of a file (enough to find a title), `None` when missing.
    fn head(&self, path: &str, max: usize) -> Result<Option<Vec<u8>>> {
        self.read(path, max)
    }
}

/// The mounted docs directory.
pub struct Mounted {
    root: PathBuf,
}

impl Mounted {
    /// The mount, if the host provided one for this call.
    pub fn open() -> Option<Mounted> {
        let root = PathBuf::from(MOUNT);
        root.is_dir().then_some(Mounted { root })
    }

    fn full(&self, path: &str) -> PathBuf {
        match path.is_empty() {
            true => self.root.clone(),
            false => self.root.join(path),
        }
    }
}

fn io_error(path: &str, err: std::io::Error) -> PluginError {
    match err.kind() {
        std::io::ErrorKind::PermissionDenied => PluginError::denied(format!(
            "cannot read {path}: {err} (a link that leaves the docs directory is refused)"
        )),
        _ => PluginError::internal(format!("cannot read {path}: {err}")),
    }
}

impl Source for Mounted {
    fn read(&self, path: &str, max: usize) -> Result<Option<Vec<u8>>> {
        let full = self.full(path);
        let meta = match std::fs::metadata(&full) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_error(path, e)),
        };
        if !meta.is_file() {
            return Ok(None);
        }
        too_large(path, meta.len(), max)?;
        let file = std::fs::File::open(&full).map_err(|e| io_error(path, e))?;
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        // Bounded even if the file grows after the size check.
        file.take(max as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| io_error(path, e))?;
        too_large(path, bytes.len() as u64, max)?;
        Ok(Some(bytes))
    }

    fn list(&self, dir: &str) -> Result<Option<Vec<Entry>>> {
        let entries = match std::fs::read_dir(self.full(dir)) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Some(Vec::new())),
            Err(e) => return Err(io_error(dir, e)),
        };
        let mut out = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| io_error(dir, e))?;
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
            out.push(Entry { name, is_dir });
        }
        Ok(Some(out))
    }

    fn url_of(&self, _path: &str) -> Option<String> {
        None
    }

    fn head(&self, path: &str, max: usize) -> Result<Option<Vec<u8>>> {
        let full = self.full(path);
        if !full.is_file() {
            return Ok(None);
        }
        let file = std::fs::File::open(&full).map_err(|e| io_error(path, e))?;
        let mut bytes = Vec::with_capacity(max);
        file.take(max as u64)
            .read_to_end(&mut bytes)
            .map_err(|e| io_error(path, e))?;
        Ok(Some(bytes))
    }
}

fn too_large(path: &str, len: u64, max: usize) -> Result<()> {
    match len > max as u64 {
        true => Err(PluginError::invalid_input(format!(
            "{path} is {len} bytes, more than the plugin's max_file_bytes ({max}); split the page"
        ))),
        false => Ok(()),
    }
}

/// Files under a base URL (ending with `/`), fetched with `wasi:http`, with a bearer token
/// when one is given (private repositories).
pub struct Web {
    base: Url,
    token: Option<String>,
}

impl Web {
    pub fn new(base: Url, token: Option<String>) -> Web {
        Web { base, token }
    }

    /// `host` or `host:port` of the base URL, as `token_hosts` names hosts.
    pub fn host_of(base: &Url) -> String {
        let host = base.host_str().unwrap_or_default().to_ascii_lowercase();
        match base.port() {
            Some(port) => format!("{host}:{port}"),
            None => host,
        }
    }

    fn file_url(&self, path: &str) -> Result<Url> {
        self.base
            .join(path)
            .map_err(|e| PluginError::invalid_input(format!("cannot build a URL for {path}: {e}")))
    }
}

impl Source for Web {
    fn read(&self, path: &str, max: usize) -> Result<Option<Vec<u8>>> {
        let url = self.file_url(path)?;
        let mut request = http::get(url.as_str()).max_response_bytes(max);
        if let Some(token) = &self.token {
            request = request.bearer(token);
        }
        let response = request.send()?;
        if matches!(response.status, 404 | 410) {
            return Ok(None);
        }
        Ok(Some(response.error_for_status()?.body))
    }

    fn list(&self, _dir: &str) -> Result<Option<Vec<Entry>>> {
        Ok(None)
    }

    fn url_of(&self, path: &str) -> Option<String> {
        self.file_url(path).ok().map(String::from)
    }
}
