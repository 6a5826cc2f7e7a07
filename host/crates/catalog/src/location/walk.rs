//! Walking a root location: read it, parse its documents, annotate and substitute each entity,
//! and follow every Location entity's `target`/`targets`, recursively, with cycle detection.
//!
//! This is the ingestion half of Backstage's processing loop (`UrlReaderProcessor`/
//! `FileReaderProcessor`, `parseEntityYaml`, the output collector's annotations,
//! `PlaceholderProcessor`, and the orchestrator's Location step) done in one pass. It does not
//! validate kinds or compute relations: the caller runs [`crate::validation`] and
//! [`crate::relations`] on each emitted entity. Errors never stop the walk: each is reported with
//! the location (and entity, when known) it belongs to, and the rest is still read.
//!
//! Entities whose placeholders cannot be substituted are reported and not emitted — in Backstage
//! they fail processing and never reach the catalog. So with only [`super::FileReader`], the
//! corpus APIs whose `$text` is a remote URL (`spotify`, `wayback-archive`, `wayback-search`) come
//! back as errors whose [`WalkError::read_error`] is [`ReadError::Unsupported`] for `url`: the
//! url-reader plugin has to be in the [`super::Readers`] for them. (Backstage reads them through
//! its `UrlReader`, which needs a GitHub integration for `github.com`.)

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::annotations::apply_location_annotations;
use super::placeholder::{Substituted, resolve_placeholders};
use super::reader::{LocationReader, ReadError, TreeRead};
use super::resolve::resolve_target;
use super::{LocationSpec, Presence};
use crate::entity::parse::{self, document_to_entity};
use crate::entity::{Entity, json_type_name};
use crate::refs::EntityRef;
use crate::validation::KindRegistry;

/// Deepest chain of Location entities followed from the root.
pub const MAX_LOCATION_DEPTH: usize = 32;
/// Most locations read in one walk.
pub const MAX_LOCATIONS: usize = 10_000;
/// Most entities emitted by one walk (a bound on the walk's bookkeeping: the entities
/// themselves are streamed, see [`walk_location_into`]).
pub const MAX_ENTITIES: usize = 5_000_000;

/// An entity read during a walk, with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct EmittedEntity {
    /// The entity, annotated and with placeholders substituted.
    pub entity: Entity,
    /// The location (file or URL) it was read from.
    pub location: LocationSpec,
    /// Locations its placeholders read (refresh keys: a change there changes the entity).
    pub placeholder_reads: Vec<LocationSpec>,
}

/// What kind of failure a [`WalkError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WalkErrorKind {
    /// A required target does not exist.
    NotFound,
    /// A target could not be read (including "no reader for this type").
    Read,
    /// A document is not YAML, or not an object.
    Parse,
    /// A document is not an entity envelope (no `apiVersion`, `kind`, `metadata.name`).
    Envelope,
    /// A placeholder could not be substituted; the entity is not emitted.
    Placeholder,
    /// A Location entity's `spec` cannot be followed.
    Location,
    /// A Location leads back to one of its ancestors.
    Cycle,
    /// A second location emits an entity that an earlier one already emitted; the first wins.
    Conflict,
    /// A walk limit ([`MAX_LOCATION_DEPTH`], [`MAX_LOCATIONS`], [`MAX_ENTITIES`]) was hit.
    Limit,
}

/// A failure during a walk, with the location it belongs to.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{location}: {message}")]
pub struct WalkError {
    /// The location being read when it happened.
    pub location: LocationSpec,
    /// The entity concerned, when the document got that far.
    pub entity: Option<EntityRef>,
    /// The document index within the location, when relevant.
    pub document: Option<usize>,
    /// The category.
    pub kind: WalkErrorKind,
    /// The underlying read failure, if any (e.g. `Unsupported` for a `url` without url reader).
    pub read_error: Option<ReadError>,
    /// Backstage-style message.
    pub message: String,
    /// For placeholder failures: the document as read (location annotations applied,
    /// placeholders left in place), so the catalog can keep the error on the entity.
    pub unprocessed: Option<Value>,
}

/// Everything a walk found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WalkResult {
    /// Entities, in the order they were read (depth first, targets in order).
    pub entities: Vec<EmittedEntity>,
    /// Errors, in the order they happened.
    pub errors: Vec<WalkError>,
    /// Every location read (or attempted), root first.
    pub locations: Vec<LocationSpec>,
}

impl WalkResult {
    /// The emitted entity with this reference, if any.
    pub fn entity(&self, reference: &EntityRef) -> Option<&EmittedEntity> {
        self.entities
            .iter()
            .find(|e| &e.entity.entity_ref() == reference)
    }
}

/// Walks `root` (the registered location, which is also every entity's origin) through `reader`.
pub fn walk_location(root: &LocationSpec, reader: &dyn LocationReader) -> WalkResult {
    walk(root, reader, None)
}

/// Walks like [`walk_location`] but hands each entity to `sink` as soon as it is read, instead
/// of collecting them (the result's `entities` stay empty), so that a large catalog is
/// processed while it is still being read and never held whole in memory. A Location entity
/// reaches `sink` before anything read from its targets.
pub fn walk_location_into(
    root: &LocationSpec,
    reader: &dyn LocationReader,
    sink: &mut dyn FnMut(EmittedEntity),
) -> WalkResult {
    walk(root, reader, Some(sink))
}

fn walk<'a>(
    root: &LocationSpec,
    reader: &'a dyn LocationReader,
    sink: Option<&'a mut dyn FnMut(EmittedEntity)>,
) -> WalkResult {
    let mut walker = Walker {
        reader,
        origin: root.clone(),
        registry: KindRegistry::builtin(),
        result: WalkResult::default(),
        visited: HashSet::new(),
        emitted: HashMap::new(),
        emitters: Vec::new(),
        sink,
    };
    walker.visit(root, &mut Vec::new());
    walker.result
}

struct Walker<'a> {
    reader: &'a dyn LocationReader,
    origin: LocationSpec,
    registry: KindRegistry,
    result: WalkResult,
    visited: HashSet<(String, String)>,
    /// Every entity emitted so far, with the location that emitted it first (an index into
    /// `emitters`: one copy of each location, not one per entity).
    emitted: HashMap<String, u32>,
    emitters: Vec<LocationSpec>,
    sink: Option<&'a mut dyn FnMut(EmittedEntity)>,
}

impl Walker<'_> {
    fn error(
        &mut self,
        location: &LocationSpec,
        kind: WalkErrorKind,
        message: String,
    ) -> &mut WalkError {
        self.result.errors.push(WalkError {
            location: location.clone(),
            entity: None,
            document: None,
            kind,
            read_error: None,
            message,
            unprocessed: None,
        });
        self.result.errors.last_mut().expect("just pushed")
    }

    fn visit(&mut self, location: &LocationSpec, ancestors: &mut Vec<LocationSpec>) {
        let key = (location.location_type.clone(), location.target.clone());
        if ancestors
            .iter()
            .any(|a| a.location_type == key.0 && a.target == key.1)
        {
            let chain: Vec<String> = ancestors
                .iter()
                .chain(std::iter::once(location))
                .map(LocationSpec::to_ref)
                .collect();
            self.error(
                location,
                WalkErrorKind::Cycle,
                format!("Location cycle: {}", chain.join(" -> ")),
            );
            return;
        }
        if self.visited.contains(&key) {
            return; // Already read through another Location: same entities, same location key.
        }
        if ancestors.len() >= MAX_LOCATION_DEPTH || self.visited.len() >= MAX_LOCATIONS {
            self.error(
                location,
                WalkErrorKind::Limit,
                format!("Location not read: more than {MAX_LOCATION_DEPTH} levels deep or {MAX_LOCATIONS} locations in one walk"),
            );
            return;
        }
        self.visited.insert(key);
        self.result.locations.push(location.clone());

        if let Some(tree) = self.reader.read_tree(location) {
            self.graft(location, tree);
            return;
        }
        let data = match self.reader.read(&location.location_type, &location.target) {
            Ok(data) => data,
            Err(ReadError::NotFound(_)) if location.presence == Presence::Optional => return,
            Err(e) => {
                let (kind, message) = read_failure(location, &e);
                self.error(location, kind, message).read_error = Some(e);
                return;
            }
        };
        for doc in parse::parse_yaml(&data) {
            match doc {
                Err(e) => {
                    let message = format!("YAML error at {location}, {e}");
                    self.error(location, WalkErrorKind::Parse, message).document = e.document;
                }
                Ok(doc) if doc.value.is_null() => {}
                Ok(doc) if !doc.value.is_object() => {
                    let message = format!(
                        "Expected object at root, got {}",
                        json_type_name(&doc.value)
                    );
                    self.error(location, WalkErrorKind::Parse, message).document = Some(doc.index);
                }
                Ok(doc) => self.emit(location, doc.index, doc.value, ancestors, true),
            }
        }
    }

    /// Takes in a location a reader read whole ([`LocationReader::read_tree`]): its entities
    /// are checked and annotated like the walk's own, its Location entities are not followed
    /// again, and its errors stay with the locations they name.
    fn graft(&mut self, root: &LocationSpec, tree: Result<TreeRead, ReadError>) {
        let tree = match tree {
            Ok(tree) => tree,
            Err(ReadError::NotFound(_)) if root.presence == Presence::Optional => return,
            Err(e) => {
                let (kind, message) = read_failure(root, &e);
                self.error(root, kind, message).read_error = Some(e);
                return;
            }
        };
        let same = |a: &LocationSpec, b: &LocationSpec| {
            a.location_type == b.location_type && a.target == b.target
        };
        for error in tree.errors {
            if error.not_found && root.presence == Presence::Optional && same(&error.location, root)
            {
                continue;
            }
            self.note_location(&error.location);
            let kind = if error.not_found {
                WalkErrorKind::NotFound
            } else {
                WalkErrorKind::Read
            };
            self.error(&error.location, kind, error.message);
        }
        let mut documents: HashMap<String, usize> = HashMap::new();
        for (location, mut value) in tree.entities {
            self.note_location(&location);
            let index = documents.entry(location.to_ref()).or_default();
            *index += 1;
            if !value.is_object() {
                let message = format!("Expected object at root, got {}", json_type_name(&value));
                self.error(&location, WalkErrorKind::Parse, message)
                    .document = Some(*index - 1);
                continue;
            }
            match take_processing_error(&mut value) {
                None => self.emit(&location, *index - 1, value, &mut Vec::new(), false),
                Some(message) => self.failed_read(&location, *index - 1, value, message),
            }
        }
    }

    /// A document a tree reader could not process (a placeholder it could not substitute):
    /// reported like the walk's own placeholder failures, with the document as read.
    fn failed_read(
        &mut self,
        location: &LocationSpec,
        index: usize,
        mut value: Value,
        message: String,
    ) {
        if let Err(errors) = self.registry.validate_envelope(&value) {
            let message = format!("Entity envelope failed validation, {}", errors[0].message);
            self.error(location, WalkErrorKind::Envelope, message)
                .document = Some(index);
            return;
        }
        apply_location_annotations(&mut value, location, &self.origin);
        let reference = envelope_ref(&value);
        let err = self.error(location, WalkErrorKind::Placeholder, message);
        err.entity = Some(reference);
        err.document = Some(index);
        err.unprocessed = Some(value);
    }

    /// Records a location read on the walk's behalf (by [`Self::graft`]).
    fn note_location(&mut self, location: &LocationSpec) {
        let key = (location.location_type.clone(), location.target.clone());
        if self.visited.insert(key) {
            self.result.locations.push(location.clone());
        }
    }

    /// Emits one document read from `location`. `follow`: substitute its placeholders and
    /// follow it if it is a Location (false for documents a tree reader already processed).
    fn emit(
        &mut self,
        location: &LocationSpec,
        index: usize,
        mut value: Value,
        ancestors: &mut Vec<LocationSpec>,
        follow: bool,
    ) {
        if let Err(errors) = self.registry.validate_envelope(&value) {
            let message = format!("Entity envelope failed validation, {}", errors[0].message);
            self.error(location, WalkErrorKind::Envelope, message)
                .document = Some(index);
            return;
        }
        apply_location_annotations(&mut value, location, &self.origin);
        let reference = envelope_ref(&value);
        let backup = has_placeholder(&value).then(|| value.clone());
        let substituted = match follow {
            false => Ok(Substituted {
                value,
                reads: Vec::new(),
            }),
            true => resolve_placeholders(value, location, self.reader),
        };
        let substituted = match substituted {
            Ok(s) => s,
            Err(e) => {
                let err = self.error(location, WalkErrorKind::Placeholder, e.message.clone());
                err.entity = Some(reference);
                err.document = Some(index);
                err.read_error = e.read_error;
                err.unprocessed = backup;
                return;
            }
        };
        let entity = match document_to_entity(index, substituted.value) {
            Ok(entity) => entity,
            Err(e) => {
                let err = self.error(location, WalkErrorKind::Envelope, e.message);
                err.entity = Some(reference);
                err.document = Some(index);
                return;
            }
        };
        let key = reference.stringify();
        if let Some(first) = self.emitted.get(&key) {
            let first = &self.emitters[*first as usize];
            let message = format!(
                "Detected conflicting entityRef {key} already referenced by {first} and now also {location}"
            );
            let err = self.error(location, WalkErrorKind::Conflict, message);
            err.entity = Some(reference);
            err.document = Some(index);
            return;
        }
        if self.emitted.len() >= MAX_ENTITIES {
            self.error(
                location,
                WalkErrorKind::Limit,
                format!("more than {MAX_ENTITIES} entities in one walk"),
            );
            return;
        }
        if self.emitters.last() != Some(location) {
            self.emitters.push(location.clone());
        }
        self.emitted.insert(key, (self.emitters.len() - 1) as u32);
        let targets = if follow && entity.kind == "Location" {
            location_targets(&entity, location)
        } else {
            Ok(Vec::new())
        };
        let emitted = EmittedEntity {
            entity,
            location: location.clone(),
            placeholder_reads: substituted.reads,
        };
        match self.sink.as_mut() {
            Some(sink) => sink(emitted),
            None => self.result.entities.push(emitted),
        }
        match targets {
            Err(message) => {
                let err = self.error(location, WalkErrorKind::Location, message);
                err.entity = Some(reference);
                err.document = Some(index);
            }
            Ok(children) => {
                ancestors.push(location.clone());
                for child in children {
                    match child {
                        Ok(child) => self.visit(&child, ancestors),
                        Err(message) => {
                            let err = self.error(location, WalkErrorKind::Location, message);
                            err.entity = Some(reference.clone());
                        }
                    }
                }
                ancestors.pop();
            }
        }
    }
}

/// The locations a Location entity points to (Backstage's `runSpecialLocationStep`).
#[allow(clippy::type_complexity)]
fn location_targets(
    entity: &Entity,
    location: &LocationSpec,
) -> Result<Vec<Result<LocationSpec, String>>, String> {
    let spec_type = match entity.spec_field("type") {
        None => location.location_type.clone(),
        Some(Value::String(t)) => t.clone(),
        Some(_) => return Err("spec.type of a Location must be a string".into()),
    };
    let presence = match entity.spec_field("presence") {
        None => Presence::Required,
        Some(Value::String(p)) if p == "required" => Presence::Required,
        Some(Value::String(p)) if p == "optional" => Presence::Optional,
        Some(_) => {
            return Err("spec.presence of a Location must be \"required\" or \"optional\"".into());
        }
    };
    let mut targets = Vec::new();
    match entity.spec_field("target") {
        None => {}
        Some(Value::String(t)) => targets.push(t.as_str()),
        Some(_) => return Err("spec.target of a Location must be a string".into()),
    }
    match entity.spec_field("targets") {
        None => {}
        Some(Value::Array(items)) => {
            for item in items {
                targets.push(
                    item.as_str()
                        .ok_or("spec.targets of a Location must be strings")?,
                );
            }
        }
        Some(_) => return Err("spec.targets of a Location must be an array of strings".into()),
    }
    Ok(targets
        .into_iter()
        .map(|target| {
            if spec_type == "file" && target.ends_with(std::path::MAIN_SEPARATOR) {
                return Err(format!(
                    "LocationEntityProcessor cannot handle {spec_type} type location with target {target} that ends with a path separator"
                ));
            }
            Ok(LocationSpec {
                location_type: spec_type.clone(),
                target: resolve_target(location, &spec_type, target),
                presence,
            })
        })
        .collect())
}

/// Backstage's messages for read failures (`FileReaderProcessor`, `UrlReaderProcessor`).
fn read_failure(location: &LocationSpec, error: &ReadError) -> (WalkErrorKind, String) {
    let (t, target) = (&location.location_type, &location.target);
    match (t.as_str(), error) {
        ("file", ReadError::NotFound(_)) => (
            WalkErrorKind::NotFound,
            format!("{t} {target} does not exist"),
        ),
        (_, ReadError::NotFound(_)) => (
            WalkErrorKind::NotFound,
            format!("Unable to read {t}, {error}"),
        ),
        (_, ReadError::Unsupported { .. }) => (
            WalkErrorKind::Read,
            format!("No processor was able to handle reading of {t}:{target}"),
        ),
        ("file", _) => (
            WalkErrorKind::Read,
            format!("{t} {target} could not be read, {error}"),
        ),
        _ => (WalkErrorKind::Read, format!("Unable to read {t}, {error}")),
    }
}

/// Removes `status` from a document a tree reader returned; the message of its first
/// `backstage.io/catalog-processing` error, if it has one (how a reader reports a document it
/// read but could not process).
fn take_processing_error(value: &mut Value) -> Option<String> {
    let status = value.as_object_mut()?.remove("status")?;
    status
        .get("items")?
        .as_array()?
        .iter()
        .find(|item| item.get("level").and_then(Value::as_str) == Some("error"))
        .map(|item| {
            item.pointer("/error/message")
                .or_else(|| item.get("message"))
                .and_then(Value::as_str)
                .unwrap_or("the reader could not process this entity")
                .to_owned()
        })
}

/// The reference of an envelope-valid document.
fn envelope_ref(value: &Value) -> EntityRef {
    let get = |p: &str| value.pointer(p).and_then(Value::as_str).unwrap_or_default();
    let namespace = match get("/metadata/namespace") {
        "" => crate::entity::DEFAULT_NAMESPACE,
        ns => ns,
    };
    EntityRef::new(get("/kind"), namespace, get("/metadata/name"))
}

/// Whether `value` has an object with a `$text`, `$json` or `$yaml` key anywhere.
fn has_placeholder(value: &Value) -> bool {
    match value {
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| matches!(k.as_str(), "$text" | "$json" | "$yaml") || has_placeholder(v)),
        Value::Array(items) => items.iter().any(has_placeholder),
        _ => false,
    }
}
