//! `docs`: TechDocs without MkDocs or Docker. For entities annotated
//! `backstage.io/techdocs-ref`, reads the Markdown site (its `mkdocs.yml` nav, else its
//! folders) and renders pages inside the sandbox:
//!
//! - [`locate`]: where the docs are (`dir:` next to the entity's location, or `url:`);
//! - [`source`]: reading files from the folder the host mounts (`docs-files` grant) or over
//!   `wasi:http` (`http` grant, the host's allow-list);
//! - [`site`]: `mkdocs.yml` (`docs_dir`, `nav`) or the folder structure;
//! - [`markdown`], [`admonitions`] and [`highlight`]: CommonMark with tables, admonitions,
//!   code highlighted as class names, heading anchors, table of contents and plain text;
//!   [`links`]: links and images rewritten to the portal.
//!
//! The HTML it returns is sanitized by the host before anyone sees it.

pub mod admonitions;
pub mod highlight;
pub mod links;
pub mod locate;
pub mod markdown;
pub mod paths;
pub mod site;
pub mod source;

use portico_sdk::prelude::*;
use serde::Deserialize;

use locate::DocsRoot;
use source::{Mounted, Source, Web};

portico_sdk::manifest!("plugin.toml");

/// The plugin's configuration (see the schema in `plugin.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Config {
    pub page_url: String,
    pub asset_url: String,
    pub max_file_bytes: usize,
    pub max_pages: usize,
    /// Hosts (`host` or `host:port`) that get the `docs-token` secret as a bearer token.
    pub token_hosts: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            page_url: "/catalog/{namespace}/{kind}/{name}/docs/{path}".into(),
            asset_url: "/api/docs-assets/{kind}/{namespace}/{name}/{path}".into(),
            max_file_bytes: 1024 * 1024,
            max_pages: 2000,
            token_hosts: Vec::new(),
        }
    }
}

/// The plugin; implements [`Docs`].
pub struct TechDocs;

impl Docs for TechDocs {
    fn has_docs(entity: Entity) -> bool {
        entity
            .parse()
            .map(|d| locate::declares_docs(&d))
            .unwrap_or(false)
    }

    fn render_page(entity: Entity, path: String) -> Result<Page> {
        let config: Config = config::get()?;
        let descriptor = entity.parse()?;
        let source: Box<dyn Source> = match locate::locate(&descriptor)? {
            DocsRoot::Web(base) => {
                let token = token_for(&base, &config)?;
                Box::new(Web::new(base, token))
            }
            DocsRoot::Mounted => Box::new(Mounted::open().ok_or_else(|| {
                PluginError::denied(format!(
                    "the docs folder of {} was not made available to the plugin: it needs the \
                     `docs-files` grant, and the folder must exist inside the catalog's file root",
                    entity.ref_
                ))
            })?),
        };
        render(&entity.ref_, &path, source.as_ref(), &config)
    }
}

/// The secret that holds the token for private docs.
pub const TOKEN_SECRET: &str = "docs-token";

/// The bearer token for docs at `base`: only for hosts listed in `token_hosts`, so the token
/// never goes to a host the admin did not name.
fn token_for(base: &url::Url, config: &Config) -> Result<Option<String>> {
    let host = Web::host_of(base);
    if !config
        .token_hosts
        .iter()
        .any(|h| h.eq_ignore_ascii_case(&host))
    {
        return Ok(None);
    }
    let token = secrets::get(TOKEN_SECRET).map_err(|e| match e.kind {
        ErrorKind::Denied => PluginError::denied(format!(
            "docs on {host} need the token in the secret `{TOKEN_SECRET}`, which the plugin may \
             not read: ask an admin to grant `secrets:{TOKEN_SECRET}` ({})",
            e.message
        )),
        _ => PluginError::denied(format!(
            "docs on {host} need a token, but the secret `{TOKEN_SECRET}` has no value ({})",
            e.message
        )),
    })?;
    let token = token.trim().to_string();
    match token.is_empty() {
        true => Err(PluginError::denied(format!(
            "the secret `{TOKEN_SECRET}` for docs on {host} is empty"
        ))),
        false => Ok(Some(token)),
    }
}

/// Renders page `path` (empty: the index) of the site in `source`.
pub fn render(
    entity: &EntityRef,
    path: &str,
    source: &dyn Source,
    config: &Config,
) -> Result<Page> {
    let requested = path.trim_matches('/');
    let page_path = paths::normalize(requested).ok_or_else(|| {
        PluginError::invalid_input(format!("`{path}` is not a page of these docs"))
    })?;
    let bounds = site::Bounds {
        max_file_bytes: config.max_file_bytes,
        max_pages: config.max_pages,
    };
    let site = site::load(source, bounds)?;
    let (file, markdown) = find_page(source, &site.docs_dir, &page_path, config.max_file_bytes)?
        .ok_or_else(|| {
            PluginError::not_found(format!("the docs of {entity} have no page `{page_path}`"))
        })?;
    let routes = links::Routes {
        page_url: config.page_url.clone(),
        asset_url: config.asset_url.clone(),
    };
    let rewriter = links::PageLinks {
        routes: &routes,
        entity,
        source,
        docs_dir: &site.docs_dir,
        page_dir: paths::parent(&file),
    };
    let rendered = markdown::render(&markdown, &rewriter);
    let canonical = paths::page_path(&file);
    let title = rendered
        .title
        .clone()
        .or_else(|| {
            site.nav
                .iter()
                .find(|n| n.path == canonical)
                .map(|n| n.title.clone())
        })
        .unwrap_or_else(|| match canonical.is_empty() {
            true => "Home".to_string(),
            false => paths::title_from_name(paths::file_name(&canonical)),
        });
    Ok(Page {
        path: canonical,
        title,
        html: rendered.html,
        toc: rendered
            .toc
            .into_iter()
            .map(|h| Heading {
                level: h.level,
                text: h.text,
                anchor: h.anchor,
            })
            .collect(),
        nav: site
            .nav
            .into_iter()
            .map(|n| NavItem {
                title: n.title,
                path: n.path,
                depth: n.depth,
            })
            .collect(),
        text: rendered.text,
    })
}

/// The file (relative to `docs_dir`) and text of page `path`.
fn find_page(
    source: &dyn Source,
    docs_dir: &str,
    path: &str,
    max: usize,
) -> Result<Option<(String, String)>> {
    for candidate in paths::candidate_files(path) {
        let full = match docs_dir.is_empty() {
            true => candidate.clone(),
            false => format!("{docs_dir}/{candidate}"),
        };
        if let Some(bytes) = source.read(&full, max)? {
            let text = String::from_utf8(bytes)
                .map_err(|_| PluginError::invalid_input(format!("{full} is not UTF-8 text")))?;
            return Ok(Some((candidate, text)));
        }
    }
    Ok(None)
}

portico_sdk::export!(docs_renderer: TechDocs);
