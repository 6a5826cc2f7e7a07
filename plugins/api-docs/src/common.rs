//! Pieces shared by the renderers: the info header, servers, security schemes, method
//! badges, paging links, text caps and the view-size budget.

use portico_sdk::prelude::*;

use crate::value::Value;

/// Longest markdown description shown (bytes); longer ones are cut with `…`.
pub const MAX_MARKDOWN: usize = 32 * 1024;
/// Longest example shown (bytes).
pub const MAX_EXAMPLE: usize = 8 * 1024;
/// Rows of a schema's property table.
pub const MAX_ROWS: usize = 300;

/// What a renderer needs besides the document: the reader's parameters and the settings.
pub struct Ctx<'a> {
    pub params: &'a [(String, String)],
    pub per_page: usize,
    /// The entity's title, used when the document has none.
    pub entity_title: &'a str,
}

impl Ctx<'_> {
    pub fn param(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// The 1-based page asked for (1 when absent or not a number).
    pub fn page(&self) -> usize {
        self.param("page")
            .and_then(|p| p.parse::<usize>().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(1)
    }
}

/// `s` cut to at most `max` bytes (on a character boundary), with `…` when cut.
pub fn cap(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// The first line of a description, capped, for table cells.
pub fn one_line(s: &str) -> String {
    let first = s.trim().lines().next().unwrap_or("").trim();
    let short = cap(first, 300);
    if short.len() < s.trim().len() && !short.ends_with('…') {
        format!("{short} …")
    } else {
        short
    }
}

/// A badge for an HTTP method or an AsyncAPI action, toned by what it does.
pub fn method_badge(method: &str) -> Badge {
    let tone = match method.to_ascii_lowercase().as_str() {
        "get" | "subscribe" | "receive" => Tone::Info,
        "post" | "publish" | "send" => Tone::Success,
        "put" | "patch" => Tone::Warning,
        "delete" => Tone::Danger,
        _ => Tone::Neutral,
    };
    Badge::new(method.to_ascii_uppercase(), tone)
}

pub fn deprecated_badge() -> Badge {
    Badge::new("deprecated", Tone::Warning)
}

/// A link to an absolute http(s) URL; other strings become text (the host refuses other
/// schemes anyway, and relative links of a document mean nothing inside the portal).
pub fn url_cell(label: &str, url: &str) -> Cell {
    if url.starts_with("https://") || url.starts_with("http://") {
        Link::url(label, url).into()
    } else {
        text(format!("{label} ({url})"))
    }
}

/// The overview section of an OpenAPI or AsyncAPI `info` object.
pub fn info_section(doc: &Value, spec_label: String) -> Section {
    let info = doc.get("info");
    let mut badges = vec![Badge::new(spec_label, Tone::Info)];
    if let Some(version) = info.get("version").scalar_text() {
        badges.push(Badge::new(format!("v{version}"), Tone::Neutral));
    }
    let mut section = Section::untitled().badges(badges);
    if let Some(summary) = info.str("summary") {
        section = section.text(cap(summary, 1000));
    }
    if let Some(description) = info.str("description") {
        section = section.markdown(cap(description, MAX_MARKDOWN));
    }
    let mut fields = Vec::new();
    if let Some(version) = info.get("version").scalar_text() {
        fields.push(Field::new("Version", code(version)));
    }
    if let Some(terms) = info.str("termsOfService") {
        fields.push(Field::new("Terms of service", url_cell(terms, terms)));
    }
    let contact = info.get("contact");
    if contact.is_object() {
        let name = contact
            .str("name")
            .or(contact.str("email"))
            .unwrap_or("contact");
        let cell = match (contact.str("url"), contact.str("email")) {
            (Some(url), _) => url_cell(name, url),
            (None, Some(email)) => text(email.to_string()),
            (None, None) => text(name.to_string()),
        };
        fields.push(Field::new("Contact", cell));
    }
    let license = info.get("license");
    if let Some(name) = license.str("name") {
        let cell = match license.str("url") {
            Some(url) => url_cell(name, url),
            None => text(
                license
                    .str("identifier")
                    .map_or(name.to_string(), |id| format!("{name} ({id})")),
            ),
        };
        fields.push(Field::new("License", cell));
    }
    if !fields.is_empty() {
        section = section.fields(fields);
    }
    let docs = doc.get("externalDocs");
    if let Some(url) = docs.str("url")
        && (url.starts_with("http://") || url.starts_with("https://"))
    {
        section = section.link(
            docs.str("description").unwrap_or("External documentation"),
            url,
        );
    }
    section
}

/// Security schemes (`components.securitySchemes`, Swagger's `securityDefinitions`).
pub fn security_schemes_section(schemes: &Value) -> Option<Section> {
    if schemes.entries().is_empty() {
        return None;
    }
    let mut table = Table::new(["Name", "Type", "Details", "Description"]);
    for (name, scheme) in schemes.entries().iter().take(100) {
        let kind = scheme.str("type").unwrap_or("?");
        let mut details = Vec::new();
        match kind {
            "apiKey" | "httpApiKey" => {
                let where_ = scheme.str("in").unwrap_or("?");
                match scheme.str("name") {
                    Some(n) => details.push(format!("{n} in {where_}")),
                    None => details.push(format!("in {where_}")),
                }
            }
            "http" => {
                if let Some(s) = scheme.str("scheme") {
                    details.push(format!("scheme {s}"));
                }
                if let Some(f) = scheme.str("bearerFormat") {
                    details.push(format!("bearer format {f}"));
                }
            }
            "oauth2" => {
                // OpenAPI 3 `flows`; Swagger 2 `flow` with the URLs on the scheme itself.
                for (flow, body) in scheme.get("flows").entries() {
                    details.push(flow_text(flow, body));
                }
                if let Some(flow) = scheme.str("flow") {
                    details.push(flow_text(flow, scheme));
                }
            }
            "openIdConnect" => {
                if let Some(url) = scheme.str("openIdConnectUrl") {
                    details.push(url.to_string());
                }
            }
            _ => {}
        }
        table = table.row([
            code(name.clone()),
            text(kind.to_string()),
            text(details.join("; ")),
            text(scheme.str("description").map(one_line).unwrap_or_default()),
        ]);
    }
    Some(Section::new("Security schemes").table(table))
}

fn flow_text(flow: &str, body: &Value) -> String {
    let mut parts = vec![flow.to_string()];
    for key in ["authorizationUrl", "tokenUrl", "refreshUrl"] {
        if let Some(url) = body.str(key) {
            parts.push(format!("{key} {url}"));
        }
    }
    let scopes: Vec<&str> = body
        .get("scopes")
        .entries()
        .iter()
        .map(|(k, _)| k.as_str())
        .collect();
    if !scopes.is_empty() {
        parts.push(format!("scopes: {}", scopes.join(", ")));
    }
    parts.join(", ")
}

/// Page links for `total` items at `per_page` a page; `extra` params (a tag filter) are kept.
pub fn pager(
    page: usize,
    per_page: usize,
    total: usize,
    noun: &str,
    extra: &[(&str, &str)],
) -> Option<Section> {
    let pages = total.div_ceil(per_page).max(1);
    if pages <= 1 {
        return None;
    }
    let page = page.min(pages);
    let first = (page - 1) * per_page + 1;
    let last = (page * per_page).min(total);
    let link = |label: String, p: usize| {
        let mut params: Vec<(String, String)> = extra
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        params.push(("page".into(), p.to_string()));
        Link::view(label, params)
    };
    let mut links = Vec::new();
    if page > 1 {
        links.push(link("« First".into(), 1));
        links.push(link("‹ Previous".into(), page - 1));
    }
    if page < pages {
        links.push(link("Next ›".into(), page + 1));
        links.push(link(format!("Last » ({pages})"), pages));
    }
    Some(
        Section::untitled()
            .text(format!(
                "Page {page} of {pages}: {noun} {first}–{last} of {total}."
            ))
            .links(links),
    )
}

/// A link back to the overview.
pub fn back_link(label: &str) -> Link {
    Link::view(label, Vec::<(String, String)>::new())
}

/// Merges key/value lists that follow each other in a section into one.
pub fn merge_fields(view: &mut View) {
    for section in &mut view.sections {
        let mut blocks: Vec<Block> = Vec::with_capacity(section.blocks.len());
        for block in section.blocks.drain(..) {
            match (blocks.last_mut(), block) {
                (Some(Block::Fields(previous)), Block::Fields(more)) => previous.extend(more),
                (_, block) => blocks.push(block),
            }
        }
        section.blocks = blocks;
    }
}

/// A rough size of the view as the host will encode it (JSON), in bytes.
pub fn estimate(view: &View) -> usize {
    view.title.as_ref().map_or(0, String::len)
        + view.sections.iter().map(section_size).sum::<usize>()
}

fn section_size(section: &Section) -> usize {
    32 + section.title.as_ref().map_or(0, String::len)
        + section.blocks.iter().map(block_size).sum::<usize>()
}

fn cell_size(cell: &Cell) -> usize {
    24 + match cell {
        Cell::Text(s) | Cell::Code(s) | Cell::Timestamp(s) => escaped(s),
        Cell::Link(l) => link_size(l),
        Cell::Badge(b) => b.label.len() + 16,
        Cell::Status(s) => s.label.len() + 16,
        Cell::DurationMs(_) | Cell::Empty => 8,
    }
}

fn link_size(link: &Link) -> usize {
    32 + escaped(&link.label)
        + match &link.target {
            LinkTarget::Url(u) => escaped(u),
            LinkTarget::View(p) => p.iter().map(|(k, v)| 8 + escaped(k) + escaped(v)).sum(),
        }
}

/// Length of `s` in JSON, counting escapes roughly.
fn escaped(s: &str) -> usize {
    s.len()
        + s.bytes()
            .filter(|b| matches!(b, b'"' | b'\\' | b'\n' | b'\t' | b'\r'))
            .count()
        + 2
}

fn block_size(block: &Block) -> usize {
    24 + match block {
        Block::Text(s) | Block::Markdown(s) => escaped(s),
        Block::Fields(fields) => fields
            .iter()
            .map(|f| escaped(&f.label) + cell_size(&f.value))
            .sum(),
        Block::Table(t) => {
            t.columns.iter().map(|c| escaped(c)).sum::<usize>()
                + t.rows.iter().flatten().map(cell_size).sum::<usize>()
                + t.rows.len() * 4
        }
        Block::Links(links) => links.iter().map(link_size).sum(),
        Block::Badges(badges) => badges.iter().map(|b| b.label.len() + 16).sum(),
        Block::Status(s) => s.label.len() + 16,
        Block::Code(c) => escaped(&c.content) + c.language.len(),
        Block::Notice(n) => escaped(&n.title) + escaped(&n.message),
        Block::Action(a) => escaped(&a.label) + escaped(&a.action) + escaped(&a.input),
    }
}

/// Cuts `view` to about `budget` bytes: whole blocks are dropped from the end, then a notice
/// says so. Paging keeps views well below the budget; this is the last guard.
pub fn enforce_budget(view: &mut View, budget: usize) {
    if estimate(view) <= budget {
        return;
    }
    let mut used = view.title.as_ref().map_or(0, String::len) + 1024;
    let mut keep_sections = 0;
    'outer: for (si, section) in view.sections.iter_mut().enumerate() {
        used += 32 + section.title.as_ref().map_or(0, String::len);
        for (bi, block) in section.blocks.iter().enumerate() {
            let size = block_size(block);
            if used + size > budget {
                section.blocks.truncate(bi);
                keep_sections = si + 1;
                break 'outer;
            }
            used += size;
        }
        keep_sections = si + 1;
    }
    view.sections.truncate(keep_sections);
    view.sections.push(Section::untitled().notice(
        Tone::Warning,
        "Cut short",
        format!(
            "This page would be larger than {} KiB, so its end is not shown. Open a single operation, channel or type instead, or raise `max_view_bytes`.",
            budget / 1024
        ),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cap_respects_char_boundaries() {
        assert_eq!(cap("héllo", 2), "h…");
        assert_eq!(cap("abc", 3), "abc");
    }

    #[test]
    fn pager_links_keep_filters() {
        let s = pager(2, 10, 35, "operations", &[("tag", "pet")]).unwrap();
        assert!(
            matches!(&s.blocks[0], Block::Text(t) if t == "Page 2 of 4: operations 11–20 of 35.")
        );
        let Block::Links(links) = &s.blocks[1] else {
            panic!()
        };
        assert_eq!(links.len(), 4);
        assert!(
            matches!(&links[2].target, LinkTarget::View(p) if p.contains(&("page".into(), "3".into())) && p.contains(&("tag".into(), "pet".into())))
        );
        assert!(pager(1, 10, 10, "x", &[]).is_none());
    }

    #[test]
    fn budget_cuts_and_says_so() {
        let mut view = View::new("t");
        for i in 0..100 {
            view = view.section(Section::new(format!("s{i}")).text("x".repeat(1000)));
        }
        enforce_budget(&mut view, 20_000);
        assert!(estimate(&view) < 22_000, "{}", estimate(&view));
        assert!(matches!(
            view.sections.last().unwrap().blocks[0],
            Block::Notice(_)
        ));
    }
}
