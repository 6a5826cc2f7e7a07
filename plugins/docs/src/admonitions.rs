//! MkDocs admonitions (`!!! note "Title"`) and collapsible details (`??? tip`, `???+ tip`,
//! open) turned into HTML containers before CommonMark parsing.
//!
//! CommonMark has no admonitions, so the block is rewritten as an HTML block that opens a
//! `<div class="admonition TYPE">` (or `<details>`), a blank line, the block's body dedented
//! (still Markdown, so it is parsed with the rest of the page and shares its link
//! definitions and heading anchors), a blank line and the closing tag. Fenced code is left
//! alone, so `!!!` inside a code sample stays text.

/// `markdown` with every admonition expanded (nested ones too).
pub fn expand(markdown: &str) -> String {
    expand_depth(markdown, 0)
}

/// Nesting deeper than this is left as written (a guard against pathological input).
const MAX_DEPTH: usize = 8;

fn expand_depth(markdown: &str, depth: usize) -> String {
    let lines: Vec<&str> = markdown.lines().collect();
    let mut out = String::with_capacity(markdown.len() + 64);
    let mut fence: Option<Fence> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        if let Some(open) = &fence {
            if open.closes(line) {
                fence = None;
            }
            push_line(&mut out, line);
            continue;
        }
        if let Some(opened) = Fence::opens(line) {
            fence = Some(opened);
            push_line(&mut out, line);
            continue;
        }
        let Some(header) = (depth < MAX_DEPTH).then(|| Header::parse(line)).flatten() else {
            push_line(&mut out, line);
            continue;
        };
        let start = i;
        while i < lines.len() && (lines[i].trim().is_empty() || indented(lines[i])) {
            i += 1;
        }
        let mut end = i;
        while end > start && lines[end - 1].trim().is_empty() {
            end -= 1;
        }
        // Blank lines after the body belong to the page, not to the admonition.
        i = end;
        let body: Vec<&str> = lines[start..end].iter().map(|l| dedent(l)).collect();
        let inner = expand_depth(&body.join("\n"), depth + 1);
        header.write(&mut out, &inner);
    }
    out
}

fn push_line(out: &mut String, line: &str) {
    out.push_str(line);
    out.push('\n');
}

fn indented(line: &str) -> bool {
    line.starts_with("    ") || line.starts_with('\t')
}

fn dedent(line: &str) -> &str {
    line.strip_prefix("    ")
        .or_else(|| line.strip_prefix('\t'))
        .unwrap_or(line.trim_start())
}

/// An open fenced code block: its character and length.
struct Fence {
    marker: char,
    len: usize,
}

impl Fence {
    fn opens(line: &str) -> Option<Fence> {
        let trimmed = line.trim_start_matches(' ');
        if line.len() - trimmed.len() > 3 {
            return None;
        }
        let marker = trimmed.chars().next().filter(|c| *c == '`' || *c == '~')?;
        let len = trimmed.chars().take_while(|c| *c == marker).count();
        // A backtick fence's info string cannot contain a backtick.
        let info_ok = marker == '~' || !trimmed[len..].contains('`');
        (len >= 3 && info_ok).then_some(Fence { marker, len })
    }

    fn closes(&self, line: &str) -> bool {
        let trimmed = line.trim_start_matches(' ');
        let len = trimmed.chars().take_while(|c| *c == self.marker).count();
        line.len() - trimmed.len() <= 3 && len >= self.len && trimmed[len..].trim().is_empty()
    }
}

/// The first line of an admonition.
#[derive(Debug, PartialEq)]
struct Header {
    kinds: Vec<String>,
    /// `None`: the default title (the type, capitalized); `Some("")`: no title.
    title: Option<String>,
    style: Style,
}

#[derive(Debug, PartialEq)]
enum Style {
    Box,
    Collapsed,
    Expanded,
}

impl Header {
    fn parse(line: &str) -> Option<Header> {
        let (style, rest) = if let Some(rest) = line.strip_prefix("!!!") {
            (Style::Box, rest)
        } else if let Some(rest) = line.strip_prefix("???+") {
            (Style::Expanded, rest)
        } else if let Some(rest) = line.strip_prefix("???") {
            (Style::Collapsed, rest)
        } else {
            return None;
        };
        if !rest.starts_with([' ', '\t']) {
            return None;
        }
        let rest = rest.trim();
        let (words, title) = match rest.find('"') {
            Some(q) => {
                let quoted = rest[q + 1..].strip_suffix('"')?;
                (&rest[..q], Some(quoted.to_string()))
            }
            None => (rest, None),
        };
        let kinds: Vec<String> = words
            .split_whitespace()
            .map(|w| w.to_ascii_lowercase())
            .collect();
        let valid = |k: &String| {
            k.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        };
        if kinds.is_empty() || !kinds.iter().all(valid) {
            return None;
        }
        Some(Header {
            kinds,
            title,
            style,
        })
    }

    fn write(&self, out: &mut String, body: &str) {
        let classes = format!("admonition {}", self.kinds.join(" "));
        let title = match &self.title {
            Some(t) => t.clone(),
            None => capitalize(&self.kinds[0]),
        };
        let (open, close) = match self.style {
            Style::Box => (format!("<div class=\"{classes}\">"), "</div>"),
            Style::Collapsed => (format!("<details class=\"{classes}\">"), "</details>"),
            Style::Expanded => (format!("<details class=\"{classes}\" open>"), "</details>"),
        };
        out.push('\n');
        out.push_str(&open);
        out.push('\n');
        match self.style {
            Style::Box if title.is_empty() => {}
            Style::Box => {
                out.push_str(&format!(
                    "<p class=\"admonition-title\">{}</p>\n",
                    escape(&title)
                ));
            }
            _ => out.push_str(&format!("<summary>{}</summary>\n", escape(&title))),
        }
        out.push('\n');
        out.push_str(body.trim_end_matches('\n'));
        out.push_str("\n\n");
        out.push_str(close);
        out.push_str("\n\n");
    }
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Escapes text for an HTML element's content or a quoted attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        let h = Header::parse("!!! note \"Read this\"").unwrap();
        assert_eq!(h.kinds, ["note"]);
        assert_eq!(h.title.as_deref(), Some("Read this"));
        assert_eq!(h.style, Style::Box);
        let h = Header::parse("??? Danger highlight").unwrap();
        assert_eq!(h.kinds, ["danger", "highlight"]);
        assert_eq!(h.title, None);
        assert_eq!(h.style, Style::Collapsed);
        assert_eq!(
            Header::parse("???+ tip \"\"").unwrap().style,
            Style::Expanded
        );
        assert_eq!(Header::parse("!!!"), None);
        assert_eq!(Header::parse("!!!note"), None);
        assert_eq!(Header::parse("!!! <script>"), None);
        assert_eq!(Header::parse("!!! note \"unterminated"), None);
    }

    #[test]
    fn expands_a_block_and_leaves_the_rest() {
        let md = "Intro\n!!! warning \"Mind <this>\"\n    Body **bold**.\n\n    More.\n\nAfter\n";
        let out = expand(md);
        assert!(
            out.starts_with("Intro\n\n<div class=\"admonition warning\">\n"),
            "{out}"
        );
        assert!(
            out.contains("<p class=\"admonition-title\">Mind &lt;this&gt;</p>"),
            "{out}"
        );
        assert!(
            out.contains("\n\nBody **bold**.\n\nMore.\n\n</div>\n"),
            "{out}"
        );
        assert!(out.trim_end().ends_with("After"), "{out}");
    }

    #[test]
    fn fenced_code_is_untouched_and_nesting_works() {
        let md = "```\n!!! note\n    not an admonition\n```\n";
        assert_eq!(expand(md), md);
        let md = "!!! note\n    outer\n\n    !!! tip\n        inner\n";
        let out = expand(md);
        assert!(out.contains("admonition note"), "{out}");
        assert!(out.contains("admonition tip"), "{out}");
        assert!(out.contains("\ninner\n"), "{out}");
    }
}
