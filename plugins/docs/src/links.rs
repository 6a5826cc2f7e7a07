//! Where links and images in a page point once rendered:
//!
//! - another page (`setup.md`, `../guides/`, `setup.md#step-2`) → the portal's docs route of
//!   that page (`page_url` template);
//! - an image or other file of the docs (`img/arch.png`, `files/spec.yaml`) → the host's
//!   docs asset route (`asset_url` template) for a mounted folder, or the file's own URL for
//!   docs read over HTTP;
//! - a relative link that leaves the docs folder → the file's URL over HTTP, else dropped
//!   (its text stays);
//! - absolute URLs and `#fragments` → unchanged (the host's sanitizer keeps http(s) only).

use portico_sdk::EntityRef;

use crate::markdown::{LinkRewriter, Rewrite};
use crate::paths;
use crate::source::Source;

/// URL templates with `{kind}`, `{namespace}`, `{name}` and `{path}`.
#[derive(Debug, Clone)]
pub struct Routes {
    pub page_url: String,
    pub asset_url: String,
}

/// Rewrites the links of one page.
pub struct PageLinks<'a> {
    pub routes: &'a Routes,
    pub entity: &'a EntityRef,
    pub source: &'a dyn Source,
    /// The Markdown folder, relative to the site root.
    pub docs_dir: &'a str,
    /// The folder of the page's file, relative to `docs_dir`.
    pub page_dir: &'a str,
}

impl PageLinks<'_> {
    fn fill(&self, template: &str, path: &str) -> String {
        // The index page: `…/docs/{path}` becomes `…/docs`, not `…/docs/`.
        let template = match path.is_empty() {
            true => template.strip_suffix("/{path}").unwrap_or(template),
            false => template,
        };
        let encoded_path: Vec<String> = path.split('/').map(encode).collect();
        template
            // Portal routes spell kind and namespace in lower case (names keep their case).
            .replace("{kind}", &encode(&self.entity.kind.to_lowercase()))
            .replace(
                "{namespace}",
                &encode(&self.entity.namespace.to_lowercase()),
            )
            .replace("{name}", &encode(&self.entity.name))
            .replace("{path}", &encoded_path.join("/"))
    }

    fn in_site(&self, docs_path: &str) -> String {
        match self.docs_dir.is_empty() {
            true => docs_path.to_string(),
            false => format!("{}/{docs_path}", self.docs_dir),
        }
    }

    fn asset(&self, docs_path: &str) -> String {
        let site_path = self.in_site(docs_path);
        match self.source.url_of(&site_path) {
            Some(url) => url,
            None => self.fill(&self.routes.asset_url, &site_path),
        }
    }
}

impl LinkRewriter for PageLinks<'_> {
    fn rewrite(&self, dest: &str, image: bool) -> Rewrite {
        if dest.is_empty() || dest.starts_with('#') || dest.starts_with('/') || has_scheme(dest) {
            return Rewrite::Keep;
        }
        let (before_fragment, fragment) = match dest.split_once('#') {
            Some((p, f)) => (p, Some(f)),
            None => (dest, None),
        };
        let path_part = before_fragment.split('?').next().unwrap_or("");
        let decoded = decode(path_part);
        let Some(resolved) = paths::join(self.page_dir, &decoded) else {
            // Outside the docs folder: only a web source can still point somewhere real.
            let base = match (self.docs_dir.is_empty(), self.page_dir.is_empty()) {
                (true, true) => String::new(),
                (false, true) => format!("{}/", self.docs_dir),
                _ => format!("{}/", self.in_site(self.page_dir)),
            };
            return match self.source.url_of(&base) {
                Some(url) => match url::Url::parse(&url).and_then(|u| u.join(dest)) {
                    Ok(target) => Rewrite::To(target.into()),
                    Err(_) => Rewrite::Drop,
                },
                None => Rewrite::Drop,
            };
        };
        let name = paths::file_name(&resolved);
        let is_page = paths::is_markdown(name)
            || path_part.ends_with('/')
            || path_part.is_empty()
            || !name.contains('.');
        let target = if image || !is_page {
            self.asset(&resolved)
        } else {
            let page = paths::page_path(&resolved);
            self.fill(&self.routes.page_url, &page)
        };
        Rewrite::To(match fragment {
            Some(f) => format!("{target}#{f}"),
            None => target,
        })
    }
}

fn has_scheme(dest: &str) -> bool {
    match dest.split_once(':') {
        Some((scheme, _)) => {
            !scheme.is_empty()
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

/// Percent-encodes one path segment (RFC 3986 unreserved characters stay).
pub fn encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Decodes `%XX` escapes (a link to `my%20page.md` names `my page.md`).
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(v) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Entry;
    use portico_sdk::Result;

    struct Local;
    impl Source for Local {
        fn read(&self, _: &str, _: usize) -> Result<Option<Vec<u8>>> {
            Ok(None)
        }
        fn list(&self, _: &str) -> Result<Option<Vec<Entry>>> {
            Ok(None)
        }
        fn url_of(&self, _: &str) -> Option<String> {
            None
        }
    }
    struct Remote;
    impl Source for Remote {
        fn read(&self, _: &str, _: usize) -> Result<Option<Vec<u8>>> {
            Ok(None)
        }
        fn list(&self, _: &str) -> Result<Option<Vec<Entry>>> {
            Ok(None)
        }
        fn url_of(&self, path: &str) -> Option<String> {
            Some(format!("https://raw.example.com/repo/main/{path}"))
        }
    }

    fn routes() -> Routes {
        Routes {
            page_url: "/catalog/{namespace}/{kind}/{name}/docs/{path}".into(),
            asset_url: "/api/docs-assets/{kind}/{namespace}/{name}/{path}".into(),
        }
    }

    fn entity() -> EntityRef {
        EntityRef {
            kind: "Component".into(),
            namespace: "default".into(),
            name: "my service".into(),
        }
    }

    #[test]
    fn mounted_links() {
        let routes = routes();
        let entity = entity();
        let links = PageLinks {
            routes: &routes,
            entity: &entity,
            source: &Local,
            docs_dir: "docs",
            page_dir: "guides",
        };
        let to = |d: &str| links.rewrite(d, false);
        assert_eq!(
            to("setup.md#step-2"),
            Rewrite::To("/catalog/default/component/my%20service/docs/guides/setup#step-2".into())
        );
        assert_eq!(
            to("../index.md"),
            Rewrite::To("/catalog/default/component/my%20service/docs".into())
        );
        assert_eq!(
            to("../reference/"),
            Rewrite::To("/catalog/default/component/my%20service/docs/reference".into())
        );
        assert_eq!(
            to("files/spec.yaml"),
            Rewrite::To(
                "/api/docs-assets/component/default/my%20service/docs/guides/files/spec.yaml"
                    .into()
            )
        );
        assert_eq!(
            links.rewrite("../img/a%20b.png", true),
            Rewrite::To(
                "/api/docs-assets/component/default/my%20service/docs/img/a%20b.png".into()
            )
        );
        assert_eq!(to("../../../etc/passwd"), Rewrite::Drop);
        assert_eq!(to("https://example.com"), Rewrite::Keep);
        assert_eq!(to("javascript:alert(1)"), Rewrite::Keep);
        assert_eq!(to("#section"), Rewrite::Keep);
    }

    #[test]
    fn web_links() {
        let routes = routes();
        let entity = entity();
        let links = PageLinks {
            routes: &routes,
            entity: &entity,
            source: &Remote,
            docs_dir: "docs",
            page_dir: "",
        };
        assert_eq!(
            links.rewrite("img/arch.png", true),
            Rewrite::To("https://raw.example.com/repo/main/docs/img/arch.png".into())
        );
        assert_eq!(
            links.rewrite("../../src/main.rs", false),
            Rewrite::To("https://raw.example.com/repo/src/main.rs".into())
        );
    }
}
