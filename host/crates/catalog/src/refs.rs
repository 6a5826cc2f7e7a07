//! Entity references: parsing `[kind:][namespace/]name` with per-field defaults, printing them,
//! and comparing them case-insensitively, exactly as Backstage's `parseEntityRef` and
//! `stringifyEntityRef` do.
//!
//! Case: an [`EntityRef`] keeps the case it was written in (Backstage's compound refs do too, e.g.
//! `{kind: 'Group', ...}`), but equality and hashing ignore case, and [`EntityRef::stringify`]
//! lowercases all three parts. That is Backstage's `stringifyEntityRef`: it returns
//! `kind.toLocaleLowerCase()` + `:` + namespace + `/` + name, all lowercased, and that string is
//! what the catalog stores in `relations[].targetRef` and compares with. [`EntityRef`]'s
//! `Display` keeps the original case, for humans.
//!
//! Parsing splits on the *first* `:` and the first `/` (a `/` before the `:` means there is no
//! kind), so the name part may itself contain `:` or `/` (`a:b/c/d` is kind `a`, namespace `b`,
//! name `c/d`), as in current Backstage. Field-format validation rejects such names later.

use std::fmt;
use std::hash::{Hash, Hasher};

use serde::{Deserialize, Serialize};

use crate::entity::DEFAULT_NAMESPACE;

/// A complete reference to an entity: kind, namespace and name.
#[derive(Debug, Clone, Eq, Serialize, Deserialize)]
pub struct EntityRef {
    /// The entity kind, e.g. `Component`.
    pub kind: String,
    /// The entity namespace, e.g. `default`.
    pub namespace: String,
    /// The entity name.
    pub name: String,
}

/// The defaults that apply while parsing a reference found in some field of some entity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RefContext<'a> {
    /// The kind to use when the reference has none (e.g. `Group` for `spec.owner`).
    pub default_kind: Option<&'a str>,
    /// The namespace to use when the reference has none; Backstage passes the referring entity's
    /// namespace here, and falls back to `default`.
    pub default_namespace: Option<&'a str>,
}

/// The parts of a reference string as written, before defaults apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefParts {
    /// The kind, if the reference had one.
    pub kind: Option<String>,
    /// The namespace, if the reference had one.
    pub namespace: Option<String>,
    /// The name.
    pub name: String,
}

/// A reference that cannot be parsed. Messages are Backstage's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefError {
    /// The input was empty.
    #[error("Entity reference must not be empty")]
    Empty,
    /// The input had an empty kind, namespace or name (`:x`, `k:/x`, `k:ns/`).
    #[error("Entity reference \"{0}\" was not on the form [<kind>:][<namespace>/]<name>")]
    Malformed(String),
    /// No kind in the reference and no default kind in the context.
    #[error(
        "Entity reference \"{0}\" had missing or empty kind (e.g. did not start with \"component:\" or similar)"
    )]
    MissingKind(String),
}

impl<'a> RefContext<'a> {
    /// A context with a default kind and namespace.
    pub fn new(default_kind: Option<&'a str>, default_namespace: Option<&'a str>) -> Self {
        RefContext {
            default_kind,
            default_namespace,
        }
    }
}

/// Splits a reference string into its written parts (Backstage's `parseRefString`).
pub fn parse_ref_parts(reference: &str) -> Result<RefParts, RefError> {
    if reference.is_empty() {
        return Err(RefError::Empty);
    }
    let slash = reference.find('/');
    let colon = match (reference.find(':'), slash) {
        // A `/` before the `:` means the colon belongs to the namespace/name part.
        (Some(c), Some(s)) if s < c => None,
        (c, _) => c,
    };
    let kind = colon.map(|c| &reference[..c]);
    let after_kind = colon.map_or(0, |c| c + 1);
    let namespace = slash.map(|s| &reference[after_kind..s]);
    let name = &reference[slash.map_or(after_kind, |s| s + 1)..];
    if kind == Some("") || namespace == Some("") || name.is_empty() {
        return Err(RefError::Malformed(reference.to_owned()));
    }
    Ok(RefParts {
        kind: kind.map(str::to_owned),
        namespace: namespace.map(str::to_owned),
        name: name.to_owned(),
    })
}

impl EntityRef {
    /// A reference from its three parts, kept in the given case.
    pub fn new(kind: &str, namespace: &str, name: &str) -> Self {
        EntityRef {
            kind: kind.to_owned(),
            namespace: namespace.to_owned(),
            name: name.to_owned(),
        }
    }

    /// Parses `[kind:][namespace/]name`, filling the missing parts from `context`; the namespace
    /// falls back to `default`. Errors if no kind is given either way.
    pub fn parse(reference: &str, context: RefContext<'_>) -> Result<EntityRef, RefError> {
        let parts = parse_ref_parts(reference)?;
        let kind = parts
            .kind
            .or_else(|| context.default_kind.map(str::to_owned))
            .ok_or_else(|| RefError::MissingKind(reference.to_owned()))?;
        let namespace = parts.namespace.unwrap_or_else(|| {
            context
                .default_namespace
                .filter(|ns| !ns.is_empty())
                .unwrap_or(DEFAULT_NAMESPACE)
                .to_owned()
        });
        Ok(EntityRef {
            kind,
            namespace,
            name: parts.name,
        })
    }

    /// Parses a full reference, with no defaults other than the `default` namespace.
    pub fn parse_full(reference: &str) -> Result<EntityRef, RefError> {
        Self::parse(reference, RefContext::default())
    }

    /// The canonical string form `kind:namespace/name`, all lowercased (Backstage's
    /// `stringifyEntityRef`). Use this for storage keys, `targetRef` and comparisons.
    pub fn stringify(&self) -> String {
        format!(
            "{}:{}/{}",
            self.kind.to_lowercase(),
            self.namespace.to_lowercase(),
            self.name.to_lowercase()
        )
    }

    /// The same reference with every part lowercased.
    pub fn normalized(&self) -> EntityRef {
        EntityRef {
            kind: self.kind.to_lowercase(),
            namespace: self.namespace.to_lowercase(),
            name: self.name.to_lowercase(),
        }
    }

    /// The shortest string that parses back to this reference in `context` (Backstage's
    /// `humanizeEntityRef`): the kind is left out when it equals the context's default kind, the
    /// namespace when it equals the context's default namespace (or `default`). Case is kept.
    pub fn humanize(&self, context: RefContext<'_>) -> String {
        let default_ns = context.default_namespace.unwrap_or(DEFAULT_NAMESPACE);
        let mut out = String::new();
        if !context
            .default_kind
            .is_some_and(|k| k.eq_ignore_ascii_case(&self.kind))
        {
            out.push_str(&self.kind.to_lowercase());
            out.push(':');
        }
        if !self.namespace.eq_ignore_ascii_case(default_ns) {
            out.push_str(&self.namespace);
            out.push('/');
        }
        out.push_str(&self.name);
        out
    }
}

/// Backstage compares references lowercased, so equality here ignores case.
impl PartialEq for EntityRef {
    fn eq(&self, other: &Self) -> bool {
        self.kind.to_lowercase() == other.kind.to_lowercase()
            && self.namespace.to_lowercase() == other.namespace.to_lowercase()
            && self.name.to_lowercase() == other.name.to_lowercase()
    }
}

impl Hash for EntityRef {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.stringify().hash(state);
    }
}

/// `kind:namespace/name` in the case it was written.
impl fmt::Display for EntityRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}/{}", self.kind, self.namespace, self.name)
    }
}
