//! Bounded parsing of catalog sources (multi-document YAML, JSON) into JSON values and entities.
//! Hostile input gets a [`ParseError`] naming the document and line, never a panic or unbounded memory.
//!
//! Limits are per source (one file or URL body) and counted *after* YAML alias expansion, so a
//! "billion laughs" document trips [`MAX_NODES`] long before it can exhaust memory. Like
//! Backstage's `parseEntityYaml`, empty documents are skipped, a non-object document is an error
//! for that document only, and duplicate map keys are an error (the `yaml` package Backstage uses
//! rejects them too). Invalid UTF-8 is an error here, where Node would substitute U+FFFD.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use super::{Entity, json_type_name};

/// Largest source accepted, in bytes (a catalog file or a `$yaml`/`$json` placeholder target).
pub const MAX_SOURCE_BYTES: usize = 4 * 1024 * 1024;
/// Most documents accepted in one multi-document YAML source.
pub const MAX_DOCUMENTS: usize = 10_000;
/// Deepest nesting of arrays and objects accepted (serde's own limits are 128).
pub const MAX_NESTING_DEPTH: usize = 100;
/// Most JSON values (scalars, arrays, objects) one source may expand to, aliases included.
pub const MAX_NODES: usize = 1_000_000;
/// Most string bytes (keys and values) one source may expand to, aliases included.
pub const MAX_STRING_BYTES: usize = 32 * 1024 * 1024;

/// What went wrong, as a stable category (the message has the details).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// The source is larger than [`MAX_SOURCE_BYTES`].
    TooLarge,
    /// The source is not UTF-8.
    InvalidUtf8,
    /// YAML or JSON syntax error, or a value that cannot be represented (complex key, duplicate key).
    Syntax,
    /// Nesting deeper than [`MAX_NESTING_DEPTH`].
    TooDeep,
    /// More than [`MAX_NODES`] values or [`MAX_STRING_BYTES`] string bytes after alias expansion.
    TooBig,
    /// More than [`MAX_DOCUMENTS`] documents.
    TooManyDocuments,
    /// A document whose root is not an object, or that is not an entity envelope.
    NotAnEntity,
}

/// A parse failure, with the 0-based document index and 1-based line/column where known.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct ParseError {
    /// The category.
    pub kind: ParseErrorKind,
    /// Index of the document in a multi-document source (0-based).
    pub document: Option<usize>,
    /// Line of the error (1-based).
    pub line: Option<usize>,
    /// Column of the error (1-based).
    pub column: Option<usize>,
    /// Human-readable description.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut place = Vec::new();
        if let Some(d) = self.document {
            place.push(format!("document {}", d + 1));
        }
        if let Some(l) = self.line {
            match self.column {
                Some(c) => place.push(format!("line {l}, column {c}")),
                None => place.push(format!("line {l}")),
            }
        }
        if place.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{} ({})", self.message, place.join(", "))
        }
    }
}

impl ParseError {
    fn new(kind: ParseErrorKind, message: impl Into<String>) -> Self {
        ParseError {
            kind,
            document: None,
            line: None,
            column: None,
            message: message.into(),
        }
    }
}

/// The format of a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    /// YAML 1.2, one or more `---`-separated documents (JSON is accepted too, as Backstage does).
    Yaml,
    /// A single JSON document.
    Json,
}

/// One parsed document of a source.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// 0-based index in the source.
    pub index: usize,
    /// The document as JSON (`Null` for an empty document).
    pub value: Value,
}

/// Parses every document of a YAML source. Each document is parsed independently: an error in one
/// is reported for it alone, except a syntax error, after which the rest cannot be read.
pub fn parse_yaml(input: &[u8]) -> Vec<Result<Document, ParseError>> {
    let text = match checked_text(input) {
        Ok(text) => text,
        Err(e) => return vec![Err(e)],
    };
    let budget = Budget::default();
    let mut out = Vec::new();
    for (index, doc) in serde_yaml::Deserializer::from_str(text).enumerate() {
        if index >= MAX_DOCUMENTS {
            let mut e = ParseError::new(
                ParseErrorKind::TooManyDocuments,
                format!("more than {MAX_DOCUMENTS} documents in one source"),
            );
            e.document = Some(index);
            out.push(Err(e));
            break;
        }
        match (ValueSeed {
            budget: &budget,
            depth: 0,
        })
        .deserialize(doc)
        {
            Ok(value) => out.push(Ok(Document { index, value })),
            Err(err) => {
                let (line, column) = match err.location() {
                    Some(l) => (Some(l.line()), Some(l.column())),
                    None => (None, None),
                };
                let text = err.to_string();
                let kind = budget.tripped.get().unwrap_or(
                    // serde_yaml's own guards: alias expansion and its 128-level recursion limit.
                    if text.contains("repetition limit exceeded") {
                        ParseErrorKind::TooBig
                    } else if text.contains("recursion limit exceeded") {
                        ParseErrorKind::TooDeep
                    } else {
                        ParseErrorKind::Syntax
                    },
                );
                out.push(Err(ParseError {
                    kind,
                    document: Some(index),
                    line,
                    column,
                    message: format!("YAML error: {text}"),
                }));
                // After an error libyaml cannot resynchronise, and serde_yaml keeps yielding the
                // same failure: stop here.
                break;
            }
        }
    }
    out
}

/// Parses a single JSON document.
pub fn parse_json(input: &[u8]) -> Result<Value, ParseError> {
    let text = checked_text(input)?;
    let budget = Budget::default();
    let mut de = serde_json::Deserializer::from_str(text);
    let result = (ValueSeed {
        budget: &budget,
        depth: 0,
    })
    .deserialize(&mut de)
    .and_then(|v| de.end().map(|()| v));
    result.map_err(|err| ParseError {
        kind: budget.tripped.get().unwrap_or(ParseErrorKind::Syntax),
        document: None,
        line: Some(err.line()),
        column: Some(err.column()),
        message: format!("JSON error: {err}"),
    })
}

/// Parses a source in the given format into its documents.
pub fn parse_source(input: &[u8], format: SourceFormat) -> Vec<Result<Document, ParseError>> {
    match format {
        SourceFormat::Yaml => parse_yaml(input),
        SourceFormat::Json => vec![parse_json(input).map(|value| Document { index: 0, value })],
    }
}

/// Parses a catalog source into entities, as Backstage's `parseEntityYaml` does: empty documents
/// are skipped, and each other document yields an entity or an error carrying its index.
pub fn parse_entities(input: &[u8], format: SourceFormat) -> Vec<Result<Entity, ParseError>> {
    parse_source(input, format)
        .into_iter()
        .filter_map(|doc| match doc {
            Err(e) => Some(Err(e)),
            Ok(Document {
                value: Value::Null, ..
            }) => None,
            Ok(Document { index, value }) => Some(document_to_entity(index, value)),
        })
        .collect()
}

/// Turns one parsed document into an entity, with Backstage's message for a non-object root.
pub fn document_to_entity(index: usize, value: Value) -> Result<Entity, ParseError> {
    if !value.is_object() {
        let mut e = ParseError::new(
            ParseErrorKind::NotAnEntity,
            format!("Expected object at root, got {}", json_type_name(&value)),
        );
        e.document = Some(index);
        return Err(e);
    }
    Entity::from_value(value).map_err(|err| {
        let mut e = ParseError::new(ParseErrorKind::NotAnEntity, err.to_string());
        e.document = Some(index);
        e
    })
}

fn checked_text(input: &[u8]) -> Result<&str, ParseError> {
    if input.len() > MAX_SOURCE_BYTES {
        return Err(ParseError::new(
            ParseErrorKind::TooLarge,
            format!(
                "source is {} bytes, more than the limit of {MAX_SOURCE_BYTES} bytes",
                input.len()
            ),
        ));
    }
    std::str::from_utf8(input).map_err(|e| {
        let line = input[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        let mut err = ParseError::new(
            ParseErrorKind::InvalidUtf8,
            format!("source is not valid UTF-8 (at byte {})", e.valid_up_to()),
        );
        err.line = Some(line);
        err
    })
}

/// Shared limits for one source; `tripped` records which limit stopped parsing.
#[derive(Default)]
struct Budget {
    nodes: Cell<usize>,
    string_bytes: Cell<usize>,
    tripped: Cell<Option<ParseErrorKind>>,
}

impl Budget {
    fn node<E: de::Error>(&self) -> Result<(), E> {
        let n = self.nodes.get() + 1;
        self.nodes.set(n);
        if n > MAX_NODES {
            self.tripped.set(Some(ParseErrorKind::TooBig));
            return Err(E::custom(format!(
                "source expands to more than {MAX_NODES} values (YAML aliases included)"
            )));
        }
        Ok(())
    }

    fn bytes<E: de::Error>(&self, len: usize) -> Result<(), E> {
        let n = self.string_bytes.get().saturating_add(len);
        self.string_bytes.set(n);
        if n > MAX_STRING_BYTES {
            self.tripped.set(Some(ParseErrorKind::TooBig));
            return Err(E::custom(format!(
                "source expands to more than {MAX_STRING_BYTES} bytes of strings (YAML aliases included)"
            )));
        }
        Ok(())
    }
}

/// Builds a [`Value`] while enforcing the [`Budget`] and [`MAX_NESTING_DEPTH`].
#[derive(Clone, Copy)]
struct ValueSeed<'b> {
    budget: &'b Budget,
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'b> ValueSeed<'b> {
    fn nested<E: de::Error>(self) -> Result<ValueSeed<'b>, E> {
        if self.depth >= MAX_NESTING_DEPTH {
            self.budget.tripped.set(Some(ParseErrorKind::TooDeep));
            return Err(E::custom(format!(
                "nesting is deeper than {MAX_NESTING_DEPTH} levels"
            )));
        }
        Ok(ValueSeed {
            budget: self.budget,
            depth: self.depth + 1,
        })
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML or JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        self.budget.node()?;
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        self.budget.node()?;
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        self.budget.node()?;
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        self.budget.node()?;
        // NaN and infinities have no JSON form; JSON.stringify turns them into null too.
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        self.budget.node()?;
        self.budget.bytes(v.len())?;
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        self.budget.node()?;
        self.budget.bytes(v.len())?;
        Ok(Value::String(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        self.budget.node()?;
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.visit_unit()
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_newtype_struct<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.budget.node()?;
        let inner = self.nested()?;
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(inner)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.budget.node()?;
        let inner = self.nested()?;
        let mut out = Map::new();
        while let Some(key) = map.next_key_seed(KeySeed(self.budget))? {
            let value = map.next_value_seed(inner)?;
            if out.contains_key(&key) {
                return Err(de::Error::custom(format!(
                    "duplicate key {key:?}: map keys must be unique"
                )));
            }
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, _data: A) -> Result<Value, A::Error> {
        // serde_yaml reports YAML tags (`!foo bar`) as enums; JSON has no place for them.
        Err(de::Error::custom(
            "YAML tags are not supported in catalog documents",
        ))
    }
}

/// Map keys: strings, or scalars converted to strings as the JavaScript `yaml` package does.
struct KeySeed<'b>(&'b Budget);

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = String;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a scalar map key")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        self.0.bytes(v.len())?;
        Ok(v.to_owned())
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        self.0.bytes(v.len())?;
        Ok(v)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_unit<E: de::Error>(self) -> Result<String, E> {
        Ok(String::new())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _seq: A) -> Result<String, A::Error> {
        Err(de::Error::custom(
            "complex (sequence) map keys are not supported",
        ))
    }
    fn visit_map<A: MapAccess<'de>>(self, _map: A) -> Result<String, A::Error> {
        Err(de::Error::custom(
            "complex (mapping) map keys are not supported",
        ))
    }
}
