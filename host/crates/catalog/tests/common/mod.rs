//! Helpers shared by the integration tests: where the Backstage corpus is, and reading it.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use portico_catalog::Entity;
use portico_catalog::entity::parse::{SourceFormat, parse_entities};

/// `corpus/backstage`, canonicalised.
pub fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../corpus/backstage")
        .canonicalize()
        .expect("corpus/backstage exists")
}

/// A corpus file's path.
pub fn corpus_file(relative: &str) -> PathBuf {
    corpus().join(relative)
}

/// Every `.yaml` file under `dir` (recursively), sorted.
pub fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The single entity in a corpus file.
pub fn corpus_entity(relative: &str) -> Entity {
    let data = std::fs::read(corpus_file(relative)).unwrap();
    let mut entities = parse_entities(&data, SourceFormat::Yaml);
    assert_eq!(entities.len(), 1, "{relative} has one entity");
    entities.remove(0).unwrap()
}

/// Every entity in a corpus file.
pub fn corpus_entities(relative: &str) -> Vec<Entity> {
    let data = std::fs::read(corpus_file(relative)).unwrap();
    parse_entities(&data, SourceFormat::Yaml)
        .into_iter()
        .map(Result::unwrap)
        .collect()
}
