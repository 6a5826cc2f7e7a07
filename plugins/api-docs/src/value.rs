//! The parsed definition: a JSON-like tree that keeps the document's key order (operations
//! and schemas are shown in the order the author wrote them) and accepts YAML's non-string
//! keys (`200:` response codes). Parsing reports the parser's message with its line.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A node of a JSON or YAML document.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// A number, as the text it prints as.
    Number(String),
    String(String),
    Array(Vec<Value>),
    /// An object, in document order.
    Object(Vec<(String, Value)>),
}

static NULL: Value = Value::Null;

impl Value {
    /// The member `key` of an object (`Null` when absent or not an object).
    pub fn get(&self, key: &str) -> &Value {
        match self {
            Value::Object(members) => members
                .iter()
                .find(|(k, _)| k == key)
                .map_or(&NULL, |(_, v)| v),
            _ => &NULL,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// A non-blank string member.
    pub fn str(&self, key: &str) -> Option<&str> {
        self.get(key).as_str().filter(|s| !s.trim().is_empty())
    }

    /// A scalar as display text (strings, numbers, booleans; not null).
    pub fn scalar_text(&self) -> Option<String> {
        match self {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.clone()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> bool {
        matches!(self, Value::Bool(true))
    }

    pub fn entries(&self) -> &[(String, Value)] {
        match self {
            Value::Object(members) => members,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[Value] {
        match self {
            Value::Array(items) => items,
            _ => &[],
        }
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }

    /// The node at a JSON pointer (`/components/schemas/Pet`), with `~0`, `~1` and
    /// percent-escapes decoded.
    pub fn pointer(&self, pointer: &str) -> Option<&Value> {
        if pointer.is_empty() {
            return Some(self);
        }
        let rest = pointer.strip_prefix('/')?;
        rest.split('/').try_fold(self, |node, raw| {
            let token = percent_decode(raw).replace("~1", "/").replace("~0", "~");
            match node {
                Value::Object(members) => members.iter().find(|(k, _)| *k == token).map(|(_, v)| v),
                Value::Array(items) => items.get(token.parse::<usize>().ok()?),
                _ => None,
            }
        })
    }

    /// Compact or pretty JSON text, cut after about `limit` bytes (then ending in `…`).
    pub fn to_json(&self, pretty: bool, limit: usize) -> String {
        let mut out = String::new();
        write_json(self, pretty, 0, &mut out, limit);
        if out.len() > limit {
            let mut cut = limit;
            while !out.is_char_boundary(cut) {
                cut -= 1;
            }
            out.truncate(cut);
            out.push_str("\n…");
        }
        out
    }
}

fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let hex = |b: u8| (b as char).to_digit(16);
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn write_json(v: &Value, pretty: bool, indent: usize, out: &mut String, limit: usize) {
    if out.len() > limit {
        return;
    }
    let newline = |out: &mut String, level: usize| {
        if pretty {
            out.push('\n');
            for _ in 0..level {
                out.push_str("  ");
            }
        }
    };
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(n),
        Value::String(s) => write_json_string(s, out),
        Value::Array(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent + 1);
                write_json(item, pretty, indent + 1, out, limit);
                if out.len() > limit {
                    return;
                }
            }
            newline(out, indent);
            out.push(']');
        }
        Value::Object(members) => {
            if members.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push('{');
            for (i, (k, item)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent + 1);
                write_json_string(k, out);
                out.push_str(if pretty { ": " } else { ":" });
                write_json(item, pretty, indent + 1, out, limit);
                if out.len() > limit {
                    return;
                }
            }
            newline(out, indent);
            out.push('}');
        }
    }
}

fn write_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON or YAML value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.to_string()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.to_string()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Number(v.to_string()))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(0).min(1024));
        while let Some(key) = map.next_key::<Value>()? {
            let key = match key {
                Value::String(s) | Value::Number(s) => s,
                Value::Bool(b) => b.to_string(),
                Value::Null => "null".to_string(),
                _ => return Err(de::Error::custom("a mapping key must be a scalar")),
            };
            let value = map.next_value()?;
            members.push((key, value));
        }
        Ok(Value::Object(members))
    }
}

/// Why a definition could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    /// `YAML` or `JSON`.
    pub format: &'static str,
    pub message: String,
    /// 1-based line, when the parser knows it.
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} parse error", self.format)?;
        if let Some(line) = self.line {
            write!(f, " at line {line}")?;
            if let Some(column) = self.column {
                write!(f, ", column {column}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

/// Parses a JSON (when it starts with `{` or `[`) or YAML document.
pub fn parse(text: &str) -> Result<Value, ParseError> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        serde_json::from_str::<Value>(trimmed).map_err(|e| {
            let message = e.to_string();
            // serde_json appends " at line L column C" to its message.
            let message = message
                .rsplit_once(" at line ")
                .map_or(message.clone(), |(m, _)| m.to_string());
            // Lines counted in the trimmed text: add what trim_start removed.
            let skipped = text[..text.len() - trimmed.len()].matches('\n').count();
            ParseError {
                format: "JSON",
                message,
                line: Some(e.line() + skipped),
                column: Some(e.column()),
            }
        })
    } else {
        serde_yaml::from_str::<Value>(text).map_err(|e| {
            let location = e.location();
            let message = e.to_string();
            let message = message
                .rsplit_once(" at line ")
                .map_or(message.clone(), |(m, _)| m.to_string());
            ParseError {
                format: "YAML",
                message,
                line: location.as_ref().map(|l| l.line()),
                column: location.as_ref().map(|l| l.column()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_and_stringifies_keys() {
        let v = parse("b: 1\na: x\nresponses:\n  200: ok\n  default: no\n").unwrap();
        let keys: Vec<_> = v.entries().iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["b", "a", "responses"]);
        assert_eq!(v.get("responses").str("200"), Some("ok"));
        assert_eq!(v.get("b"), &Value::Number("1".into()));
    }

    #[test]
    fn json_and_pointers() {
        let v = parse(r#"{"components":{"schemas":{"a/b":{"type":"string"},"x y":{}}},"l":[1,2]}"#)
            .unwrap();
        assert_eq!(
            v.pointer("/components/schemas/a~1b").unwrap().str("type"),
            Some("string")
        );
        assert!(v.pointer("/components/schemas/x%20y").is_some());
        assert_eq!(v.pointer("/l/1"), Some(&Value::Number("2".into())));
        assert!(v.pointer("/nope").is_none());
        assert_eq!(v.get("l").to_json(false, 100), "[1,2]");
    }

    #[test]
    fn errors_carry_lines() {
        let e = parse("a: 1\nb: [1, 2\nc: 3\n").unwrap_err();
        assert_eq!(e.format, "YAML");
        assert!(e.line.is_some(), "{e}");
        let e = parse("\n{\n  \"a\": 1,\n  \"b\": }\n").unwrap_err();
        assert_eq!(e.format, "JSON");
        assert_eq!(e.line, Some(4), "{e}");
        assert!(!e.message.contains(" at line "), "{e}");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        assert!(parse(&deep).is_err());
        let mut yaml = String::new();
        for i in 0..1000 {
            yaml.push_str(&" ".repeat(i));
            yaml.push_str("a:\n");
        }
        assert!(parse(&yaml).is_err());
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut yaml = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = format!("*a{}", i - 1);
            yaml.push_str(&format!("a{i}: &a{i} [{}]\n", vec![prev; 10].join(", ")));
        }
        let e = parse(&yaml).unwrap_err();
        assert!(e.message.contains("repetition limit"), "{e}");
    }

    #[test]
    fn json_output_is_cut() {
        let v = parse("{\"a\": \"0123456789\"}").unwrap();
        assert!(v.to_json(true, 5).ends_with('…'));
        assert_eq!(v.to_json(true, 100), "{\n  \"a\": \"0123456789\"\n}");
    }
}
