//! The shape of a docs site: where its Markdown lives (`docs_dir`) and its navigation —
//! `mkdocs.yml`'s `nav` when present, else the folder structure (index pages first, then
//! files and folders alphabetically, as MkDocs orders them).

use portico_sdk::{PluginError, Result};
use serde_yaml::Value;

use crate::paths;
use crate::source::{Entry, Source};

/// `mkdocs.yml` larger than this is refused (a real one is a few KiB).
const MAX_MKDOCS_BYTES: usize = 256 * 1024;
/// Bytes of a page read to find its title for the navigation.
const TITLE_BYTES: usize = 8 * 1024;
/// Folders deeper than this are not walked for the navigation.
const MAX_DEPTH: u8 = 8;

/// One navigation entry. A section without a page of its own points at its first page; an
/// external link keeps its absolute URL as `path`.
#[derive(Debug, Clone, PartialEq)]
pub struct NavEntry {
    pub title: String,
    pub path: String,
    pub depth: u8,
}

#[derive(Debug, Clone)]
pub struct Site {
    /// The Markdown directory, relative to the site root (`docs` by default).
    pub docs_dir: String,
    pub nav: Vec<NavEntry>,
}

/// Bounds on the work one call does.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    pub max_file_bytes: usize,
    pub max_pages: usize,
}

/// Reads the site's configuration and builds its navigation.
pub fn load(source: &dyn Source, bounds: Bounds) -> Result<Site> {
    let config = read_mkdocs(source)?;
    let docs_dir = match config
        .as_ref()
        .and_then(|c| c.get("docs_dir"))
        .and_then(Value::as_str)
    {
        Some(dir) => paths::normalize(dir).ok_or_else(|| {
            PluginError::invalid_input(format!(
                "mkdocs.yml: docs_dir `{dir}` leaves the docs folder; use a relative path inside it"
            ))
        })?,
        None if config.is_some() => "docs".to_string(),
        None => default_docs_dir(source, bounds)?,
    };
    let mut walker = NavBuilder {
        source,
        docs_dir: &docs_dir,
        bounds,
        out: Vec::new(),
    };
    match config.as_ref().and_then(|c| c.get("nav")) {
        Some(nav) => walker.yaml(nav, 0, "nav")?,
        None => walker.folder("", 0)?,
    }
    let mut nav = walker.out;
    if nav.is_empty() {
        nav.push(NavEntry {
            title: "Home".into(),
            path: String::new(),
            depth: 0,
        });
    }
    Ok(Site { docs_dir, nav })
}

fn read_mkdocs(source: &dyn Source) -> Result<Option<Value>> {
    for name in ["mkdocs.yml", "mkdocs.yaml"] {
        let Some(bytes) = source.read(name, MAX_MKDOCS_BYTES)? else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        // `!!python/name:` tags (MkDocs extensions) parse as tagged values and are ignored.
        let value: Value = serde_yaml::from_str(&text)
            .map_err(|e| PluginError::invalid_input(format!("{name} is not valid YAML: {e}")))?;
        return match value {
            Value::Mapping(_) => Ok(Some(value)),
            Value::Null => Ok(Some(Value::Mapping(Default::default()))),
            _ => Err(PluginError::invalid_input(format!(
                "{name} must be a mapping (site_name, nav, docs_dir...)"
            ))),
        };
    }
    Ok(None)
}

/// Without `mkdocs.yml`: `docs/` when it exists (TechDocs' default), else the root itself.
fn default_docs_dir(source: &dyn Source, bounds: Bounds) -> Result<String> {
    let has_docs = match source.list("")? {
        Some(entries) => entries.iter().any(|e| e.is_dir && e.name == "docs"),
        // Over HTTP nothing can be listed: look for the index page instead.
        None => {
            source
                .read("docs/index.md", bounds.max_file_bytes)?
                .is_some()
                || source
                    .read("docs/README.md", bounds.max_file_bytes)?
                    .is_some()
        }
    };
    Ok(if has_docs {
        "docs".into()
    } else {
        String::new()
    })
}

struct NavBuilder<'a> {
    source: &'a dyn Source,
    docs_dir: &'a str,
    bounds: Bounds,
    out: Vec<NavEntry>,
}

impl NavBuilder<'_> {
    fn full(&self, file: &str) -> String {
        match self.docs_dir.is_empty() || file.is_empty() {
            true if file.is_empty() => self.docs_dir.to_string(),
            true => file.to_string(),
            false => format!("{}/{file}", self.docs_dir),
        }
    }

    fn push(&mut self, entry: NavEntry) -> Result<()> {
        if self.out.len() >= self.bounds.max_pages {
            return Err(PluginError::invalid_input(format!(
                "the navigation has more than {} entries (max_pages)",
                self.bounds.max_pages
            )));
        }
        self.out.push(entry);
        Ok(())
    }

    /// `nav` as MkDocs writes it: a list of `file.md`, `Title: file.md`, `Title: https://…`
    /// and `Section: [ … ]`.
    fn yaml(&mut self, value: &Value, depth: u8, key: &str) -> Result<()> {
        let Value::Sequence(items) = value else {
            return Err(PluginError::invalid_input(format!(
                "mkdocs.yml: `{key}` must be a list"
            )));
        };
        if depth > MAX_DEPTH {
            return Err(PluginError::invalid_input(format!(
                "mkdocs.yml: `{key}` is nested more than {MAX_DEPTH} levels"
            )));
        }
        for (i, item) in items.iter().enumerate() {
            let key = format!("{key}[{i}]");
            match item {
                Value::String(target) => self.page(None, target, depth, &key)?,
                Value::Mapping(map) if map.len() == 1 => {
                    let (title, target) = map.iter().next().expect("one entry");
                    let title = title.as_str().map(str::to_string).ok_or_else(|| {
                        PluginError::invalid_input(format!(
                            "mkdocs.yml: `{key}` needs a text title"
                        ))
                    })?;
                    match target {
                        Value::String(t) => self.page(Some(title), t, depth, &key)?,
                        Value::Sequence(_) => {
                            let at = self.out.len();
                            self.push(NavEntry {
                                title,
                                path: String::new(),
                                depth,
                            })?;
                            self.yaml(target, depth + 1, &key)?;
                            // A section opens its first page.
                            let first = self.out[at + 1..]
                                .iter()
                                .find(|e| !is_external(&e.path))
                                .map(|e| e.path.clone());
                            match first {
                                Some(path) => self.out[at].path = path,
                                None if self.out.len() == at + 1 => {
                                    self.out.pop();
                                }
                                None => {}
                            }
                        }
                        _ => {
                            return Err(PluginError::invalid_input(format!(
                                "mkdocs.yml: `{key}` must map a title to a page or a list"
                            )));
                        }
                    }
                }
                _ => {
                    return Err(PluginError::invalid_input(format!(
                        "mkdocs.yml: `{key}` must be a page, `Title: page` or `Section: [...]`"
                    )));
                }
            }
        }
        Ok(())
    }

    fn page(&mut self, title: Option<String>, target: &str, depth: u8, key: &str) -> Result<()> {
        if is_external(target) {
            return self.push(NavEntry {
                title: title.unwrap_or_else(|| target.to_string()),
                path: target.to_string(),
                depth,
            });
        }
        let file = paths::normalize(target).ok_or_else(|| {
            PluginError::invalid_input(format!(
                "mkdocs.yml: `{key}` names `{target}`, outside the docs folder"
            ))
        })?;
        let title = match title {
            Some(t) => t,
            None => self.title_of(&file),
        };
        self.push(NavEntry {
            title,
            path: paths::page_path(&file),
            depth,
        })
    }

    /// The page's own title when it is cheap to read (a mounted folder), else its file name.
    fn title_of(&self, file: &str) -> String {
        let fallback = || match paths::is_index(paths::file_name(file)) {
            true if paths::parent(file).is_empty() => "Home".to_string(),
            true => paths::title_from_name(paths::file_name(paths::parent(file))),
            false => paths::title_from_name(paths::file_name(file)),
        };
        if self.source.url_of(file).is_some() {
            return fallback();
        }
        // The title is near the top: a prefix is enough, even of a file too large to render.
        match self.source.head(&self.full(file), TITLE_BYTES) {
            Ok(Some(bytes)) => title_in(&String::from_utf8_lossy(&bytes)).unwrap_or_else(fallback),
            _ => fallback(),
        }
    }

    /// The folder structure under `dir` (relative to `docs_dir`).
    fn folder(&mut self, dir: &str, depth: u8) -> Result<()> {
        if depth > MAX_DEPTH {
            return Ok(());
        }
        let Some(mut entries) = self.source.list(&self.full(dir))? else {
            return Ok(());
        };
        entries.retain(|e| !e.name.starts_with('.') && (e.is_dir || paths::is_markdown(&e.name)));
        entries.sort_by_key(order);
        // `index.md` and `README.md` in one folder are one page; the index wins.
        let index = entries
            .iter()
            .filter(|e| !e.is_dir && paths::is_index(&e.name))
            .map(|e| e.name.clone())
            .next();
        for entry in entries {
            let path = match dir.is_empty() {
                true => entry.name.clone(),
                false => format!("{dir}/{}", entry.name),
            };
            if entry.is_dir {
                let at = self.out.len();
                self.push(NavEntry {
                    title: paths::title_from_name(&entry.name),
                    path: String::new(),
                    depth,
                })?;
                self.folder(&path, depth + 1)?;
                match self.out.get(at + 1).map(|e| e.path.clone()) {
                    Some(first) => self.out[at].path = first,
                    None => {
                        self.out.pop();
                    }
                }
            } else if !paths::is_index(&entry.name) || Some(&entry.name) == index.as_ref() {
                let title = self.title_of(&path);
                self.push(NavEntry {
                    title,
                    path: paths::page_path(&path),
                    depth,
                })?;
            }
        }
        Ok(())
    }
}

/// Index pages first, then everything by name (case-insensitive).
fn order(entry: &Entry) -> (bool, String) {
    let index = !entry.is_dir && paths::is_index(&entry.name);
    (!index, entry.name.to_lowercase())
}

fn is_external(target: &str) -> bool {
    target.starts_with("http://") || target.starts_with("https://")
}

/// The title in a page's front matter, else its first `# ` heading.
pub fn title_in(markdown: &str) -> Option<String> {
    let mut lines = markdown.lines();
    if markdown.starts_with("---") {
        let _ = lines.next();
        for line in lines.by_ref() {
            if line.trim() == "---" || line.trim() == "..." {
                break;
            }
            if let Some(title) = line.strip_prefix("title:") {
                let title = title.trim().trim_matches(['"', '\'']);
                if !title.is_empty() {
                    return Some(title.to_string());
                }
            }
        }
    }
    let mut fence = false;
    for line in lines {
        if line.trim_start().starts_with("```") || line.trim_start().starts_with("~~~") {
            fence = !fence;
        }
        if !fence && let Some(title) = line.strip_prefix("# ") {
            let title = title.trim().trim_end_matches('#').trim();
            if !title.is_empty() {
                return Some(title.to_string());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// Files in memory; lists directories like a mounted folder.
    struct Files(BTreeMap<&'static str, &'static str>, bool);

    impl Source for Files {
        fn read(&self, path: &str, _max: usize) -> Result<Option<Vec<u8>>> {
            Ok(self.0.get(path).map(|t| t.as_bytes().to_vec()))
        }
        fn list(&self, dir: &str) -> Result<Option<Vec<Entry>>> {
            if !self.1 {
                return Ok(None);
            }
            let prefix = if dir.is_empty() {
                String::new()
            } else {
                format!("{dir}/")
            };
            let mut out: Vec<Entry> = Vec::new();
            for path in self.0.keys() {
                if let Some(rest) = path.strip_prefix(&prefix) {
                    let (name, is_dir) = match rest.split_once('/') {
                        Some((d, _)) => (d, true),
                        None => (rest, false),
                    };
                    if !out.iter().any(|e| e.name == name) {
                        out.push(Entry {
                            name: name.into(),
                            is_dir,
                        });
                    }
                }
            }
            Ok(Some(out))
        }
        fn url_of(&self, path: &str) -> Option<String> {
            (!self.1).then(|| format!("https://x/{path}"))
        }
    }

    const BOUNDS: Bounds = Bounds {
        max_file_bytes: 1 << 20,
        max_pages: 100,
    };

    fn nav(site: &Site) -> Vec<(String, String, u8)> {
        site.nav
            .iter()
            .map(|e| (e.title.clone(), e.path.clone(), e.depth))
            .collect()
    }

    #[test]
    fn nav_from_mkdocs_yml() {
        let files = Files(
            BTreeMap::from([
                (
                    "mkdocs.yml",
                    "site_name: X\nnav:\n  - index.md\n  - Guides:\n      - Setup: guides/setup.md\n      - guides/run.md\n  - Source: https://example.com/repo\nplugins:\n  - techdocs-core\nmarkdown_extensions:\n  - pymdownx.emoji:\n      emoji_index: !!python/name:material.extensions.emoji.twemoji\n",
                ),
                ("docs/index.md", "# Welcome\n"),
                ("docs/guides/run.md", "---\ntitle: Running it\n---\n# Run\n"),
            ]),
            true,
        );
        let site = load(&files, BOUNDS).unwrap();
        assert_eq!(site.docs_dir, "docs");
        let expected = [
            ("Welcome", "", 0),
            ("Guides", "guides/setup", 0),
            ("Setup", "guides/setup", 1),
            ("Running it", "guides/run", 1),
            ("Source", "https://example.com/repo", 0),
        ];
        let expected: Vec<(String, String, u8)> = expected
            .iter()
            .map(|(t, p, d)| (t.to_string(), p.to_string(), *d))
            .collect();
        assert_eq!(nav(&site), expected);
    }

    #[test]
    fn nav_from_folders() {
        let files = Files(
            BTreeMap::from([
                ("docs/README.md", "# Overview\n"),
                ("docs/zeta.md", "no heading"),
                ("docs/alpha.md", "# Alpha page\n"),
                ("docs/how-to/index.md", "# How-to guides\n"),
                ("docs/how-to/deploy.md", "# Deploy\n"),
                ("docs/.hidden/x.md", "# Hidden\n"),
                ("docs/img/logo.png", "png"),
            ]),
            true,
        );
        let site = load(&files, BOUNDS).unwrap();
        let got: Vec<(String, String, u8)> = nav(&site);
        let expected: Vec<(String, String, u8)> = [
            ("Overview", "", 0),
            ("Alpha page", "alpha", 0),
            ("How to", "how-to", 0),
            ("How-to guides", "how-to", 1),
            ("Deploy", "how-to/deploy", 1),
            ("Zeta", "zeta", 0),
        ]
        .iter()
        .map(|(t, p, d)| (t.to_string(), p.to_string(), *d))
        .collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn bad_configurations_are_explained() {
        let files = Files(
            BTreeMap::from([("mkdocs.yml", "docs_dir: ../../etc\n")]),
            true,
        );
        let err = load(&files, BOUNDS).unwrap_err();
        assert!(
            err.message.contains("leaves the docs folder"),
            "{}",
            err.message
        );
        let files = Files(
            BTreeMap::from([("mkdocs.yml", "nav:\n  - ../secret.md\n")]),
            true,
        );
        let err = load(&files, BOUNDS).unwrap_err();
        assert!(
            err.message.contains("outside the docs folder"),
            "{}",
            err.message
        );
        let files = Files(BTreeMap::from([("mkdocs.yml", "nav: [\n")]), true);
        let err = load(&files, BOUNDS).unwrap_err();
        assert!(err.message.contains("not valid YAML"), "{}", err.message);
    }

    #[test]
    fn over_http_without_mkdocs_the_index_is_the_nav() {
        let files = Files(BTreeMap::from([("docs/index.md", "# Hi\n")]), false);
        let site = load(&files, BOUNDS).unwrap();
        assert_eq!(site.docs_dir, "docs");
        assert_eq!(nav(&site), [("Home".to_string(), String::new(), 0)]);
    }

    #[test]
    fn titles() {
        assert_eq!(
            title_in("intro\n# Real title #\n").as_deref(),
            Some("Real title")
        );
        assert_eq!(title_in("```\n# not a title\n```\n"), None);
        assert_eq!(
            title_in("---\ntitle: 'FM'\n---\n# H\n").as_deref(),
            Some("FM")
        );
    }
}
