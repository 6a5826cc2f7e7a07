//! A small syntax highlighter for the source the portal shows (entity YAML, API
//! definitions in YAML/JSON/GraphQL/Protobuf): keys, strings, numbers, literals and comments
//! become `<span class="tok-…">`. Everything is HTML-escaped; the output only ever contains
//! the spans written here. (A full highlighter such as syntect would add megabytes of
//! grammars for these few token classes.)

use handlebars::html_escape;

#[derive(Clone, Copy, PartialEq)]
pub enum Language {
    Yaml,
    Json,
    /// GraphQL, Protobuf and other C-like sources: `#` or `//` comments, strings, numbers.
    CLike,
    Plain,
}

impl Language {
    pub fn from_hint(hint: &str) -> Language {
        match hint.trim().to_ascii_lowercase().as_str() {
            "yaml" | "yml" | "openapi" | "asyncapi" => Language::Yaml,
            "json" => Language::Json,
            "graphql" | "gql" | "proto" | "protobuf" | "grpc" => Language::CLike,
            _ => Language::Plain,
        }
    }

    /// A definition's language from its content: JSON when it starts with `{` or `[`.
    pub fn sniff(source: &str, hint: &str) -> Language {
        match Language::from_hint(hint) {
            Language::Yaml if source.trim_start().starts_with(['{', '[']) => Language::Json,
            other => other,
        }
    }
}

fn span(out: &mut String, class: &str, text: &str) {
    out.push_str("<span class=\"tok-");
    out.push_str(class);
    out.push_str("\">");
    out.push_str(&html_escape(text));
    out.push_str("</span>");
}

/// Highlighted HTML for `source` (to go inside `<pre><code>`).
pub fn highlight(source: &str, language: Language) -> String {
    let mut out = String::with_capacity(source.len() * 2);
    if language == Language::Plain {
        out.push_str(&html_escape(source));
        return out;
    }
    for (i, line) in source.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        line_tokens(line, language, &mut out);
    }
    out
}

fn is_literal(word: &str) -> bool {
    matches!(
        word,
        "true" | "false" | "null" | "~" | "True" | "False" | "Null" | "NULL" | "yes" | "no"
    )
}

fn is_number(word: &str) -> bool {
    !word.is_empty()
        && word
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit() || c == '-')
        && word.parse::<f64>().is_ok()
}

fn line_tokens(line: &str, language: Language, out: &mut String) {
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let at = |i: usize| chars.get(i).map(|(o, _)| *o).unwrap_or(line.len());
    let mut i = 0;
    let mut plain_start = 0;
    let flush = |out: &mut String, from: usize, to: usize| {
        if to > from {
            out.push_str(&html_escape(&line[from..to]));
        }
    };
    while i < chars.len() {
        let c = chars[i].1;
        let prev_space = i == 0 || chars[i - 1].1.is_whitespace();
        // Comments.
        let comment = match language {
            Language::Yaml => c == '#' && prev_space,
            Language::CLike => {
                c == '#' || (c == '/' && chars.get(i + 1).is_some_and(|n| n.1 == '/'))
            }
            _ => false,
        };
        if comment {
            flush(out, plain_start, at(i));
            span(out, "comment", &line[at(i)..]);
            return;
        }
        // Quoted strings (keys when followed by `:`).
        if c == '"' || (c == '\'' && language != Language::Json) {
            let mut j = i + 1;
            while j < chars.len() && chars[j].1 != c {
                if chars[j].1 == '\\' && c == '"' {
                    j += 1;
                }
                j += 1;
            }
            let end = (j + 1).min(chars.len());
            let mut k = end;
            while k < chars.len() && chars[k].1 == ' ' {
                k += 1;
            }
            let is_key = chars.get(k).is_some_and(|n| n.1 == ':');
            flush(out, plain_start, at(i));
            span(
                out,
                if is_key { "key" } else { "string" },
                &line[at(i)..at(end)],
            );
            i = end;
            plain_start = at(i);
            continue;
        }
        // Bare words: YAML keys, literals, numbers.
        if !c.is_whitespace() && !"{}[],:".contains(c) && prev_space_or_punct(&chars, i) {
            let mut j = i;
            // A word ends at whitespace, a bracket or comma, or a `: ` (YAML key end).
            let ends_word = |j: usize| {
                let c = chars[j].1;
                c.is_whitespace()
                    || ",{}[]".contains(c)
                    || (c == ':' && chars.get(j + 1).is_none_or(|n| n.1.is_whitespace()))
            };
            while j < chars.len() && !ends_word(j) {
                j += 1;
            }
            let word = &line[at(i)..at(j)];
            let key = language == Language::Yaml
                && chars.get(j).is_some_and(|n| n.1 == ':')
                && line[..at(i)]
                    .trim_start_matches([' ', '-'])
                    .trim()
                    .is_empty();
            let class = if key {
                Some("key")
            } else if is_literal(word) {
                Some("literal")
            } else if is_number(word) {
                Some("number")
            } else {
                None
            };
            if let Some(class) = class {
                flush(out, plain_start, at(i));
                span(out, class, word);
                plain_start = at(j);
            }
            i = j.max(i + 1);
            continue;
        }
        i += 1;
    }
    flush(out, plain_start, line.len());
}

fn prev_space_or_punct(chars: &[(usize, char)], i: usize) -> bool {
    i == 0 || chars[i - 1].1.is_whitespace() || "{}[],:-".contains(chars[i - 1].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_tokens_and_escaping() {
        let html = highlight(
            "kind: Component # the kind\nmetadata:\n  name: \"<script>\"\n  port: 8080\n  on: true",
            Language::Yaml,
        );
        assert!(
            html.contains("<span class=\"tok-key\">kind</span>"),
            "{html}"
        );
        assert!(
            html.contains("<span class=\"tok-comment\"># the kind</span>"),
            "{html}"
        );
        assert!(
            html.contains("<span class=\"tok-string\">&quot;&lt;script&gt;&quot;</span>"),
            "{html}"
        );
        assert!(
            html.contains("<span class=\"tok-number\">8080</span>"),
            "{html}"
        );
        assert!(
            html.contains("<span class=\"tok-literal\">true</span>"),
            "{html}"
        );
        assert!(!html.contains("<script"), "{html}");
    }

    #[test]
    fn json_keys_and_values() {
        let html = highlight("{\"a\": 1, \"b\": \"x<y\"}", Language::Json);
        assert!(
            html.contains("<span class=\"tok-key\">&quot;a&quot;</span>"),
            "{html}"
        );
        assert!(
            html.contains("<span class=\"tok-string\">&quot;x&lt;y&quot;</span>"),
            "{html}"
        );
    }

    #[test]
    fn plain_is_only_escaped() {
        assert_eq!(highlight("<b>&", Language::Plain), "&lt;b&gt;&amp;");
    }
}
