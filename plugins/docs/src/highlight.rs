//! Code highlighting as class names: fenced code in a known language becomes HTML-escaped
//! text with `<span class="tok-…">` around keywords, strings, numbers, literals, comments and
//! (YAML/JSON) keys — the token classes the portal's theme already styles. A small lexer per
//! family of languages rather than a grammar engine (syntect's grammars would add megabytes
//! to the component for these few token classes). Unknown languages stay plain text.

use crate::admonitions::escape;

/// How a family of languages is lexed.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Family {
    /// `//` and `/* */` comments, `"…"`, `'…'` and `` `…` `` strings.
    CLike,
    /// `#` comments, `"…"` and `'…'` strings.
    Hash,
    /// `--` comments, `'…'` strings, keywords in any case.
    Sql,
    /// Keys before `:`, `"…"` strings, `true`/`false`/`null`.
    Json,
    /// Keys before `:`, `#` comments, quoted strings, scalars.
    Yaml,
}

const C_KEYWORDS: &[&str] = &[
    "as",
    "async",
    "await",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "crate",
    "default",
    "defer",
    "delete",
    "do",
    "dyn",
    "else",
    "enum",
    "export",
    "extends",
    "extern",
    "final",
    "finally",
    "fn",
    "for",
    "from",
    "func",
    "function",
    "go",
    "if",
    "impl",
    "implements",
    "import",
    "in",
    "instanceof",
    "interface",
    "let",
    "loop",
    "match",
    "mod",
    "move",
    "mut",
    "new",
    "package",
    "private",
    "protected",
    "pub",
    "public",
    "return",
    "select",
    "self",
    "static",
    "struct",
    "super",
    "switch",
    "this",
    "throw",
    "throws",
    "trait",
    "try",
    "type",
    "typeof",
    "unsafe",
    "use",
    "var",
    "void",
    "where",
    "while",
    "yield",
    "query",
    "mutation",
    "schema",
    "message",
    "service",
    "rpc",
    "returns",
    "syntax",
    "option",
    "repeated",
];
const HASH_KEYWORDS: &[&str] = &[
    "and",
    "as",
    "assert",
    "async",
    "await",
    "begin",
    "break",
    "case",
    "class",
    "continue",
    "def",
    "del",
    "do",
    "done",
    "elif",
    "else",
    "end",
    "esac",
    "except",
    "export",
    "fi",
    "finally",
    "for",
    "from",
    "function",
    "global",
    "if",
    "import",
    "in",
    "is",
    "lambda",
    "local",
    "module",
    "not",
    "or",
    "pass",
    "raise",
    "require",
    "return",
    "then",
    "try",
    "unless",
    "until",
    "while",
    "with",
    "yield",
    "FROM",
    "RUN",
    "CMD",
    "COPY",
    "ADD",
    "ENV",
    "ARG",
    "WORKDIR",
    "EXPOSE",
    "ENTRYPOINT",
];
const SQL_KEYWORDS: &[&str] = &[
    "select",
    "from",
    "where",
    "and",
    "or",
    "not",
    "insert",
    "into",
    "values",
    "update",
    "set",
    "delete",
    "create",
    "table",
    "index",
    "view",
    "drop",
    "alter",
    "add",
    "join",
    "left",
    "right",
    "inner",
    "outer",
    "on",
    "group",
    "by",
    "order",
    "having",
    "limit",
    "offset",
    "as",
    "distinct",
    "union",
    "all",
    "primary",
    "key",
    "foreign",
    "references",
    "default",
    "null",
    "is",
    "in",
    "like",
    "between",
    "case",
    "when",
    "then",
    "else",
    "end",
    "begin",
    "commit",
    "rollback",
];
const LITERALS: &[&str] = &[
    "true",
    "false",
    "null",
    "nil",
    "None",
    "True",
    "False",
    "undefined",
    "NaN",
    "yes",
    "no",
    "on",
    "off",
    "~",
];

fn family(language: &str) -> Option<Family> {
    Some(match language.to_ascii_lowercase().as_str() {
        "rust" | "rs" | "go" | "golang" | "c" | "h" | "cpp" | "c++" | "cc" | "java" | "kotlin"
        | "kt" | "swift" | "scala" | "cs" | "csharp" | "js" | "javascript" | "jsx" | "ts"
        | "typescript" | "tsx" | "php" | "dart" | "graphql" | "gql" | "proto" | "protobuf"
        | "groovy" | "gradle" => Family::CLike,
        "python" | "py" | "sh" | "bash" | "shell" | "zsh" | "console" | "ruby" | "rb" | "toml"
        | "ini" | "dockerfile" | "docker" | "make" | "makefile" | "perl" | "r" | "hcl"
        | "terraform" | "tf" | "conf" | "properties" => Family::Hash,
        "sql" | "psql" | "mysql" | "postgres" | "postgresql" => Family::Sql,
        "json" | "jsonc" | "json5" => Family::Json,
        "yaml" | "yml" => Family::Yaml,
        _ => return None,
    })
}

/// The highlighted HTML of `code` (without `<pre><code>`), or `None` for an unknown language.
pub fn highlight(language: &str, code: &str) -> Option<String> {
    let family = family(language)?;
    let mut out = String::with_capacity(code.len() * 2);
    match family {
        Family::Yaml => code
            .split_inclusive('\n')
            .for_each(|l| yaml_line(l, &mut out)),
        _ => lex(family, code, &mut out),
    }
    Some(out)
}

fn span(out: &mut String, class: &str, text: &str) {
    out.push_str("<span class=\"tok-");
    out.push_str(class);
    out.push_str("\">");
    out.push_str(&escape(text));
    out.push_str("</span>");
}

/// The end (byte index) of a quoted string starting at `start`, honouring `\` escapes.
fn string_end(chars: &[(usize, char)], start: usize, quote: char, code: &str) -> usize {
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i].1 {
            '\\' => i += 2,
            c if c == quote => return chars[i].0 + c.len_utf8(),
            '\n' if quote != '`' => return chars[i].0,
            _ => i += 1,
        }
    }
    code.len()
}

fn lex(family: Family, code: &str, out: &mut String) {
    let chars: Vec<(usize, char)> = code.char_indices().collect();
    let byte = |i: usize| chars.get(i).map(|c| c.0).unwrap_or(code.len());
    let index_of = |b: usize| chars.partition_point(|c| c.0 < b);
    let mut i = 0;
    while i < chars.len() {
        let (at, c) = chars[i];
        let rest = &code[at..];
        let comment_end = match family {
            Family::CLike if rest.starts_with("//") => {
                Some(rest.find('\n').map_or(code.len(), |n| at + n))
            }
            Family::CLike if rest.starts_with("/*") => {
                Some(rest[2..].find("*/").map_or(code.len(), |n| at + n + 4))
            }
            Family::Hash if c == '#' => Some(rest.find('\n').map_or(code.len(), |n| at + n)),
            Family::Sql if rest.starts_with("--") => {
                Some(rest.find('\n').map_or(code.len(), |n| at + n))
            }
            _ => None,
        };
        if let Some(end) = comment_end {
            span(out, "comment", &code[at..end]);
            i = index_of(end);
            continue;
        }
        let quotes: &[char] = match family {
            Family::CLike => &['"', '\'', '`'],
            Family::Hash => &['"', '\''],
            Family::Sql => &['\''],
            _ => &['"'],
        };
        if quotes.contains(&c) {
            let end = string_end(&chars, i, c, code);
            let class = match family {
                Family::Json if code[end..].trim_start().starts_with(':') => "key",
                _ => "string",
            };
            span(out, class, &code[at..end]);
            i = index_of(end);
            continue;
        }
        if c.is_ascii_digit() {
            let mut j = i;
            while j < chars.len()
                && (chars[j].1.is_ascii_alphanumeric() || matches!(chars[j].1, '.' | '_'))
            {
                j += 1;
            }
            span(out, "number", &code[at..byte(j)]);
            i = j;
            continue;
        }
        if c.is_alphabetic() || c == '_' || c == '$' {
            let mut j = i;
            while j < chars.len()
                && (chars[j].1.is_alphanumeric() || matches!(chars[j].1, '_' | '$'))
            {
                j += 1;
            }
            let word = &code[at..byte(j)];
            let is_keyword = match family {
                Family::CLike => C_KEYWORDS.contains(&word),
                Family::Hash => HASH_KEYWORDS.contains(&word),
                Family::Sql => SQL_KEYWORDS.contains(&word.to_ascii_lowercase().as_str()),
                _ => false,
            };
            if is_keyword {
                span(out, "keyword", word);
            } else if LITERALS.contains(&word) && !matches!(family, Family::Sql) {
                span(out, "literal", word);
            } else {
                out.push_str(&escape(word));
            }
            i = j;
            continue;
        }
        out.push_str(&escape(&code[at..at + c.len_utf8()]));
        i += 1;
    }
}

/// One YAML line: `key:` as a key, the value as a string, number or literal, `#` comments.
fn yaml_line(line: &str, out: &mut String) {
    let body = line.trim_end_matches(['\n', '\r']);
    let newline = &line[body.len()..];
    let indent = body.len() - body.trim_start().len();
    out.push_str(&escape(&body[..indent]));
    let mut rest = &body[indent..];
    if rest.starts_with('#') {
        span(out, "comment", rest);
        out.push_str(newline);
        return;
    }
    while let Some(item) = rest.strip_prefix("- ") {
        out.push_str("- ");
        rest = item;
    }
    // A key is text up to `: ` (or a final `:`) outside quotes.
    let key_end = rest
        .find(": ")
        .filter(|k| !rest[..*k].contains(['"', '\'', '#']))
        .or_else(|| {
            rest.strip_suffix(':')
                .map(str::len)
                .filter(|_| !rest.contains(' '))
        });
    if let Some(k) = key_end {
        span(out, "key", &rest[..k]);
        out.push(':');
        rest = &rest[k + 1..];
    }
    let (value, comment) = match rest.find(" #") {
        Some(h) => (&rest[..h], Some(&rest[h..])),
        None => (rest, None),
    };
    let trimmed = value.trim();
    let lead = &value[..value.len() - value.trim_start().len()];
    let trail = &value[lead.len() + trimmed.len()..];
    out.push_str(&escape(lead));
    if !trimmed.is_empty() {
        let class = if trimmed.starts_with(['"', '\'']) {
            Some("string")
        } else if trimmed.parse::<f64>().is_ok() {
            Some("number")
        } else if LITERALS.contains(&trimmed) {
            Some("literal")
        } else {
            None
        };
        match class {
            Some(class) => span(out, class, trimmed),
            None => out.push_str(&escape(trimmed)),
        }
    }
    out.push_str(&escape(trail));
    if let Some(comment) = comment {
        span(out, "comment", comment);
    }
    out.push_str(newline);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_like_tokens() {
        let html = highlight("rust", "// hi <b>\nfn main() { let s = \"a\\\"<\"; 42 }").unwrap();
        assert!(
            html.contains("<span class=\"tok-comment\">// hi &lt;b&gt;</span>"),
            "{html}"
        );
        assert!(
            html.contains("<span class=\"tok-keyword\">fn</span> main()"),
            "{html}"
        );
        assert!(
            html.contains("<span class=\"tok-string\">&quot;a\\&quot;&lt;&quot;</span>"),
            "{html}"
        );
        assert!(
            html.contains("<span class=\"tok-number\">42</span>"),
            "{html}"
        );
    }

    #[test]
    fn hash_sql_json_yaml() {
        let sh = highlight("bash", "if true; then echo 'x' # done\nfi").unwrap();
        assert!(sh.contains("<span class=\"tok-keyword\">if</span>"), "{sh}");
        assert!(
            sh.contains("<span class=\"tok-literal\">true</span>"),
            "{sh}"
        );
        assert!(
            sh.contains("<span class=\"tok-comment\"># done</span>"),
            "{sh}"
        );
        let sql = highlight("sql", "SELECT * FROM t -- all").unwrap();
        assert!(
            sql.contains("<span class=\"tok-keyword\">SELECT</span>"),
            "{sql}"
        );
        assert!(
            sql.contains("<span class=\"tok-comment\">-- all</span>"),
            "{sql}"
        );
        let json = highlight("json", "{\"a\": \"b\", \"n\": 1, \"t\": true}").unwrap();
        assert!(
            json.contains("<span class=\"tok-key\">&quot;a&quot;</span>"),
            "{json}"
        );
        assert!(
            json.contains("<span class=\"tok-string\">&quot;b&quot;</span>"),
            "{json}"
        );
        assert!(
            json.contains("<span class=\"tok-literal\">true</span>"),
            "{json}"
        );
        let yaml = highlight(
            "yaml",
            "# c\nmetadata:\n  name: x # n\n  port: 80\n  - on: \"q\"\n",
        )
        .unwrap();
        assert!(
            yaml.contains("<span class=\"tok-comment\"># c</span>"),
            "{yaml}"
        );
        assert!(
            yaml.contains("<span class=\"tok-key\">metadata</span>:"),
            "{yaml}"
        );
        assert!(
            yaml.contains(
                "<span class=\"tok-key\">name</span>: x<span class=\"tok-comment\"> # n</span>"
            ),
            "{yaml}"
        );
        assert!(
            yaml.contains("<span class=\"tok-number\">80</span>"),
            "{yaml}"
        );
        assert!(yaml.contains("- <span class=\"tok-key\">on</span>: <span class=\"tok-string\">&quot;q&quot;</span>"), "{yaml}");
    }

    #[test]
    fn unknown_languages_and_odd_input() {
        assert_eq!(highlight("brainfuck", "+++"), None);
        // Unterminated strings and comments, non-ASCII text: no panic, everything escaped.
        for code in ["\"never closed <x>", "/* open", "ü \"ö", "'", "1.2.3e"] {
            let html = highlight("js", code).unwrap();
            assert!(!html.contains('<') || html.contains("<span"), "{html}");
            assert!(!html.contains("<x>"), "{html}");
        }
    }
}
