//! The template registry: handlebars templates and partials built into the binary (from
//! `web/templates`), with the organization's overrides (`portal.overrides`/templates) looked
//! up first.
//!
//! A broken override never blanks a page: one that does not parse is skipped at load, and a
//! page whose render fails with overrides is rendered again with the built-in templates
//! only. Either way the problem is kept for the admin page.

use handlebars::Handlebars;
use rust_embed::RustEmbed;
use serde::Serialize;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, RwLock};
use std::time::SystemTime;

#[derive(RustEmbed)]
#[folder = "../web/templates/"]
struct BuiltIn;

/// Problems kept for the admin page.
const PROBLEMS_KEPT: usize = 50;

/// One problem with an override.
#[derive(Debug, Clone, Serialize)]
pub struct TemplateProblem {
    pub template: String,
    pub file: String,
    pub message: String,
    #[serde(skip)]
    pub at: SystemTime,
}

pub struct Templates {
    /// Built-in templates with the working overrides on top. An override that fails to
    /// render is swapped for the built-in template here, once.
    active: RwLock<Handlebars<'static>>,
    /// Built-in templates only: the fallback.
    builtin: Handlebars<'static>,
    /// Names of the templates replaced or added by the organization (and still in use).
    overridden: RwLock<Vec<String>>,
    problems: Mutex<VecDeque<TemplateProblem>>,
}

fn registry() -> Handlebars<'static> {
    let mut hb = Handlebars::new();
    // Pages are indented by their templates; partials must not re-indent `<pre>` content.
    hb.set_prevent_indent(true);
    hb
}

/// `partials/view.hbs` → `partials/view`.
fn template_name(relative: &str) -> Option<String> {
    relative.strip_suffix(".hbs").map(|n| n.replace('\\', "/"))
}

impl Templates {
    /// Loads the built-in templates and the overrides found under `overrides`/templates.
    pub fn load(overrides: Option<&Path>) -> Templates {
        let mut builtin = registry();
        for file in BuiltIn::iter() {
            let Some(name) = template_name(&file) else {
                continue;
            };
            let Some(content) = BuiltIn::get(&file) else {
                continue;
            };
            let source = String::from_utf8_lossy(&content.data).into_owned();
            if let Err(err) = builtin.register_template_string(&name, source) {
                // Covered by a unit test; logged rather than fatal so that one page failing
                // never takes the portal down.
                tracing::error!(template = %name, error = %err, "built-in template does not parse");
            }
        }
        let mut templates = Templates {
            active: RwLock::new(builtin.clone()),
            builtin,
            overridden: RwLock::new(Vec::new()),
            problems: Mutex::new(VecDeque::new()),
        };
        if let Some(dir) = overrides {
            templates.load_overrides(&dir.join("templates"));
        }
        templates
    }

    fn load_overrides(&mut self, dir: &Path) {
        if !dir.is_dir() {
            return;
        }
        let mut files = Vec::new();
        collect_files(dir, dir, &mut files);
        let active = self.active.get_mut().unwrap_or_else(|p| p.into_inner());
        let overridden = self.overridden.get_mut().unwrap_or_else(|p| p.into_inner());
        let mut problems = Vec::new();
        for (relative, path) in files {
            let Some(name) = template_name(&relative) else {
                continue;
            };
            let result = std::fs::read_to_string(&path)
                .map_err(|e| e.to_string())
                .and_then(|source| {
                    active
                        .register_template_string(&name, source)
                        .map_err(|e| e.to_string())
                });
            match result {
                Ok(()) => {
                    tracing::info!(template = %name, file = %path.display(), "template override loaded");
                    overridden.push(name);
                }
                Err(message) => {
                    tracing::error!(template = %name, file = %path.display(), error = %message, "template override refused; using the built-in one");
                    restore(active, &self.builtin, &name);
                    problems.push((name, path, message));
                }
            }
        }
        for (name, path, message) in problems {
            self.record(&name, &path, message);
        }
    }

    fn record(&self, template: &str, file: &Path, message: String) {
        let mut problems = self.problems.lock().unwrap_or_else(|p| p.into_inner());
        if problems.len() == PROBLEMS_KEPT {
            problems.pop_front();
        }
        problems.push_back(TemplateProblem {
            template: template.to_string(),
            file: file.display().to_string(),
            message,
            at: SystemTime::now(),
        });
    }

    /// Renders `name`. When an override fails, it is replaced by the built-in template (for
    /// good: the problem is reported once on the admin page) and the page rendered again; the
    /// organization's other overrides stay in effect.
    pub fn render<T: Serialize>(&self, name: &str, data: &T) -> anyhow::Result<String> {
        // Each retry removes one failing override, so this ends.
        loop {
            let result = self
                .active
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .render(name, data);
            let err = match result {
                Ok(html) => return Ok(html),
                Err(err) => err,
            };
            let failing = err
                .template_name
                .clone()
                .unwrap_or_else(|| name.to_string());
            let mut overridden = self.overridden.write().unwrap_or_else(|p| p.into_inner());
            if overridden.is_empty() {
                return Err(anyhow::anyhow!("template {name}: {err}"));
            }
            tracing::error!(template = %failing, error = %err, "an organization template failed to render; using the built-in one");
            let culprit = if overridden.contains(&failing) {
                failing.clone()
            } else {
                // The failure surfaced in a built-in template (e.g. through data an override
                // expects): give up on the page's own override, else on every override.
                match overridden.iter().find(|n| *n == name) {
                    Some(n) => n.clone(),
                    None => {
                        drop(overridden);
                        self.record(&failing, Path::new("(render)"), err.to_string());
                        return Ok(self.builtin.render(name, data)?);
                    }
                }
            };
            overridden.retain(|n| *n != culprit);
            drop(overridden);
            restore(
                &mut self.active.write().unwrap_or_else(|p| p.into_inner()),
                &self.builtin,
                &culprit,
            );
            self.record(&culprit, Path::new("(render)"), err.to_string());
        }
    }

    /// Overrides in effect.
    pub fn overridden(&self) -> Vec<String> {
        self.overridden
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Problems with overrides, newest first.
    pub fn problems(&self) -> Vec<TemplateProblem> {
        let problems = self.problems.lock().unwrap_or_else(|p| p.into_inner());
        problems.iter().rev().cloned().collect()
    }
}

/// Puts the built-in `name` back (or removes a template the organization added).
fn restore(active: &mut Handlebars<'static>, builtin: &Handlebars<'static>, name: &str) {
    match builtin.get_template(name) {
        Some(original) => active.register_template(name, original.clone()),
        None => active.unregister_template(name),
    }
}

/// Every file under `dir`, with its path relative to `root` (`/`-separated).
fn collect_files(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_files(root, &path, out);
        } else if let Ok(relative) = path.strip_prefix(root) {
            let relative = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            out.push((relative, path));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_template_parses() {
        let mut hb = registry();
        let mut count = 0;
        for file in BuiltIn::iter() {
            let source = String::from_utf8(BuiltIn::get(&file).unwrap().data.to_vec()).unwrap();
            hb.register_template_string(&file, source)
                .unwrap_or_else(|e| panic!("{file}: {e}"));
            count += 1;
        }
        assert!(count > 5, "templates are embedded ({count})");
    }

    #[test]
    fn a_broken_override_falls_back_and_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("templates/partials")).unwrap();
        std::fs::write(
            dir.path().join("templates/partials/footer.hbs"),
            "{{#if}}broken",
        )
        .unwrap();
        let templates = Templates::load(Some(dir.path()));
        assert!(templates.overridden().is_empty());
        let problems = templates.problems();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].template, "partials/footer");
        assert!(templates.builtin.get_template("partials/footer").is_some());
        assert!(
            templates
                .active
                .read()
                .unwrap()
                .get_template("partials/footer")
                .is_some()
        );
    }
}
