//! One Markdown page to HTML, with what the page record needs besides: the title, the table
//! of contents (headings with unique anchors, as MkDocs' `toc` extension slugs them) and the
//! plain text for search.
//!
//! CommonMark via pulldown-cmark with GitHub's extensions (tables, strikethrough, task lists,
//! footnotes, alerts), heading attributes (`{#id}`), YAML front matter (its `title` names the
//! page), MkDocs admonitions (see [`crate::admonitions`]). Fenced code keeps its language as
//! `class="language-…"` and, in a known language, is highlighted with `tok-…` class names
//! (see [`crate::highlight`]). Links and images go through a [`LinkRewriter`]. Raw HTML is passed
//! through: the host sanitizes every page with its allow-list.

use std::collections::HashMap;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// A heading of the page's table of contents.
#[derive(Debug, Clone, PartialEq)]
pub struct TocEntry {
    pub level: u8,
    pub text: String,
    pub anchor: String,
}

/// A rendered page.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The front matter's `title`, else the first level-1 heading.
    pub title: Option<String>,
    pub html: String,
    pub toc: Vec<TocEntry>,
    pub text: String,
}

/// What to do with a link or image target.
#[derive(Debug, Clone, PartialEq)]
pub enum Rewrite {
    /// Leave it as written.
    Keep,
    /// Point it here instead.
    To(String),
    /// Remove the link (its text stays), e.g. a relative link that leaves the docs.
    Drop,
}

/// Decides where links (`image == false`) and images point in the rendered page.
pub trait LinkRewriter {
    fn rewrite(&self, dest: &str, image: bool) -> Rewrite;
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS
        | Options::ENABLE_GFM
}

/// Renders `markdown`.
pub fn render(markdown: &str, links: &dyn LinkRewriter) -> Rendered {
    let expanded = crate::admonitions::expand(markdown);
    let events: Vec<Event<'_>> = Parser::new_ext(&expanded, options()).collect();
    let mut state = State::default();
    let mut out: Vec<Event<'_>> = Vec::with_capacity(events.len());
    let mut i = 0;
    while i < events.len() {
        match &events[i] {
            Event::Start(Tag::MetadataBlock(_)) => {
                let mut yaml = String::new();
                i += 1;
                while i < events.len() && !matches!(events[i], Event::End(TagEnd::MetadataBlock(_)))
                {
                    if let Event::Text(t) = &events[i] {
                        yaml.push_str(t);
                    }
                    i += 1;
                }
                state.front_matter_title = front_matter_title(&yaml);
            }
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                let end = block_end(&events, i);
                let code: String = events[i + 1..end]
                    .iter()
                    .filter_map(|e| match e {
                        Event::Text(t) => Some(t.as_ref()),
                        _ => None,
                    })
                    .collect();
                let language = info.split_whitespace().next().unwrap_or_default();
                match crate::highlight::highlight(language, &code) {
                    Some(html) => {
                        state.text.push_str(&code);
                        state.text.push('\n');
                        out.push(Event::Html(CowStr::from(format!(
                            "<pre><code class=\"language-{}\">{html}</code></pre>\n",
                            crate::admonitions::escape(language)
                        ))));
                        i = end;
                    }
                    None => state.event(events[i].clone(), &mut out, links),
                }
            }
            Event::Start(Tag::Heading { .. }) => {
                let end = heading_end(&events, i);
                state.heading(&events[i..=end], &mut out, links);
                i = end;
            }
            event => state.event(event.clone(), &mut out, links),
        }
        i += 1;
    }
    let mut html = String::with_capacity(expanded.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, out.into_iter());
    Rendered {
        title: state.front_matter_title.or(state.first_h1),
        html: table_alignment_as_attributes(&html),
        toc: state.toc,
        text: state.text.trim().to_string(),
    }
}

fn block_end(events: &[Event<'_>], start: usize) -> usize {
    events[start..]
        .iter()
        .position(|e| matches!(e, Event::End(TagEnd::CodeBlock)))
        .map(|p| start + p)
        .unwrap_or(events.len() - 1)
}

fn heading_end(events: &[Event<'_>], start: usize) -> usize {
    events[start..]
        .iter()
        .position(|e| matches!(e, Event::End(TagEnd::Heading(_))))
        .map(|p| start + p)
        .unwrap_or(events.len() - 1)
}

fn front_matter_title(yaml: &str) -> Option<String> {
    let value: serde_yaml::Value = serde_yaml::from_str(yaml).ok()?;
    let title = value.get("title")?.as_str()?.trim();
    (!title.is_empty()).then(|| title.to_string())
}

/// pulldown-cmark aligns table cells with `style`, which the host's sanitizer strips; the
/// `align` attribute survives it.
fn table_alignment_as_attributes(html: &str) -> String {
    html.replace(" style=\"text-align: left\">", " align=\"left\">")
        .replace(" style=\"text-align: center\">", " align=\"center\">")
        .replace(" style=\"text-align: right\">", " align=\"right\">")
}

#[derive(Default)]
struct State {
    toc: Vec<TocEntry>,
    anchors: HashMap<String, usize>,
    text: String,
    first_h1: Option<String>,
    front_matter_title: Option<String>,
    /// For each open link/image: whether its start was dropped (so its end is too).
    dropped: Vec<bool>,
}

impl State {
    fn event<'a>(&mut self, event: Event<'a>, out: &mut Vec<Event<'a>>, links: &dyn LinkRewriter) {
        match event {
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => match links.rewrite(&dest_url, false) {
                Rewrite::Drop => self.dropped.push(true),
                rewrite => {
                    self.dropped.push(false);
                    out.push(Event::Start(Tag::Link {
                        link_type,
                        dest_url: apply(rewrite, dest_url),
                        title,
                        id,
                    }));
                }
            },
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => match links.rewrite(&dest_url, true) {
                Rewrite::Drop => self.dropped.push(true),
                rewrite => {
                    self.dropped.push(false);
                    out.push(Event::Start(Tag::Image {
                        link_type,
                        dest_url: apply(rewrite, dest_url),
                        title,
                        id,
                    }));
                }
            },
            Event::End(end @ (TagEnd::Link | TagEnd::Image)) => {
                if !self.dropped.pop().unwrap_or(false) {
                    out.push(Event::End(end));
                }
            }
            Event::Text(ref t) | Event::Code(ref t) => {
                self.text.push_str(t);
                out.push(event);
            }
            Event::SoftBreak | Event::HardBreak => {
                self.text.push(' ');
                out.push(event);
            }
            Event::End(
                TagEnd::Paragraph
                | TagEnd::CodeBlock
                | TagEnd::Item
                | TagEnd::TableCell
                | TagEnd::TableRow
                | TagEnd::BlockQuote(_),
            ) => {
                self.text.push('\n');
                out.push(event);
            }
            other => out.push(other),
        }
    }

    /// A whole heading: gives it a unique anchor and records it in the table of contents.
    fn heading<'a>(
        &mut self,
        events: &[Event<'a>],
        out: &mut Vec<Event<'a>>,
        links: &dyn LinkRewriter,
    ) {
        let Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) = events[0].clone()
        else {
            return;
        };
        let text: String = events[1..]
            .iter()
            .filter_map(|e| match e {
                Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
                _ => None,
            })
            .collect();
        let text = text.trim().to_string();
        let wanted = match &id {
            Some(id) => id.to_string(),
            None => slug(&text),
        };
        let anchor = self.unique(wanted);
        if level == HeadingLevel::H1 && self.first_h1.is_none() && !text.is_empty() {
            self.first_h1 = Some(text.clone());
        }
        self.toc.push(TocEntry {
            level: level as u8,
            text: text.clone(),
            anchor: anchor.clone(),
        });
        out.push(Event::Start(Tag::Heading {
            level,
            id: Some(CowStr::from(anchor)),
            classes,
            attrs,
        }));
        for event in &events[1..] {
            self.event(event.clone(), out, links);
        }
        self.text.push('\n');
    }

    /// `wanted`, or `wanted_1`, `wanted_2`... when taken (as MkDocs does).
    fn unique(&mut self, wanted: String) -> String {
        let count = self.anchors.entry(wanted.clone()).or_insert(0);
        *count += 1;
        if *count == 1 {
            return wanted;
        }
        let mut n = *count - 1;
        loop {
            let candidate = format!("{wanted}_{n}");
            if !self.anchors.contains_key(&candidate) {
                self.anchors.insert(candidate.clone(), 1);
                return candidate;
            }
            n += 1;
        }
    }
}

fn apply<'a>(rewrite: Rewrite, original: CowStr<'a>) -> CowStr<'a> {
    match rewrite {
        Rewrite::To(url) => CowStr::from(url),
        _ => original,
    }
}

/// A heading's anchor as MkDocs' `toc` extension makes it: lower case, punctuation removed,
/// runs of spaces and dashes as one `-`.
pub fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_dash = false;
    for c in text.trim().chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() || c == '_' {
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            out.push(c);
        } else if c.is_whitespace() || c == '-' {
            pending_dash = true;
        }
    }
    if out.is_empty() {
        out.push_str("section");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed;
    impl LinkRewriter for Fixed {
        fn rewrite(&self, dest: &str, image: bool) -> Rewrite {
            if dest.starts_with("http") || dest.starts_with('#') {
                Rewrite::Keep
            } else if dest.starts_with("../") {
                Rewrite::Drop
            } else {
                Rewrite::To(format!("/{}/{dest}", if image { "asset" } else { "page" }))
            }
        }
    }

    #[test]
    fn headings_get_unique_anchors_and_a_toc() {
        let r = render(
            "# Hello *World*\n\n## Set up\n\n## Set up\n\n### `cargo` & you {#custom}\n",
            &Fixed,
        );
        assert_eq!(r.title.as_deref(), Some("Hello World"));
        let anchors: Vec<&str> = r.toc.iter().map(|h| h.anchor.as_str()).collect();
        assert_eq!(anchors, ["hello-world", "set-up", "set-up_1", "custom"]);
        assert_eq!(r.toc[3].level, 3);
        assert_eq!(r.toc[3].text, "cargo & you");
        assert!(
            r.html.contains("<h2 id=\"set-up_1\">Set up</h2>"),
            "{}",
            r.html
        );
    }

    #[test]
    fn tables_code_and_alerts() {
        let md = "| a | b |\n|:--|--:|\n| 1 | 2 |\n\n```rust title=x\nfn main() {}\n```\n\n> [!WARNING]\n> Careful\n";
        let r = render(md, &Fixed);
        assert!(r.html.contains("<table>"), "{}", r.html);
        assert!(r.html.contains("<th align=\"left\">a</th>"), "{}", r.html);
        assert!(r.html.contains("<td align=\"right\">2</td>"), "{}", r.html);
        assert!(!r.html.contains("style="), "{}", r.html);
        assert!(
            r.html.contains("<code class=\"language-rust\">"),
            "{}",
            r.html
        );
        assert!(r.html.contains("markdown-alert-warning"), "{}", r.html);
        assert!(r.text.contains("fn main() {}"), "{}", r.text);
    }

    #[test]
    fn links_and_images_are_rewritten_or_dropped() {
        let md = "[a](other.md) [b](https://x.io) [c](#top) [d](../out.md) ![i](img.png)";
        let r = render(md, &Fixed);
        assert!(
            r.html.contains("<a href=\"/page/other.md\">a</a>"),
            "{}",
            r.html
        );
        assert!(
            r.html.contains("<a href=\"https://x.io\">b</a>"),
            "{}",
            r.html
        );
        assert!(r.html.contains("<a href=\"#top\">c</a>"), "{}", r.html);
        assert!(r.html.contains(" d "), "{}", r.html);
        assert!(!r.html.contains("out.md"), "{}", r.html);
        assert!(
            r.html.contains("<img src=\"/asset/img.png\" alt=\"i\""),
            "{}",
            r.html
        );
    }

    #[test]
    fn front_matter_names_the_page_and_is_not_shown() {
        let r = render("---\ntitle: From front matter\n---\n# Heading\n", &Fixed);
        assert_eq!(r.title.as_deref(), Some("From front matter"));
        assert!(!r.html.contains("title:"), "{}", r.html);
    }

    #[test]
    fn admonitions_render_as_containers() {
        let r = render("!!! note \"Heads up\"\n    Inside *here*.\n", &Fixed);
        assert!(
            r.html.contains("<div class=\"admonition note\">"),
            "{}",
            r.html
        );
        assert!(
            r.html
                .contains("<p class=\"admonition-title\">Heads up</p>"),
            "{}",
            r.html
        );
        assert!(
            r.html.contains("<p>Inside <em>here</em>.</p>"),
            "{}",
            r.html
        );
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("Hello, World!"), "hello-world");
        assert_eq!(slug("  a -- b  "), "a-b");
        assert_eq!(slug("Ünïcode Wörds"), "ünïcode-wörds");
        assert_eq!(slug("!!!"), "section");
    }
}
