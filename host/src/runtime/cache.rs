//! The on-disk cache of compiled components.
//!
//! Compiling a component costs 70 ms (Rust) to 15 s (Python, JavaScript); loading a
//! precompiled artifact with `deserialize_file` costs well under 5 ms. Artifacts are keyed
//! by the component's sha256 and by the engine's compatibility hash (wasmtime version and
//! every setting that changes generated code), so an engine change simply misses the cache.
//! Only artifacts this host wrote are loaded, and only after their own digest checks out:
//! `deserialize` trusts its input, a truncated or altered file must never reach it.

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use wasmtime::Engine;
use wasmtime::component::Component;

/// Whether a load hit the cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CacheOutcome {
    Hit,
    Compiled,
}

pub struct ArtifactCache {
    dir: PathBuf,
    engine_key: String,
}

/// Feeds `Hash` output into sha256 so that the engine key is stable across processes.
struct Sha256Hasher(Sha256);

impl Hasher for Sha256Hasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
    fn finish(&self) -> u64 {
        unreachable!("only the sha256 digest is used")
    }
}

/// A short digest of everything that makes compiled code of `engine` compatible.
pub fn engine_key(engine: &Engine) -> String {
    let mut hasher = Sha256Hasher(Sha256::new());
    engine.precompile_compatibility_hash().hash(&mut hasher);
    hex::encode(&hasher.0.finalize()[..12])
}

impl ArtifactCache {
    pub fn new(dir: &Path, engine: &Engine) -> Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| {
            format!(
                "cannot create the compile cache directory {}",
                dir.display()
            )
        })?;
        Ok(ArtifactCache {
            dir: dir.to_path_buf(),
            engine_key: engine_key(engine),
        })
    }

    fn artifact_path(&self, component_sha256: &str) -> PathBuf {
        self.dir
            .join(format!("{component_sha256}-{}.cwasm", self.engine_key))
    }

    /// Loads the compiled form of `component_bytes` (whose sha256 is given), compiling and
    /// caching it on a miss.
    pub fn load(
        &self,
        engine: &Engine,
        component_bytes: &[u8],
        component_sha256: &str,
    ) -> Result<(Component, CacheOutcome)> {
        let path = self.artifact_path(component_sha256);
        if let Some(component) = self.try_load_cached(engine, &path) {
            return Ok((component, CacheOutcome::Hit));
        }
        let component = Component::new(engine, component_bytes)
            .map_err(anyhow::Error::from)
            .context("compiling the component failed")?;
        if let Err(err) = self.store(&component, &path) {
            // A read-only or full disk costs a recompilation next time, nothing more.
            tracing::warn!(path = %path.display(), error = %err, "cannot cache a compiled component");
        }
        Ok((component, CacheOutcome::Compiled))
    }

    fn try_load_cached(&self, engine: &Engine, path: &Path) -> Option<Component> {
        let digest_path = path.with_extension("cwasm.sha256");
        let expected = std::fs::read_to_string(&digest_path).ok()?;
        let bytes = std::fs::read(path).ok()?;
        if hex::encode(Sha256::digest(&bytes)) != expected.trim() {
            tracing::warn!(path = %path.display(), "compiled artifact does not match its digest; recompiling");
            return None;
        }
        // SAFETY: the file was written by `store` below from `Component::serialize` of this
        // host, under a name bound to this engine's compatibility hash, and its content was
        // just checked against the digest written beside it.
        match unsafe { Component::deserialize_file(engine, path) } {
            Ok(component) => Some(component),
            Err(err) => {
                tracing::warn!(path = %path.display(), error = %err, "cannot load a compiled artifact; recompiling");
                None
            }
        }
    }

    fn store(&self, component: &Component, path: &Path) -> Result<()> {
        let bytes = component.serialize()?;
        let digest = hex::encode(Sha256::digest(&bytes));
        // Write under temporary names, then rename: a crash never leaves a torn artifact
        // under the final name.
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&tmp, &bytes)?;
        let digest_tmp = tmp.with_extension("sha256tmp");
        std::fs::write(&digest_tmp, &digest)?;
        std::fs::rename(&digest_tmp, path.with_extension("cwasm.sha256"))?;
        std::fs::rename(&tmp, path)?;
        Ok(())
    }

    /// Removes cached artifacts of components no longer installed.
    pub fn retain(&self, keep_sha256: &[String]) -> Result<usize> {
        let mut removed = 0;
        for entry in std::fs::read_dir(&self.dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().to_string();
            let sha = name.split('-').next().unwrap_or_default();
            if !keep_sha256.iter().any(|k| k == sha) {
                std::fs::remove_file(entry.path())?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}
