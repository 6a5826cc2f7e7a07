//! Resource limits for plugin calls: defaults from config, overridable per plugin.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Which export a call goes to. Each kind has its own default deadline: a UI view must answer
/// well under a second, a catalog discovery or a self-service action may take minutes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CallKind {
    /// `views.views-for` and `views.render`.
    View,
    /// `provider.*`.
    Provider,
    /// `actions.*`.
    Action,
    /// `docs.*`.
    Docs,
    /// `checks.*`.
    Check,
}

impl CallKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CallKind::View => "view",
            CallKind::Provider => "provider",
            CallKind::Action => "action",
            CallKind::Docs => "docs",
            CallKind::Check => "check",
        }
    }
}

/// Deadlines per call kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Deadlines {
    #[serde(with = "humantime_serde")]
    pub view: Duration,
    #[serde(with = "humantime_serde")]
    pub provider: Duration,
    #[serde(with = "humantime_serde")]
    pub action: Duration,
    #[serde(with = "humantime_serde")]
    pub docs: Duration,
    #[serde(with = "humantime_serde")]
    pub check: Duration,
}

impl Default for Deadlines {
    fn default() -> Self {
        Deadlines {
            view: Duration::from_millis(500),
            provider: Duration::from_secs(60),
            action: Duration::from_secs(600),
            docs: Duration::from_secs(5),
            check: Duration::from_secs(2),
        }
    }
}

impl Deadlines {
    pub fn for_kind(&self, kind: CallKind) -> Duration {
        match kind {
            CallKind::View => self.view,
            CallKind::Provider => self.provider,
            CallKind::Action => self.action,
            CallKind::Docs => self.docs,
            CallKind::Check => self.check,
        }
    }
}

/// The limits one plugin runs under.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Linear memory per instance, in bytes.
    pub memory_bytes: u64,
    pub deadlines: Deadlines,
    /// Calls of this plugin running at once; further calls wait until the deadline, then fail
    /// as `busy`.
    pub max_concurrent_calls: u32,
    /// Size of the data a call may return (JSON-encoded size of the result).
    pub max_result_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: 64 * 1024 * 1024,
            deadlines: Deadlines::default(),
            max_concurrent_calls: 16,
            max_result_bytes: 4 * 1024 * 1024,
        }
    }
}

/// A partial [`Limits`] from a plugin's override in config: unset fields keep the default.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsOverride {
    pub memory_bytes: Option<u64>,
    #[serde(with = "humantime_serde::option")]
    pub view_deadline: Option<Duration>,
    #[serde(with = "humantime_serde::option")]
    pub provider_deadline: Option<Duration>,
    #[serde(with = "humantime_serde::option")]
    pub action_deadline: Option<Duration>,
    #[serde(with = "humantime_serde::option")]
    pub docs_deadline: Option<Duration>,
    #[serde(with = "humantime_serde::option")]
    pub check_deadline: Option<Duration>,
    pub max_concurrent_calls: Option<u32>,
    pub max_result_bytes: Option<u64>,
}

impl Limits {
    /// These limits with a plugin's overrides applied.
    pub fn with_override(&self, o: &LimitsOverride) -> Limits {
        let d = &self.deadlines;
        Limits {
            memory_bytes: o.memory_bytes.unwrap_or(self.memory_bytes),
            deadlines: Deadlines {
                view: o.view_deadline.unwrap_or(d.view),
                provider: o.provider_deadline.unwrap_or(d.provider),
                action: o.action_deadline.unwrap_or(d.action),
                docs: o.docs_deadline.unwrap_or(d.docs),
                check: o.check_deadline.unwrap_or(d.check),
            },
            max_concurrent_calls: o.max_concurrent_calls.unwrap_or(self.max_concurrent_calls),
            max_result_bytes: o.max_result_bytes.unwrap_or(self.max_result_bytes),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_replace_only_what_they_set() {
        let base = Limits::default();
        let o: LimitsOverride =
            serde_yaml::from_str("memory_bytes: 1048576\nview_deadline: 50ms\n").unwrap();
        let merged = base.with_override(&o);
        assert_eq!(merged.memory_bytes, 1 << 20);
        assert_eq!(merged.deadlines.view, Duration::from_millis(50));
        assert_eq!(merged.deadlines.provider, base.deadlines.provider);
        assert_eq!(merged.max_concurrent_calls, base.max_concurrent_calls);
    }

    #[test]
    fn unknown_override_keys_are_rejected() {
        let err = serde_yaml::from_str::<LimitsOverride>("memory: 5\n").unwrap_err();
        assert!(err.to_string().contains("unknown field `memory`"), "{err}");
    }
}
