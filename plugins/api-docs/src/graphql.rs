//! GraphQL SDL: a small parser for the type-system part of the language (schema, type,
//! interface, input, enum, union, scalar, directive, and their `extend` forms) with line and
//! column in its errors, and the views: the root operations (queries, mutations,
//! subscriptions), the types by kind, one page per type (`type=<Name>`).

use portico_sdk::prelude::*;

use crate::common::{Ctx, MAX_MARKDOWN, back_link, cap, deprecated_badge, one_line, pager};

/// Nesting allowed in values and types (`[[[Int]]]`) before the parser gives up.
const MAX_NESTING: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Object,
    Interface,
    Input,
    Enum,
    Union,
    Scalar,
}

impl Kind {
    fn keyword(self) -> &'static str {
        match self {
            Kind::Object => "type",
            Kind::Interface => "interface",
            Kind::Input => "input",
            Kind::Enum => "enum",
            Kind::Union => "union",
            Kind::Scalar => "scalar",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct InputValue {
    pub name: String,
    pub description: Option<String>,
    pub ty: String,
    pub default: Option<String>,
    pub deprecated: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct FieldDef {
    pub name: String,
    pub description: Option<String>,
    pub args: Vec<InputValue>,
    pub ty: String,
    pub deprecated: Option<String>,
}

#[derive(Debug, Clone)]
pub struct TypeDef {
    pub kind: Kind,
    pub name: String,
    pub description: Option<String>,
    /// Fields of objects and interfaces; input fields (with `args` empty) of inputs.
    pub fields: Vec<FieldDef>,
    /// Enum values, as input values without types.
    pub values: Vec<InputValue>,
    /// Interfaces implemented (objects, interfaces) or members (unions).
    pub related: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Schema {
    pub query: Option<String>,
    pub mutation: Option<String>,
    pub subscription: Option<String>,
    pub types: Vec<TypeDef>,
    pub directives: Vec<(String, Option<String>)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SdlError {
    pub message: String,
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for SdlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "GraphQL syntax error at line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Punct(char),
    Spread,
    Name(String),
    Number(String),
    Str(String),
    End,
}

struct Lexer<'a> {
    src: &'a [u8],
    text: &'a str,
    pos: usize,
    line: usize,
    line_start: usize,
}

impl<'a> Lexer<'a> {
    fn err(&self, message: impl Into<String>) -> SdlError {
        SdlError {
            message: message.into(),
            line: self.line,
            column: self.pos - self.line_start + 1,
        }
    }

    fn newline(&mut self) {
        self.line += 1;
        self.line_start = self.pos;
    }

    /// The next token and where it starts.
    fn next(&mut self) -> Result<(Tok, usize, usize), SdlError> {
        // Whitespace, commas, comments.
        loop {
            match self.src.get(self.pos) {
                Some(b'\n') => {
                    self.pos += 1;
                    self.newline();
                }
                Some(b' ' | b'\t' | b'\r' | b',') => self.pos += 1,
                Some(b'#') => {
                    while self.src.get(self.pos).is_some_and(|b| *b != b'\n') {
                        self.pos += 1;
                    }
                }
                _ if self.text[self.pos..].starts_with('\u{feff}') => self.pos += 3,
                _ => break,
            }
        }
        let (line, column) = (self.line, self.pos - self.line_start + 1);
        let Some(&b) = self.src.get(self.pos) else {
            return Ok((Tok::End, line, column));
        };
        let tok =
            match b {
                b'!' | b'$' | b'&' | b'(' | b')' | b':' | b'=' | b'@' | b'[' | b']' | b'{'
                | b'|' | b'}' => {
                    self.pos += 1;
                    Tok::Punct(b as char)
                }
                b'.' if self.text[self.pos..].starts_with("...") => {
                    self.pos += 3;
                    Tok::Spread
                }
                b'_' | b'a'..=b'z' | b'A'..=b'Z' => {
                    let start = self.pos;
                    while self
                        .src
                        .get(self.pos)
                        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
                    {
                        self.pos += 1;
                    }
                    Tok::Name(self.text[start..self.pos].to_string())
                }
                b'-' | b'0'..=b'9' => {
                    let start = self.pos;
                    self.pos += 1;
                    while self.src.get(self.pos).is_some_and(|c| {
                        c.is_ascii_alphanumeric() || matches!(c, b'.' | b'+' | b'-')
                    }) {
                        self.pos += 1;
                    }
                    Tok::Number(self.text[start..self.pos].to_string())
                }
                b'"' if self.text[self.pos..].starts_with("\"\"\"") => self.block_string()?,
                b'"' => self.string()?,
                _ => {
                    let c = self.text[self.pos..].chars().next().unwrap_or('?');
                    return Err(self.err(format!("unexpected character `{c}`")));
                }
            };
        Ok((tok, line, column))
    }

    fn string(&mut self) -> Result<Tok, SdlError> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.text[self.pos..].chars().next() else {
                return Err(self.err("unterminated string"));
            };
            self.pos += c.len_utf8();
            match c {
                '"' => return Ok(Tok::Str(out)),
                '\n' => return Err(self.err("unterminated string (line break inside \"...\")")),
                '\\' => {
                    let Some(e) = self.text[self.pos..].chars().next() else {
                        return Err(self.err("unterminated string"));
                    };
                    self.pos += e.len_utf8();
                    match e {
                        'n' => out.push('\n'),
                        't' => out.push('\t'),
                        'r' => out.push('\r'),
                        'b' | 'f' => {}
                        'u' => {
                            let hex = self.text.get(self.pos..self.pos + 4).unwrap_or("");
                            let ch = u32::from_str_radix(hex, 16).ok().and_then(char::from_u32);
                            match ch {
                                Some(ch) => {
                                    out.push(ch);
                                    self.pos += 4;
                                }
                                None => return Err(self.err("bad \\u escape in string")),
                            }
                        }
                        other => out.push(other),
                    }
                }
                c => out.push(c),
            }
        }
    }

    fn block_string(&mut self) -> Result<Tok, SdlError> {
        self.pos += 3;
        let start = self.pos;
        loop {
            let rest = &self.text[self.pos..];
            if rest.starts_with("\\\"\"\"") {
                self.pos += 4;
            } else if rest.starts_with("\"\"\"") {
                let raw = self.text[start..self.pos].replace("\\\"\"\"", "\"\"\"");
                self.pos += 3;
                return Ok(Tok::Str(dedent(&raw)));
            } else if let Some(c) = rest.chars().next() {
                self.pos += c.len_utf8();
                if c == '\n' {
                    self.newline();
                }
            } else {
                return Err(self.err("unterminated block string (\"\"\")"));
            }
        }
    }
}

/// The block-string value: common indentation removed, blank first and last lines dropped.
fn dedent(raw: &str) -> String {
    let lines: Vec<&str> = raw.lines().collect();
    let indent = lines
        .iter()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut out: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                l.to_string()
            } else {
                l.get(indent..).unwrap_or("").to_string()
            }
        })
        .collect();
    while out.first().is_some_and(|l| l.trim().is_empty()) {
        out.remove(0);
    }
    while out.last().is_some_and(|l| l.trim().is_empty()) {
        out.pop();
    }
    out.join("\n")
}

struct Parser<'a> {
    lexer: Lexer<'a>,
    tok: Tok,
    line: usize,
    column: usize,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Result<Self, SdlError> {
        let mut lexer = Lexer {
            src: text.as_bytes(),
            text,
            pos: 0,
            line: 1,
            line_start: 0,
        };
        let (tok, line, column) = lexer.next()?;
        Ok(Parser {
            lexer,
            tok,
            line,
            column,
        })
    }

    fn err(&self, message: impl Into<String>) -> SdlError {
        SdlError {
            message: message.into(),
            line: self.line,
            column: self.column,
        }
    }

    fn bump(&mut self) -> Result<Tok, SdlError> {
        let (tok, line, column) = self.lexer.next()?;
        self.line = line;
        self.column = column;
        Ok(std::mem::replace(&mut self.tok, tok))
    }

    fn describe(tok: &Tok) -> String {
        match tok {
            Tok::Punct(c) => format!("`{c}`"),
            Tok::Spread => "`...`".into(),
            Tok::Name(n) => format!("`{n}`"),
            Tok::Number(n) => format!("number {n}"),
            Tok::Str(_) => "a string".into(),
            Tok::End => "the end of the document".into(),
        }
    }

    fn is(&self, c: char) -> bool {
        self.tok == Tok::Punct(c)
    }

    fn eat(&mut self, c: char) -> Result<bool, SdlError> {
        if self.is(c) {
            self.bump()?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    fn expect(&mut self, c: char) -> Result<(), SdlError> {
        if self.eat(c)? {
            Ok(())
        } else {
            Err(self.err(format!(
                "expected `{c}`, found {}",
                Self::describe(&self.tok)
            )))
        }
    }

    fn name(&mut self) -> Result<String, SdlError> {
        match &self.tok {
            Tok::Name(_) => match self.bump()? {
                Tok::Name(n) => Ok(n),
                _ => unreachable!(),
            },
            other => Err(self.err(format!("expected a name, found {}", Self::describe(other)))),
        }
    }

    fn peek_name(&self) -> Option<&str> {
        match &self.tok {
            Tok::Name(n) => Some(n),
            _ => None,
        }
    }

    fn description(&mut self) -> Result<Option<String>, SdlError> {
        if matches!(self.tok, Tok::Str(_))
            && let Tok::Str(s) = self.bump()?
        {
            return Ok(Some(s));
        }
        Ok(None)
    }

    fn document(&mut self) -> Result<Schema, SdlError> {
        let mut schema = Schema::default();
        while self.tok != Tok::End {
            let description = self.description()?;
            let keyword = match self.peek_name() {
                Some(k) => k.to_string(),
                None if self.is('{') => {
                    return Err(self.err("a query (`{ ... }`) is not part of a schema definition"));
                }
                None => {
                    return Err(self.err(format!(
                        "expected a definition, found {}",
                        Self::describe(&self.tok)
                    )));
                }
            };
            self.bump()?;
            let (extend, keyword) = if keyword == "extend" {
                (true, self.name()?)
            } else {
                (false, keyword)
            };
            let kind = match keyword.as_str() {
                "schema" => {
                    self.directives()?;
                    if self.eat('{')? {
                        while !self.eat('}')? {
                            let op = self.name()?;
                            self.expect(':')?;
                            let ty = self.name()?;
                            match op.as_str() {
                                "query" => schema.query = Some(ty),
                                "mutation" => schema.mutation = Some(ty),
                                "subscription" => schema.subscription = Some(ty),
                                other => {
                                    return Err(self.err(format!(
                                        "unknown operation type `{other}` in schema"
                                    )));
                                }
                            }
                        }
                    }
                    continue;
                }
                "directive" => {
                    self.expect('@')?;
                    let name = self.name()?;
                    if self.is('(') {
                        self.arguments_definition()?;
                    }
                    if self.peek_name() == Some("repeatable") {
                        self.bump()?;
                    }
                    if self.peek_name() != Some("on") {
                        return Err(
                            self.err(format!("expected `on` and locations in directive @{name}"))
                        );
                    }
                    self.bump()?;
                    self.eat('|')?;
                    self.name()?;
                    while self.eat('|')? {
                        self.name()?;
                    }
                    schema.directives.push((name, description));
                    continue;
                }
                "type" => Kind::Object,
                "interface" => Kind::Interface,
                "input" => Kind::Input,
                "enum" => Kind::Enum,
                "union" => Kind::Union,
                "scalar" => Kind::Scalar,
                "query" | "mutation" | "subscription" | "fragment" => {
                    return Err(self.err(format!(
                        "`{keyword}` operations are not part of a schema definition"
                    )));
                }
                other => return Err(self.err(format!("unknown definition `{other}`"))),
            };
            let name = self.name()?;
            let mut def = TypeDef {
                kind,
                name,
                description,
                fields: Vec::new(),
                values: Vec::new(),
                related: Vec::new(),
            };
            if matches!(kind, Kind::Object | Kind::Interface)
                && self.peek_name() == Some("implements")
            {
                self.bump()?;
                self.eat('&')?;
                def.related.push(self.name()?);
                loop {
                    if self.eat('&')? {
                        def.related.push(self.name()?);
                    } else if self.peek_name().is_some_and(|n| !is_keyword(n)) {
                        // The old comma/space-separated form.
                        def.related.push(self.name()?);
                    } else {
                        break;
                    }
                }
            }
            self.directives()?;
            match kind {
                Kind::Object | Kind::Interface if self.eat('{')? => {
                    while !self.eat('}')? {
                        def.fields.push(self.field()?);
                    }
                }
                Kind::Input if self.eat('{')? => {
                    while !self.eat('}')? {
                        let v = self.input_value()?;
                        def.fields.push(FieldDef {
                            name: v.name,
                            description: v.description,
                            args: Vec::new(),
                            ty: match v.default {
                                Some(d) => format!("{} = {d}", v.ty),
                                None => v.ty,
                            },
                            deprecated: v.deprecated,
                        });
                    }
                }
                Kind::Enum if self.eat('{')? => {
                    while !self.eat('}')? {
                        let description = self.description()?;
                        let name = self.name()?;
                        let deprecated = self.directives()?;
                        def.values.push(InputValue {
                            name,
                            description,
                            deprecated,
                            ..InputValue::default()
                        });
                    }
                }
                Kind::Union if self.eat('=')? => {
                    self.eat('|')?;
                    def.related.push(self.name()?);
                    while self.eat('|')? {
                        def.related.push(self.name()?);
                    }
                }
                _ => {}
            }
            // `extend type X` adds to X when X is defined before it.
            if extend
                && let Some(existing) = schema
                    .types
                    .iter_mut()
                    .find(|t| t.name == def.name && t.kind == def.kind)
            {
                existing.fields.extend(def.fields);
                existing.values.extend(def.values);
                existing.related.extend(def.related);
                continue;
            }
            schema.types.push(def);
        }
        Ok(schema)
    }

    fn field(&mut self) -> Result<FieldDef, SdlError> {
        let description = self.description()?;
        let name = self.name()?;
        let args = if self.is('(') {
            self.arguments_definition()?
        } else {
            Vec::new()
        };
        self.expect(':')?;
        let ty = self.ty(0)?;
        let deprecated = self.directives()?;
        Ok(FieldDef {
            name,
            description,
            args,
            ty,
            deprecated,
        })
    }

    fn arguments_definition(&mut self) -> Result<Vec<InputValue>, SdlError> {
        self.expect('(')?;
        let mut args = Vec::new();
        while !self.eat(')')? {
            args.push(self.input_value()?);
        }
        Ok(args)
    }

    fn input_value(&mut self) -> Result<InputValue, SdlError> {
        let description = self.description()?;
        let name = self.name()?;
        self.expect(':')?;
        let ty = self.ty(0)?;
        let default = if self.eat('=')? {
            Some(self.value(0)?)
        } else {
            None
        };
        let deprecated = self.directives()?;
        Ok(InputValue {
            name,
            description,
            ty,
            default,
            deprecated,
        })
    }

    fn ty(&mut self, depth: usize) -> Result<String, SdlError> {
        if depth > MAX_NESTING {
            return Err(self.err("type nested too deeply"));
        }
        let mut ty = if self.eat('[')? {
            let inner = self.ty(depth + 1)?;
            self.expect(']')?;
            format!("[{inner}]")
        } else {
            self.name()?
        };
        if self.eat('!')? {
            ty.push('!');
        }
        Ok(ty)
    }

    /// A value, as text (for defaults).
    fn value(&mut self, depth: usize) -> Result<String, SdlError> {
        if depth > MAX_NESTING {
            return Err(self.err("value nested too deeply"));
        }
        if self.eat('$')? {
            return Ok(format!("${}", self.name()?));
        }
        if self.eat('[')? {
            let mut items = Vec::new();
            while !self.eat(']')? {
                items.push(self.value(depth + 1)?);
            }
            return Ok(format!("[{}]", items.join(", ")));
        }
        if self.eat('{')? {
            let mut items = Vec::new();
            while !self.eat('}')? {
                let key = self.name()?;
                self.expect(':')?;
                items.push(format!("{key}: {}", self.value(depth + 1)?));
            }
            return Ok(format!("{{{}}}", items.join(", ")));
        }
        match self.bump()? {
            Tok::Name(n) | Tok::Number(n) => Ok(n),
            Tok::Str(s) => Ok(format!("{s:?}")),
            other => Err(self.err(format!(
                "expected a value, found {}",
                Self::describe(&other)
            ))),
        }
    }

    /// Directives; returns the reason of `@deprecated` when present.
    fn directives(&mut self) -> Result<Option<String>, SdlError> {
        let mut deprecated = None;
        while self.eat('@')? {
            let name = self.name()?;
            let mut reason = None;
            if self.eat('(')? {
                while !self.eat(')')? {
                    let arg = self.name()?;
                    self.expect(':')?;
                    let value = self.value(0)?;
                    if arg == "reason" {
                        reason = Some(value.trim_matches('"').to_string());
                    }
                }
            }
            if name == "deprecated" {
                deprecated = Some(reason.unwrap_or_else(|| "No longer supported".into()));
            }
        }
        Ok(deprecated)
    }
}

fn is_keyword(name: &str) -> bool {
    matches!(
        name,
        "type"
            | "interface"
            | "input"
            | "enum"
            | "union"
            | "scalar"
            | "schema"
            | "directive"
            | "extend"
    )
}

/// Parses GraphQL SDL.
pub fn parse(text: &str) -> Result<Schema, SdlError> {
    let mut schema = Parser::new(text)?.document()?;
    let has = |n: &str| {
        schema
            .types
            .iter()
            .any(|t| t.name == n && t.kind == Kind::Object)
    };
    if schema.query.is_none() && has("Query") {
        schema.query = Some("Query".into());
    }
    if schema.mutation.is_none() && has("Mutation") {
        schema.mutation = Some("Mutation".into());
    }
    if schema.subscription.is_none() && has("Subscription") {
        schema.subscription = Some("Subscription".into());
    }
    Ok(schema)
}

const BUILTIN_SCALARS: [&str; 5] = ["String", "Int", "Float", "Boolean", "ID"];

/// A cell for a type reference: a link to the type's page when the schema defines it.
fn type_ref(schema: &Schema, ty: &str) -> Cell {
    let base = ty.trim_matches(|c| matches!(c, '[' | ']' | '!'));
    let base = base
        .split(" = ")
        .next()
        .unwrap_or(base)
        .trim_matches(|c| matches!(c, '[' | ']' | '!'));
    if !BUILTIN_SCALARS.contains(&base) && schema.types.iter().any(|t| t.name == base) {
        Link::view(ty, [("type", base)]).into()
    } else {
        code(ty)
    }
}

fn args_text(args: &[InputValue]) -> String {
    args.iter()
        .map(|a| match &a.default {
            Some(d) => format!("{}: {} = {}", a.name, a.ty, d),
            None => format!("{}: {}", a.name, a.ty),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn field_description(f: &FieldDef) -> String {
    let mut d = f.description.as_deref().map(one_line).unwrap_or_default();
    if let Some(reason) = &f.deprecated {
        if !d.is_empty() {
            d.push(' ');
        }
        d.push_str(&format!("(deprecated: {reason})"));
    }
    d
}

fn fields_table(schema: &Schema, fields: &[FieldDef], with_args: bool) -> Table {
    let columns: Vec<&str> = if with_args {
        vec!["Field", "Arguments", "Type", "Description"]
    } else {
        vec!["Field", "Type", "Description"]
    };
    let mut table = Table::new(columns).empty_text("No fields.");
    for f in fields.iter().take(1000) {
        let mut row = vec![code(f.name.clone())];
        if with_args {
            row.push(text(args_text(&f.args)));
        }
        row.push(type_ref(schema, &f.ty));
        row.push(text(field_description(f)));
        table = table.row(row);
    }
    table
}

pub fn render(sdl: &str, ctx: &Ctx<'_>) -> View {
    let schema = match parse(sdl) {
        Ok(s) => s,
        Err(e) => {
            return crate::fallback::parse_failure(
                ctx.entity_title,
                "graphql",
                sdl,
                &e.to_string(),
            );
        }
    };
    match ctx.param("type") {
        Some(name) => type_page(&schema, ctx, name),
        None => overview(&schema, ctx),
    }
}

fn overview(schema: &Schema, ctx: &Ctx<'_>) -> View {
    let mut view = View::new(ctx.entity_title.to_string()).section(Section::untitled().badges([
        Badge::new("GraphQL", Tone::Info),
        Badge::new(format!("{} types", schema.types.len()), Tone::Neutral),
    ]));
    let roots = [
        ("Queries", &schema.query),
        ("Mutations", &schema.mutation),
        ("Subscriptions", &schema.subscription),
    ];
    for (title, root) in roots {
        let Some(root) = root else { continue };
        match schema.types.iter().find(|t| &t.name == root) {
            Some(t) => {
                view = view.section(
                    Section::new(format!("{title} ({root})"))
                        .table(fields_table(schema, &t.fields, true)),
                );
            }
            None => {
                view = view.section(Section::new(title).notice(
                    Tone::Warning,
                    "Missing root type",
                    format!("The schema names `{root}` as its root type, but does not define it."),
                ));
            }
        }
    }
    let root_names: Vec<&str> = roots.iter().filter_map(|(_, r)| r.as_deref()).collect();
    let listed: Vec<&TypeDef> = [
        Kind::Object,
        Kind::Interface,
        Kind::Input,
        Kind::Enum,
        Kind::Union,
        Kind::Scalar,
    ]
    .iter()
    .flat_map(|k| schema.types.iter().filter(move |t| t.kind == *k))
    .filter(|t| !root_names.contains(&t.name.as_str()))
    .collect();
    let per_page = ctx.per_page.max(1);
    let pages = listed.len().div_ceil(per_page).max(1);
    let page = ctx.page().min(pages);
    let mut table = Table::new(["Type", "Kind", "Description"]).empty_text("No other types.");
    for t in listed.iter().skip((page - 1) * per_page).take(per_page) {
        table = table.row([
            Link::view(t.name.as_str(), [("type", t.name.as_str())]).into(),
            text(t.kind.keyword()),
            text(t.description.as_deref().map(one_line).unwrap_or_default()),
        ]);
    }
    view = view.section(Section::new("Types").table(table));
    if let Some(p) = pager(page, per_page, listed.len(), "types", &[]) {
        view = view.section(p);
    }
    if !schema.directives.is_empty() {
        let mut table = Table::new(["Directive", "Description"]);
        for (name, d) in schema.directives.iter().take(100) {
            table = table.row([
                code(format!("@{name}")),
                text(d.as_deref().map(one_line).unwrap_or_default()),
            ]);
        }
        view = view.section(Section::new("Directives").table(table));
    }
    view
}

fn type_page(schema: &Schema, ctx: &Ctx<'_>, name: &str) -> View {
    let Some(t) = schema.types.iter().find(|t| t.name == name) else {
        return View::new(ctx.entity_title.to_string()).section(
            Section::untitled()
                .notice(
                    Tone::Info,
                    "Not found",
                    format!("This schema has no type `{name}`."),
                )
                .links([back_link("← All types")]),
        );
    };
    let mut head = Section::untitled()
        .badges([Badge::new(t.kind.keyword(), Tone::Info)])
        .links([back_link("← All types")]);
    if let Some(d) = &t.description {
        head = head.markdown(cap(d, MAX_MARKDOWN));
    }
    if !t.related.is_empty() {
        let label = if t.kind == Kind::Union {
            "Members"
        } else {
            "Implements"
        };
        let links = t
            .related
            .iter()
            .map(|r| Link::view(r.as_str(), [("type", r.as_str())]));
        head = head.text(format!("{label}:")).links(links);
    }
    let mut view = View::new(format!("{} {}", t.kind.keyword(), t.name)).section(head);
    match t.kind {
        Kind::Object | Kind::Interface => {
            view =
                view.section(Section::new("Fields").table(fields_table(schema, &t.fields, true)));
        }
        Kind::Input => {
            view = view.section(
                Section::new("Input fields").table(fields_table(schema, &t.fields, false)),
            );
        }
        Kind::Enum => {
            let mut table = Table::new(["Value", "Description", ""]).empty_text("No values.");
            for v in t.values.iter().take(1000) {
                table = table.row([
                    code(v.name.clone()),
                    text(v.description.as_deref().map(one_line).unwrap_or_default()),
                    match &v.deprecated {
                        Some(_) => deprecated_badge().into(),
                        None => Cell::Empty,
                    },
                ]);
            }
            view = view.section(Section::new("Values").table(table));
        }
        Kind::Union | Kind::Scalar => {}
    }
    // Where the type is used: fields that return or take it.
    let mut used = Vec::new();
    for other in &schema.types {
        for f in &other.fields {
            let mentions = |ty: &str| {
                ty.trim_matches(|c| matches!(c, '[' | ']' | '!'))
                    .split(" = ")
                    .next()
                    == Some(name)
            };
            if mentions(&f.ty) || f.args.iter().any(|a| mentions(&a.ty)) {
                used.push(Link::view(
                    format!("{}.{}", other.name, f.name),
                    [("type", other.name.as_str())],
                ));
            }
        }
        if other.related.iter().any(|r| r == name) {
            used.push(Link::view(
                other.name.as_str(),
                [("type", other.name.as_str())],
            ));
        }
        if used.len() >= 100 {
            break;
        }
    }
    if !used.is_empty() {
        view = view.section(Section::new("Used by").links(used));
    }
    view
}

#[cfg(test)]
mod tests {
    use super::*;

    const SDL: &str = r#"
# A comment
schema { query: Root mutation: Mut }

"""
A film.
"""
type Film implements Node & Entity @key(fields: "id") {
  "The title"
  title: String
  characters(first: Int = 10, after: String): [Person!]! @deprecated(reason: "use people")
  id: ID!
}
interface Node { id: ID! }
interface Entity { id: ID! }
type Person { name: String }
type Root { film(id: ID!): Film allFilms(filter: FilmFilter = {episode: [1, 2], title: "x"}): [Film] }
type Mut { rate(film: ID!, stars: Int!): Film }
input FilmFilter { episode: [Int!] = [] title: String }
enum Episode { NEWHOPE EMPIRE @deprecated JEDI }
union SearchResult = | Film | Person
scalar Date @specifiedBy(url: "https://example.com")
directive @key(fields: String!) repeatable on OBJECT | INTERFACE
extend type Person { age: Int }
"#;

    #[test]
    fn parses_the_type_system() {
        let s = parse(SDL).unwrap();
        assert_eq!(s.query.as_deref(), Some("Root"));
        assert_eq!(s.mutation.as_deref(), Some("Mut"));
        let film = s.types.iter().find(|t| t.name == "Film").unwrap();
        assert_eq!(film.description.as_deref(), Some("A film."));
        assert_eq!(film.related, ["Node", "Entity"]);
        assert_eq!(film.fields[0].description.as_deref(), Some("The title"));
        assert_eq!(film.fields[1].ty, "[Person!]!");
        assert_eq!(film.fields[1].deprecated.as_deref(), Some("use people"));
        assert_eq!(
            args_text(&film.fields[1].args),
            "first: Int = 10, after: String"
        );
        let root = s.types.iter().find(|t| t.name == "Root").unwrap();
        assert_eq!(
            root.fields[1].args[0].default.as_deref(),
            Some("{episode: [1, 2], title: \"x\"}")
        );
        let e = s.types.iter().find(|t| t.name == "Episode").unwrap();
        assert_eq!(e.values.len(), 3);
        assert!(e.values[1].deprecated.is_some());
        let u = s.types.iter().find(|t| t.name == "SearchResult").unwrap();
        assert_eq!(u.related, ["Film", "Person"]);
        let p = s.types.iter().find(|t| t.name == "Person").unwrap();
        assert_eq!(p.fields.len(), 2, "extend adds fields");
        assert_eq!(s.directives.len(), 1);
    }

    #[test]
    fn errors_have_positions() {
        let e = parse("type A {\n  b: String\n  c(: Int\n}").unwrap_err();
        assert_eq!((e.line, e.column), (3, 5), "{e}");
        let e = parse("type A { b: String").unwrap_err();
        assert!(e.message.contains("end of the document"), "{e}");
        let e = parse("{ hero { name } }").unwrap_err();
        assert!(e.message.contains("query"), "{e}");
        let e = parse("type A { b: \"x }").unwrap_err();
        assert!(e.message.contains("unterminated"), "{e}");
        let deep = format!("type A {{ b: {}Int{} }}", "[".repeat(500), "]".repeat(500));
        assert!(parse(&deep).unwrap_err().message.contains("too deeply"));
    }

    #[test]
    fn defaults_root_types_by_name() {
        let s = parse("type Query { a: Int } type Subscription { b: Int }").unwrap();
        assert_eq!(s.query.as_deref(), Some("Query"));
        assert_eq!(s.subscription.as_deref(), Some("Subscription"));
        assert!(s.mutation.is_none());
    }
}
