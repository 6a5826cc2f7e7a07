//! Errors a plugin returns: the contract's `plugin-error`, with constructors per kind.
//!
//! Every SDK helper fails with [`PluginError`], already classified (an HTTP 429 is
//! `rate-limited`, a missing grant is `denied`), so `?` is usually all a plugin needs.

pub use crate::bindings::portico::plugin::types::{ErrorKind, PluginError};

/// `Result` with the contract's error type.
pub type Result<T, E = PluginError> = core::result::Result<T, E>;

impl PluginError {
    /// An error of `kind` with `message` (shown to users: make it say what to do).
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        PluginError {
            kind,
            message: message.into(),
        }
    }

    /// The input (entity, parameters, configuration) is not acceptable.
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message)
    }

    /// Something the plugin looked for does not exist.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }

    /// A capability or a remote service refused access.
    pub fn denied(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Denied, message)
    }

    /// A remote service is down or answered with a server error.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unavailable, message)
    }

    /// A remote service asked to slow down; say when to retry in the message.
    pub fn rate_limited(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::RateLimited, message)
    }

    /// The plugin gave up waiting.
    pub fn timeout(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Timeout, message)
    }

    /// A bug or an unexpected state inside the plugin.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }

    /// The same error with `context: ` put in front of its message.
    pub fn context(mut self, context: impl core::fmt::Display) -> Self {
        self.message = format!("{context}: {}", self.message);
        self
    }
}

impl ErrorKind {
    /// The kind's name as the WIT spells it (`rate-limited`).
    pub fn as_str(&self) -> &'static str {
        match self {
            ErrorKind::InvalidInput => "invalid-input",
            ErrorKind::NotFound => "not-found",
            ErrorKind::Denied => "denied",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::RateLimited => "rate-limited",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Internal => "internal",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constructors_set_kind_and_context_prefixes() {
        let e = PluginError::not_found("no such repo").context("github");
        assert_eq!(e.kind, ErrorKind::NotFound);
        assert_eq!(e.message, "github: no such repo");
        assert_eq!(PluginError::rate_limited("x").kind.as_str(), "rate-limited");
    }
}
