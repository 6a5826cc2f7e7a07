//! The human-readable inspect report (`portico plugin inspect FILE`): the manifest, requested
//! capabilities, actual imports and exports, and the issues found. `--json` uses serde instead.

use std::fmt;

use super::{Package, Severity, SignatureSummary};
use crate::capability::{Capability, join};
use crate::sections::SectionLocation;

impl fmt::Display for Package {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = &self.manifest;
        writeln!(f, "{} ({} {})", m.name, m.id, m.version)?;
        if let Some(d) = &m.description {
            for line in d.lines() {
                writeln!(f, "  {line}")?;
            }
        }
        writeln!(f)?;
        let row =
            |f: &mut fmt::Formatter<'_>, key: &str, value: &str| writeln!(f, "  {key:<12} {value}");
        if let Some(a) = &m.author {
            row(f, "author", a)?;
        }
        if let Some(l) = &m.license {
            row(f, "license", l)?;
        }
        let worlds: Vec<&str> = m.worlds.iter().map(|w| w.as_str()).collect();
        row(f, "worlds", &worlds.join(", "))?;
        row(f, "built for", &format!("portico:plugin@{}", m.wit))?;
        row(f, "size", &format!("{} bytes", self.size))?;
        row(f, "sha256", &self.sha256)?;
        let signature = match &self.signature {
            SignatureSummary::Unsigned => "unsigned".to_string(),
            SignatureSummary::Signed { key_id } => {
                format!("signed by key \"{key_id}\" (verified at install against trusted keys)")
            }
            SignatureSummary::Malformed { problem } => format!("MALFORMED: {problem}"),
        };
        row(f, "signature", &signature)?;
        let location = match self.manifest_location {
            SectionLocation::TopLevel => "top-level section (portico plugin pack)",
            SectionLocation::NestedModule => "inside the core module (SDK)",
        };
        row(f, "manifest", location)?;
        let config = match &m.config_schema {
            None => "takes no configuration".to_string(),
            Some(schema) => match schema.get("properties").and_then(|p| p.as_object()) {
                Some(props) => {
                    let keys: Vec<&str> = props.keys().map(String::as_str).collect();
                    format!("JSON Schema with keys: {}", keys.join(", "))
                }
                None => "JSON Schema declared".to_string(),
            },
        };
        row(f, "config", &config)?;

        writeln!(f, "\nRequested capabilities:")?;
        if m.capabilities.is_empty() {
            writeln!(f, "  none")?;
        }
        for request in &m.capabilities {
            let what = match &request.capability {
                Capability::Http { hosts } => format!("http      {}", join(hosts)),
                Capability::Secrets { names } => format!("secrets   {}", names.join(", ")),
                Capability::Kv => "kv".to_string(),
                Capability::Catalog => "catalog".to_string(),
                Capability::DocsFiles => "docs-files".to_string(),
            };
            writeln!(f, "  {what}")?;
            writeln!(f, "            why: {}", request.reason)?;
        }

        let width = self
            .imports
            .iter()
            .map(|i| i.name.len())
            .chain(self.exports.iter().map(|e| e.name.len()))
            .max()
            .unwrap_or(0);
        writeln!(f, "\nImports:")?;
        if self.imports.is_empty() {
            writeln!(f, "  none")?;
        }
        for import in &self.imports {
            writeln!(f, "  {:<width$}  {}", import.name, import.need.describe())?;
        }
        writeln!(f, "\nExports:")?;
        if self.exports.is_empty() {
            writeln!(f, "  none")?;
        }
        for export in &self.exports {
            let what = match export.world {
                Some(w) => format!("world {w}"),
                None => "not an extension point".to_string(),
            };
            writeln!(f, "  {:<width$}  {what}", export.name)?;
        }

        if !self.issues.is_empty() {
            writeln!(f, "\nIssues:")?;
            for issue in &self.issues {
                let label = match issue.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                    Severity::Note => "note",
                };
                writeln!(f, "  {label}: {}", issue.message)?;
            }
        }
        Ok(())
    }
}
