//! Definitions shown as text: types without a structured renderer (gRPC, tRPC, ...),
//! definitions that fail to parse (with the parser's message and line), placeholders the
//! catalog could not resolve, and entities without a definition.

use portico_sdk::prelude::*;

use crate::common::{cap, one_line};
use crate::value::Value;

/// Longest definition shown as a code block (bytes).
pub const MAX_TEXT: usize = 256 * 1024;

/// A highlighting hint for a `spec.type`, or from the text itself.
pub fn language(api_type: &str, definition: &str) -> &'static str {
    match api_type.to_ascii_lowercase().as_str() {
        "grpc" | "protobuf" | "proto" => "protobuf",
        "trpc" | "typescript" => "typescript",
        "graphql" => "graphql",
        "wsdl" | "soap" | "xml" => "xml",
        "raml" | "yaml" => "yaml",
        "json" => "json",
        _ => {
            let t = definition.trim_start();
            if t.starts_with('{') || t.starts_with('[') {
                "json"
            } else if t.starts_with('<') {
                "xml"
            } else if t
                .lines()
                .next()
                .is_some_and(|l| l.contains(": ") || l.ends_with(':'))
            {
                "yaml"
            } else {
                ""
            }
        }
    }
}

fn type_badge(api_type: &str) -> Section {
    Section::untitled().badges([Badge::new(
        if api_type.is_empty() {
            "unknown type"
        } else {
            api_type
        },
        Tone::Info,
    )])
}

fn code_section(api_type: &str, definition: &str) -> Section {
    let mut section =
        Section::new("Definition").code(language(api_type, definition), cap(definition, MAX_TEXT));
    if definition.len() > MAX_TEXT {
        section = section.notice(
            Tone::Info,
            "Definition cut short",
            format!(
                "Only the first {} KiB of {} KiB are shown.",
                MAX_TEXT / 1024,
                definition.len() / 1024
            ),
        );
    }
    section
}

/// The definition as text, with a summary of gRPC services when it is Protocol Buffers.
pub fn plain(title: &str, api_type: &str, definition: &str) -> View {
    let mut view = View::new(title).section(type_badge(api_type));
    if language(api_type, definition) == "protobuf"
        && let Some(section) = proto_services(definition)
    {
        view = view.section(section);
    }
    view.section(code_section(api_type, definition))
}

/// A definition of a known format that does not parse: the parser's message, then the text.
pub fn parse_failure(title: &str, api_type: &str, definition: &str, message: &str) -> View {
    View::new(title)
        .section(type_badge(api_type).notice(
            Tone::Danger,
            "The definition could not be parsed",
            format!(
                "{message}. It is shown as text below; fix the definition in the entity's source."
            ),
        ))
        .section(code_section(api_type, definition))
}

/// `spec.definition` is still a `$text`/`$json`/`$yaml` placeholder: the catalog could not
/// fetch what it points at.
pub fn unresolved(title: &str, api_type: &str, placeholder: &str, target: &str) -> View {
    let mut section = type_badge(api_type).notice(
        Tone::Warning,
        "Definition not loaded",
        format!(
            "`spec.definition` is still a `{placeholder}` placeholder for {target}: the catalog did not load it (the location may be unreachable from the portal, or not allowed). Once the catalog can read it, the API is shown here."
        ),
    );
    if target.starts_with("https://") || target.starts_with("http://") {
        section = section.link("Open the definition", target);
    }
    View::new(title).section(section)
}

/// An API entity without `spec.definition`.
pub fn missing(title: &str, api_type: &str, spec: &Value) -> View {
    let mut section = type_badge(api_type).notice(
        Tone::Info,
        "No definition",
        "This API entity has no `spec.definition`; add one (inline, or as a `$text` placeholder) to see the API here.",
    );
    // MCP servers and others may list where they are reachable instead.
    let remotes = spec.get("remotes").items();
    if !remotes.is_empty() {
        let mut table = Table::new(["Transport", "URL"]);
        for r in remotes.iter().take(50) {
            table = table.row([
                text(r.str("type").unwrap_or("").to_string()),
                code(r.str("url").unwrap_or("").to_string()),
            ]);
        }
        section = section.text("Remotes").table(table);
    }
    View::new(title).section(section)
}

/// Services and their methods in Protocol Buffers text: `service X { rpc M (A) returns (B); }`.
fn proto_services(text_: &str) -> Option<Section> {
    // Comments removed, then a flat token scan.
    let mut clean = String::with_capacity(text_.len());
    for line in text_.lines() {
        clean.push_str(line.split("//").next().unwrap_or(""));
        clean.push('\n');
    }
    let mut tokens: Vec<String> = Vec::new();
    let mut current = String::new();
    for c in clean.chars() {
        if c.is_whitespace() || matches!(c, '(' | ')' | '{' | '}' | ';') {
            if !current.is_empty() {
                tokens.push(std::mem::take(&mut current));
            }
            if !c.is_whitespace() {
                tokens.push(c.to_string());
            }
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    let mut table = Table::new(["Service", "Method", "Request", "Response"]);
    let mut service: Option<String> = None;
    let mut depth = 0usize;
    let mut service_depth = 0usize;
    let mut i = 0;
    while i < tokens.len() && table.rows.len() < 500 {
        match tokens[i].as_str() {
            "{" => depth += 1,
            "}" => {
                depth = depth.saturating_sub(1);
                if service.is_some() && depth < service_depth {
                    service = None;
                }
            }
            "service" if i + 1 < tokens.len() => {
                service = Some(tokens[i + 1].clone());
                service_depth = depth + 1;
                i += 1;
            }
            "rpc" if service.is_some() => {
                // rpc Name ( [stream] Req ) returns ( [stream] Resp )
                let name = tokens.get(i + 1).cloned().unwrap_or_default();
                let mut j = i + 2;
                let part = |j: &mut usize| -> String {
                    let mut words = Vec::new();
                    if tokens.get(*j).map(String::as_str) == Some("(") {
                        *j += 1;
                        while *j < tokens.len() && tokens[*j] != ")" {
                            words.push(tokens[*j].clone());
                            *j += 1;
                        }
                        *j += 1;
                    }
                    words.join(" ")
                };
                let request = part(&mut j);
                if tokens.get(j).map(String::as_str) == Some("returns") {
                    j += 1;
                }
                let response = part(&mut j);
                table = table.row([
                    code(service.clone().unwrap_or_default()),
                    code(name),
                    code(request),
                    code(response),
                ]);
                i = j;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    if table.rows.is_empty() {
        return None;
    }
    let package = text_
        .lines()
        .find_map(|l| l.trim().strip_prefix("package "))
        .map(|p| one_line(p.trim_end_matches(';')));
    let mut section = Section::new("Services");
    if let Some(package) = package {
        section = section.field("Package", code(package));
    }
    Some(section.table(table))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proto_services_are_listed() {
        let proto = "syntax = \"proto3\";\npackage helloworld;\n// service Fake { rpc X (A) returns (B); }\nservice Greeter {\n  // Sends\n  rpc SayHello (HelloRequest) returns (HelloReply) {}\n  rpc Chat(stream Msg) returns (stream Msg);\n}\nmessage HelloRequest { string name = 1; }\n";
        let section = proto_services(proto).unwrap();
        let table = section.blocks.iter().find_map(|b| match b {
            Block::Table(t) => Some(t),
            _ => None,
        });
        let rows = &table.unwrap().rows;
        assert_eq!(rows.len(), 2);
        assert!(matches!(&rows[0][1], Cell::Code(c) if c == "SayHello"));
        assert!(matches!(&rows[0][2], Cell::Code(c) if c == "HelloRequest"));
        assert!(matches!(&rows[1][3], Cell::Code(c) if c == "stream Msg"));
    }

    #[test]
    fn languages() {
        assert_eq!(language("grpc", ""), "protobuf");
        assert_eq!(language("trpc", ""), "typescript");
        assert_eq!(language("mcp-server", "{\"a\":1}"), "json");
        assert_eq!(language("other", "plain words"), "");
    }
}
