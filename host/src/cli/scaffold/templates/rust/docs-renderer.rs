//! {{name}}: documentation pages.

use portico_sdk::prelude::*;

portico_sdk::manifest!("plugin.toml");

/// One line about the entity. Pure, so it is unit-tested natively (`./test.sh`).
pub fn describe(d: &Descriptor) -> String {
    match d.owner() {
        Some(owner) => format!("{} is owned by {owner}", d.name()),
        None => format!("{} has no owner yet", d.name()),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

struct Plugin;

impl Docs for Plugin {
    fn has_docs(entity: Entity) -> bool {
        entity.parse().is_ok_and(|d| d.description().is_some())
    }

    fn render_page(entity: Entity, path: String) -> Result<Page> {
        if !path.is_empty() {
            return Err(PluginError::not_found(format!("no page {path}")));
        }
        let d = entity.parse()?;
        let summary = describe(&d);
        let body = d.description().unwrap_or_default();
        Ok(Page {
            path,
            title: d.name().to_string(),
            html: format!("<h1 id=\"about\">About</h1><p>{}</p><p>{}</p>", escape(&summary), escape(body)),
            toc: vec![Heading { level: 1, text: "About".into(), anchor: "about".into() }],
            nav: vec![NavItem { title: "About".into(), path: String::new(), depth: 0 }],
            text: format!("{summary}\n{body}"),
        })
    }
}

portico_sdk::export_docs_renderer!(Plugin);
{{rust_tests}}
