//! CommonMark from plugins and entity descriptions, rendered without raw HTML: HTML in the
//! source is shown as text, links and images keep only safe targets (see
//! [`super::urls::safe_href`]) and images become links (the CSP allows no foreign images).

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd, html};

/// The HTML of `source`. Everything but the markup pulldown-cmark itself writes is escaped.
pub fn render(source: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    // Link nesting depth, so that a refused link's end tag is dropped too.
    let mut refused: Vec<bool> = Vec::new();
    let events = Parser::new_ext(source, options).filter_map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => match super::urls::safe_href(&dest_url) {
            Some(_) => {
                refused.push(false);
                Some(Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }))
            }
            None => {
                refused.push(true);
                None
            }
        },
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => match super::urls::safe_href(&dest_url) {
            Some(_) => {
                refused.push(false);
                Some(Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }))
            }
            None => {
                refused.push(true);
                None
            }
        },
        Event::End(TagEnd::Link) | Event::End(TagEnd::Image) => {
            if refused.pop().unwrap_or(true) {
                None
            } else {
                Some(Event::End(TagEnd::Link))
            }
        }
        Event::Start(Tag::HtmlBlock) | Event::End(TagEnd::HtmlBlock) => None,
        other => Some(other),
    });
    let mut out = String::with_capacity(source.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

/// Text of a short Markdown string with the markup removed (for table cells and titles).
pub fn plain(source: &str) -> String {
    let mut out = String::new();
    for event in Parser::new(source) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_is_text() {
        let html = render("hi <script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn unsafe_links_lose_their_target() {
        let html =
            render("[click](javascript:alert(1)) and [ok](https://example.com) ![i](data:x)");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("data:"), "{html}");
        assert!(html.contains("click"), "{html}");
        assert!(
            html.contains("<a href=\"https://example.com\">ok</a>"),
            "{html}"
        );
    }

    #[test]
    fn markdown_is_rendered() {
        let html = render("# Title\n\n* a\n* `b`\n");
        assert!(html.contains("<h1>Title</h1>"), "{html}");
        assert!(html.contains("<code>b</code>"), "{html}");
    }
}
