//! Errors of plugin calls, always tagged with the plugin's id.

use std::fmt;

/// Why a plugin call failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CallErrorKind {
    /// No enabled plugin with that id, or it does not implement the export.
    NotAvailable,
    /// The component could not be instantiated (e.g. an import the host does not provide).
    Instantiate,
    /// The guest trapped (panic, unreachable, stack overflow...).
    Trap,
    /// The call ran past its wall-clock deadline.
    Deadline,
    /// The guest tried to grow its memory past its limit.
    Memory,
    /// The returned data was larger than allowed.
    Oversized,
    /// Too many calls of this plugin were already running.
    Busy,
    /// The plugin ran and returned an error of its own (`plugin-error`).
    Plugin,
}

impl CallErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CallErrorKind::NotAvailable => "not-available",
            CallErrorKind::Instantiate => "instantiate",
            CallErrorKind::Trap => "trap",
            CallErrorKind::Deadline => "deadline",
            CallErrorKind::Memory => "memory",
            CallErrorKind::Oversized => "oversized",
            CallErrorKind::Busy => "busy",
            CallErrorKind::Plugin => "plugin",
        }
    }
}

/// A failed plugin call.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CallError {
    pub plugin: String,
    pub kind: CallErrorKind,
    /// For [`CallErrorKind::Plugin`]: the plugin's own error kind (`not-found`, `denied`...).
    pub plugin_kind: Option<String>,
    pub message: String,
}

impl CallError {
    pub fn new(plugin: &str, kind: CallErrorKind, message: impl Into<String>) -> Self {
        CallError {
            plugin: plugin.to_string(),
            kind,
            plugin_kind: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.plugin_kind {
            Some(pk) => write!(
                f,
                "plugin {}: {} ({}): {}",
                self.plugin,
                self.kind.as_str(),
                pk,
                self.message
            ),
            None => write!(
                f,
                "plugin {}: {}: {}",
                self.plugin,
                self.kind.as_str(),
                self.message
            ),
        }
    }
}

impl std::error::Error for CallError {}
