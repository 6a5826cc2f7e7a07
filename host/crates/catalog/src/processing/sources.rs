//! Turning what a producer emits into processing [`Candidate`]s: a registered location walked
//! through a [`LocationReader`] (with its generated Location entity), or a provider's entities.

use std::collections::HashMap;

use serde_json::Value;

use super::status::walk_item;
use super::{Candidate, HeldCandidate, ProducerRun};
use crate::location::walk::WalkErrorKind;
use crate::location::walk::walk_location_into;
use crate::location::{
    LocationReader, LocationSpec, apply_location_annotations, location_entity, resolve_target,
};

/// The producer id of a registered location.
pub fn location_producer(id: &str) -> String {
    format!("location:{id}")
}

/// The producer id of an entity provider.
pub fn provider_producer(name: &str) -> String {
    format!("provider:{name}")
}

/// Reads `root` (registered as location `id`) and everything it leads to, as one run.
pub fn location_run(id: &str, root: &LocationSpec, reader: &dyn LocationReader) -> ProducerRun {
    let mut streamed = Vec::new();
    let mut run = stream_location_run(id, root, reader, usize::MAX, &mut |chunk| {
        streamed.extend(chunk)
    });
    // The generated entity first, then the entities in the order they were read, then the
    // failures (so that an entity read fine elsewhere wins over its failed duplicate).
    let held = std::mem::take(&mut run.candidates);
    let later: Vec<Candidate> = std::mem::take(&mut run.later)
        .into_iter()
        .map(HeldCandidate::into_candidate)
        .collect();
    let (failed, read): (Vec<Candidate>, Vec<Candidate>) =
        held.into_iter().skip(1).partition(|c| c.failure.is_some());
    let mut candidates = Vec::with_capacity(streamed.len() + read.len() + failed.len() + 1);
    candidates.push(generated_candidate(root));
    candidates.extend(read);
    candidates.extend(streamed);
    candidates.extend(later);
    candidates.extend(failed);
    run.candidates = candidates;
    run
}

/// Reads `root` like [`location_run`], handing entities to `send` in chunks of up to
/// `chunk_size` while the walk goes on. What the walk learns only at its end stays in the
/// returned run, whose candidates are processed last: the generated entity and the Location
/// entities (a failure to read a target is an error in *their* `status.items`), and the
/// documents whose placeholders failed.
pub fn stream_location_run(
    id: &str,
    root: &LocationSpec,
    reader: &dyn LocationReader,
    chunk_size: usize,
    send: &mut dyn FnMut(Vec<Candidate>),
) -> ProducerRun {
    let generated_ref = location_entity(root, None).entity_ref().stringify();
    // Which entity emitted each location: the generated entity for the root, else the
    // Location entity whose target it is (known before the walk reads the target).
    let mut parent_of: HashMap<String, String> = HashMap::new();
    parent_of.insert(root.to_ref(), generated_ref.clone());
    let mut held = vec![generated_candidate(root)];
    let mut later = Vec::new();
    let mut chunk = Vec::new();
    let walk = walk_location_into(root, reader, &mut |emitted| {
        let location_ref = emitted.location.to_ref();
        let parents = vec![
            parent_of
                .get(&location_ref)
                .cloned()
                .unwrap_or_else(|| generated_ref.clone()),
        ];
        let entity = &emitted.entity;
        if let Some(rank) = TARGET_KINDS.iter().position(|k| *k == entity.kind) {
            later.push(HeldCandidate::new(
                &entity.to_value(),
                parents,
                Some(location_ref),
                rank as u8,
            ));
            return;
        }
        if entity.kind != "Location" {
            chunk.push(Candidate::new(
                entity.to_value(),
                parents,
                Some(location_ref),
            ));
            if chunk.len() >= chunk_size {
                send(std::mem::take(&mut chunk));
            }
            return;
        }
        let spec_type = entity
            .spec_str("type")
            .unwrap_or(&emitted.location.location_type)
            .to_owned();
        let mut targets: Vec<&str> = entity.spec_str("target").into_iter().collect();
        if let Some(Value::Array(items)) = entity.spec_field("targets") {
            targets.extend(items.iter().filter_map(Value::as_str));
        }
        let me = entity.entity_ref().stringify();
        for target in targets {
            let resolved = resolve_target(&emitted.location, &spec_type, target);
            parent_of
                .entry(format!("{spec_type}:{resolved}"))
                .or_insert_with(|| me.clone());
        }
        held.push(Candidate::new(
            entity.to_value(),
            parents,
            Some(location_ref),
        ));
    });
    if !chunk.is_empty() {
        send(chunk);
    }
    let parent = |location: &LocationSpec| {
        parent_of
            .get(&location.to_ref())
            .cloned()
            .unwrap_or_else(|| generated_ref.clone())
    };

    let mut run = ProducerRun::new(location_producer(id), false);
    run.candidates = held;
    run.later = later;
    for error in walk.errors {
        match (error.kind, &error.unprocessed) {
            (WalkErrorKind::Placeholder, Some(unprocessed)) => {
                let mut candidate = Candidate::new(
                    unprocessed.clone(),
                    vec![parent(&error.location)],
                    Some(error.location.to_ref()),
                );
                candidate.failure = Some(vec![walk_item(&error)]);
                run.candidates.push(candidate);
            }
            (WalkErrorKind::Conflict, _) => run.messages.push(error.message.clone()),
            (kind, _) => {
                if matches!(
                    kind,
                    WalkErrorKind::NotFound
                        | WalkErrorKind::Read
                        | WalkErrorKind::Parse
                        | WalkErrorKind::Envelope
                        | WalkErrorKind::Placeholder
                        | WalkErrorKind::Limit
                ) {
                    run.failed_locations.insert(error.location.to_ref());
                }
                run.parent_errors
                    .entry(parent(&error.location))
                    .or_default()
                    .push(walk_item(&error));
                run.messages.push(error.to_string());
            }
        }
    }
    run
}

/// Kinds that other entities' relations usually point at (owners, members, systems, domains,
/// APIs, resources). A streamed run holds them back until the rest is written, so that they are
/// written once with their relations complete instead of being re-stitched after the entities
/// pointing at them; any kind may still be re-stitched (components depending on components).
/// In the order they are written: the kinds others point at most (a group is the owner of
/// everything, a domain has systems, a system has APIs and resources) after the ones pointing
/// at them, so that the relations of most are complete when first written.
const TARGET_KINDS: &[&str] = &["API", "Resource", "System", "Domain", "User", "Group"];

/// The Location entity generated for a registered location. It is the catalog's own (always
/// valid) and is served even when reading its target fails, so that the failure is visible
/// in its `status.items`.
fn generated_candidate(root: &LocationSpec) -> Candidate {
    let mut generated = Candidate::new(
        location_entity(root, None).to_value(),
        Vec::new(),
        Some(root.to_ref()),
    );
    generated.failure = Some(Vec::new());
    generated
}

/// A provider's full set of entities (Backstage's `applyMutation({type: 'full'})`): entities it
/// no longer emits are deleted eagerly. Documents get the provider's origin annotations when
/// they have none.
pub fn provider_run(name: &str, entities: Vec<Value>) -> ProducerRun {
    let mut run = ProducerRun::new(provider_producer(name), true);
    let origin = LocationSpec::new("provider", name);
    for mut value in entities {
        let has_location = value
            .pointer("/metadata/annotations/backstage.io~1managed-by-location")
            .is_some();
        if !has_location && value.get("metadata").is_some_and(Value::is_object) {
            apply_location_annotations(&mut value, &origin, &origin);
        }
        run.candidates
            .push(Candidate::new(value, Vec::new(), Some(origin.to_ref())));
    }
    run
}
