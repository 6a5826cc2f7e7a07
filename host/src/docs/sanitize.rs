//! The allow-list every docs page passes through before anyone sees it (ammonia, an
//! html5ever-based sanitizer): ammonia's default tags (text, lists, tables, code, images,
//! `details`) without `script`, `style`, forms or event handlers; links and images only to
//! http(s) or relative URLs; `class` only with the names the renderer produces (languages,
//! highlighted tokens, admonitions, alerts, footnotes); `id`s prefixed with `doc-` (and fragment links with
//! them) so a page cannot clobber the portal's own element ids.

use std::borrow::Cow;
use std::collections::HashSet;

/// The prefix of every element id in a docs page.
pub const ID_PREFIX: &str = "doc-";

/// Admonition types MkDocs Material knows (and their aliases).
const ADMONITION_TYPES: &[&str] = &[
    "note",
    "abstract",
    "summary",
    "tldr",
    "info",
    "todo",
    "tip",
    "hint",
    "important",
    "success",
    "check",
    "done",
    "question",
    "help",
    "faq",
    "warning",
    "caution",
    "attention",
    "failure",
    "fail",
    "missing",
    "danger",
    "error",
    "bug",
    "example",
    "quote",
    "cite",
];

pub struct Sanitizer {
    builder: ammonia::Builder<'static>,
}

impl Default for Sanitizer {
    fn default() -> Self {
        Self::new()
    }
}

impl Sanitizer {
    pub fn new() -> Sanitizer {
        let mut builder = ammonia::Builder::default();
        builder
            .url_schemes(HashSet::from(["http", "https"]))
            .add_generic_attributes(["id", "class"])
            .add_tags(["input"])
            .add_tag_attributes("input", ["type", "checked", "disabled"])
            .set_tag_attribute_value("input", "disabled", "")
            .add_tag_attributes("details", ["open"])
            .add_tag_attributes("ol", ["start"])
            .link_rel(Some("noopener noreferrer"))
            .strip_comments(true)
            .attribute_filter(filter_attribute);
        Sanitizer { builder }
    }

    /// `html` reduced to the allow-list.
    pub fn clean(&self, html: &str) -> String {
        self.builder.clean(html).to_string()
    }
}

/// The id a heading anchor has after sanitizing.
pub fn anchor(id: &str) -> String {
    format!("{ID_PREFIX}{id}")
}

fn filter_attribute<'u>(element: &str, attribute: &str, value: &'u str) -> Option<Cow<'u, str>> {
    match (element, attribute) {
        (_, "id") => Some(Cow::Owned(anchor(value))),
        (_, "class") => {
            let kept: Vec<&str> = value
                .split_whitespace()
                .filter(|c| known_class(c))
                .collect();
            (!kept.is_empty()).then(|| Cow::Owned(kept.join(" ")))
        }
        ("input", "type") => {
            (value.eq_ignore_ascii_case("checkbox")).then_some(Cow::Borrowed(value))
        }
        (_, "href") => Some(prefix_fragment(value)),
        _ => Some(Cow::Borrowed(value)),
    }
}

/// `#x` → `#doc-x`, also on links to other docs pages (any URL without a scheme).
fn prefix_fragment(href: &str) -> Cow<'_, str> {
    let Some((before, fragment)) = href.split_once('#') else {
        return Cow::Borrowed(href);
    };
    let absolute = before.contains("://") || before.starts_with("//");
    if absolute || fragment.is_empty() {
        return Cow::Borrowed(href);
    }
    Cow::Owned(format!("{before}#{ID_PREFIX}{fragment}"))
}

fn known_class(class: &str) -> bool {
    let token_ok = class
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '#'));
    token_ok
        && (class.starts_with("language-")
            || class.starts_with("admonition")
            || class.starts_with("markdown-alert")
            || class.starts_with("footnote-")
            || class.starts_with("tok-")
            || ADMONITION_TYPES.contains(&class))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_markup_is_removed() {
        let s = Sanitizer::new();
        let dirty = r#"<script>alert(1)</script><style>body{display:none}</style>
<img src="x.png" onerror="alert(2)"><a href="javascript:alert(3)">js</a>
<a href="data:text/html,<script>alert(4)</script>">data</a>
<p style="position:fixed" onclick="alert(5)">text</p><iframe src="https://evil"></iframe>
<form action="https://evil"><input type="password" name="p"></form>
<svg><script>alert(6)</script></svg><object data="x"></object>"#;
        let clean = s.clean(dirty);
        for bad in [
            "<script",
            "alert(1)",
            "<style",
            "onerror",
            "javascript:",
            "data:",
            "style=",
            "onclick",
            "<iframe",
            "<form",
            "password",
            "<svg",
            "<object",
        ] {
            assert!(!clean.contains(bad), "{bad} survived: {clean}");
        }
        assert!(clean.contains("<img src=\"x.png\">"), "{clean}");
        assert!(clean.contains("<p>text</p>"), "{clean}");
    }

    #[test]
    fn what_the_renderer_makes_survives() {
        let s = Sanitizer::new();
        let html = r##"<h2 id="setup">Setup</h2><a href="#setup">here</a>
<a href="/docs/default/Component/x/guide#step-1">guide</a><a href="https://example.com/#x">ext</a>
<pre><code class="language-rust"><span class="tok-keyword">fn</span> main() {}</code></pre>
<div class="admonition warning portal-modal"><p class="admonition-title">Careful</p></div>
<details class="admonition tip" open><summary>More</summary></details>
<table><thead><tr><th align="right">a</th></tr></thead></table>
<ul><li><input disabled="" type="checkbox" checked=""> done</li></ul>"##;
        let clean = s.clean(html);
        for good in [
            "<h2 id=\"doc-setup\">",
            "href=\"#doc-setup\"",
            "href=\"/docs/default/Component/x/guide#doc-step-1\"",
            "href=\"https://example.com/#x\"",
            "class=\"language-rust\"",
            "<span class=\"tok-keyword\">fn</span>",
            "class=\"admonition warning\"",
            "class=\"admonition-title\"",
            "<details class=\"admonition tip\" open=\"\">",
            "<th align=\"right\">",
            "type=\"checkbox\"",
            "rel=\"noopener noreferrer\"",
        ] {
            assert!(clean.contains(good), "{good} missing: {clean}");
        }
        assert!(!clean.contains("portal-modal"), "{clean}");
    }
}
