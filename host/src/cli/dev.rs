//! `portico plugin dev PATH`: builds a plugin project with its `build.sh`, installs the result
//! (granting what it requests: this is a local development loop), then watches the project and
//! does it again after every change — so an edit shows in the portal within seconds.
//!
//! Installing goes through the running server's admin API when a server holds the data
//! directory (or `--server` names one); the server swaps the plugin in without a restart.

use anyhow::{Context, Result, bail};
use notify::{RecursiveMode, Watcher};
use portico_package::Manifest;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Changes closer together than this are built once.
const DEBOUNCE: Duration = Duration::from_millis(300);

/// Folders whose changes never trigger a build (build output, dependencies, caches).
const IGNORED: &[&str] = &["build", "target", "node_modules", "__pycache__", ".git"];

/// Reads the project's plugin id from its manifest.
pub fn plugin_id(project: &Path) -> Result<String> {
    let path = project.join("plugin.toml");
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "cannot read {}: is {} a plugin project? (`portico plugin new` creates one)",
            path.display(),
            project.display()
        )
    })?;
    let manifest =
        Manifest::parse(&text).with_context(|| format!("{} is invalid", path.display()))?;
    Ok(manifest.id)
}

/// Runs `build.sh` in `project`; returns the built component's path.
pub fn build(project: &Path, id: &str) -> Result<PathBuf> {
    let script = project.join("build.sh");
    if !script.is_file() {
        bail!(
            "{} has no build.sh: add one that writes build/{id}.wasm",
            project.display()
        );
    }
    let portico = std::env::current_exe().context("cannot find the portico executable")?;
    let output = std::process::Command::new("sh")
        .arg(&script)
        .current_dir(project)
        // Build scripts pack the manifest with this same portico.
        .env("PORTICO", &portico)
        .output()
        .with_context(|| format!("cannot run {}", script.display()))?;
    if !output.status.success() {
        bail!(
            "build.sh failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let built = project.join("build").join(format!("{id}.wasm"));
    if !built.is_file() {
        bail!("build.sh succeeded but did not write {}", built.display());
    }
    Ok(built)
}

/// Whether a changed path should trigger a build.
pub fn is_relevant(project: &Path, path: &Path) -> bool {
    let relative = path.strip_prefix(project).unwrap_or(path);
    !relative.components().any(|c| {
        let name = c.as_os_str().to_string_lossy();
        IGNORED.contains(&name.as_ref()) || name.ends_with(".swp") || name.ends_with('~')
    })
}

/// Builds and installs once; `install` does the installing (local or through the server).
fn cycle(project: &Path, install: &dyn Fn(&[u8]) -> Result<String>) -> Result<()> {
    let started = Instant::now();
    let id = plugin_id(project)?;
    let built = build(project, &id)?;
    let bytes =
        std::fs::read(&built).with_context(|| format!("cannot read {}", built.display()))?;
    let what = install(&bytes)?;
    println!(
        "{what} ({:.1} MB) in {:.1} s",
        bytes.len() as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The dev loop: build and install now, then after every change until interrupted (or once).
pub fn run(project: &Path, once: bool, install: &dyn Fn(&[u8]) -> Result<String>) -> Result<()> {
    let project = project
        .canonicalize()
        .with_context(|| format!("cannot open the project {}", project.display()))?;
    plugin_id(&project)?;
    if once {
        return cycle(&project, install);
    }
    let (tx, rx) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let _ = tx.send(event);
    })
    .context("cannot watch files on this system")?;
    watcher
        .watch(&project, RecursiveMode::Recursive)
        .with_context(|| format!("cannot watch {}", project.display()))?;
    report(cycle(&project, install));
    println!(
        "watching {} for changes (Ctrl-C to stop)",
        project.display()
    );
    loop {
        let first = rx.recv().context("the file watcher stopped")?;
        let mut relevant = changed(&project, first);
        // Editors write several files (and temporary files) per save: settle first.
        let deadline = Instant::now() + DEBOUNCE;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match rx.recv_timeout(left) {
                Ok(event) => relevant |= changed(&project, event),
                Err(mpsc::RecvTimeoutError::Timeout) => break,
                Err(mpsc::RecvTimeoutError::Disconnected) => bail!("the file watcher stopped"),
            }
        }
        if relevant {
            println!("change detected; rebuilding");
            report(cycle(&project, install));
        }
    }
}

fn changed(project: &Path, event: notify::Result<notify::Event>) -> bool {
    match event {
        Ok(event) => {
            !matches!(event.kind, notify::EventKind::Access(_))
                && event.paths.iter().any(|p| is_relevant(project, p))
        }
        Err(err) => {
            eprintln!("file watcher: {err}");
            false
        }
    }
}

/// A failed cycle is reported and the loop goes on: the next save may fix it.
fn report(result: Result<()>) {
    if let Err(err) = result {
        eprintln!("error: {err:#}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_output_and_dependencies_do_not_trigger_builds() {
        let project = Path::new("/p");
        assert!(is_relevant(project, Path::new("/p/app.py")));
        assert!(is_relevant(project, Path::new("/p/src/lib.rs")));
        assert!(!is_relevant(project, Path::new("/p/build/x.wasm")));
        assert!(!is_relevant(project, Path::new("/p/target/debug/x")));
        assert!(!is_relevant(project, Path::new("/p/node_modules/a/b.js")));
        assert!(!is_relevant(project, Path::new("/p/__pycache__/app.pyc")));
        assert!(!is_relevant(project, Path::new("/p/.app.py.swp")));
    }
}
