//! The traits and types of the extension points other than views (see [`crate::view`]).

/// `check`: scorecard checks. Implement [`Checks`](check::Checks), export with
/// [`export_check!`](crate::export_check).
pub mod check {
    pub use crate::worlds::check::exports::portico::plugin::checks::{
        CheckInfo, CheckResult, Guest as Checks, Outcome,
    };

    impl CheckInfo {
        pub fn new(
            id: impl Into<String>,
            title: impl Into<String>,
            description: impl Into<String>,
        ) -> Self {
            CheckInfo {
                id: id.into(),
                title: title.into(),
                description: description.into(),
            }
        }
    }

    impl CheckResult {
        pub fn new(
            check_id: impl Into<String>,
            outcome: Outcome,
            message: impl Into<String>,
        ) -> Self {
            CheckResult {
                check_id: check_id.into(),
                outcome,
                message: message.into(),
                url: None,
            }
        }
        pub fn pass(check_id: impl Into<String>, message: impl Into<String>) -> Self {
            Self::new(check_id, Outcome::Pass, message)
        }
        pub fn warn(check_id: impl Into<String>, message: impl Into<String>) -> Self {
            Self::new(check_id, Outcome::Warn, message)
        }
        pub fn fail(check_id: impl Into<String>, message: impl Into<String>) -> Self {
            Self::new(check_id, Outcome::Fail, message)
        }
        pub fn not_applicable(check_id: impl Into<String>, message: impl Into<String>) -> Self {
            Self::new(check_id, Outcome::NotApplicable, message)
        }
        /// Where to read more or fix it.
        pub fn with_url(mut self, url: impl Into<String>) -> Self {
            self.url = Some(url.into());
            self
        }
    }
}

/// `entity-provider`: catalog sources. Implement [`Provider`](provider::Provider), export
/// with [`export_entity_provider!`](crate::export_entity_provider).
pub mod provider {
    use crate::Result;
    use crate::worlds::entity_provider::exports::portico::plugin::provider::Guest;
    pub use crate::worlds::entity_provider::exports::portico::plugin::provider::{
        DiscoveredEntity, Discovery, DiscoveryError,
    };

    /// The `provider` interface (see `wit/v0.2.0/exports.wit`), with a default
    /// [`read_raw`](Provider::read_raw) for providers that list no location types.
    pub trait Provider {
        /// Location types this provider reads for the catalog (e.g. `url`); empty when it
        /// only discovers on its own schedule.
        fn location_types() -> Vec<String>;

        /// Reads one registered location of a type listed by `location_types`.
        fn read_location(location_type: String, target: String) -> Result<Discovery>;

        /// A full discovery run.
        fn discover() -> Result<Discovery>;

        /// The raw content of one target of a listed location type, at most `max_bytes` of
        /// it (stop reading past it); a missing target fails with `not-found`. A provider
        /// that lists location types should implement it: the default refuses.
        fn read_raw(location_type: String, target: String, max_bytes: u64) -> Result<Vec<u8>> {
            let _ = max_bytes;
            Err(crate::PluginError::invalid_input(format!(
                "this provider cannot read single targets (asked for {location_type} {target})"
            )))
        }
    }

    impl<T: Provider> Guest for T {
        fn location_types() -> Vec<String> {
            <T as Provider>::location_types()
        }
        fn read_location(location_type: String, target: String) -> Result<Discovery> {
            <T as Provider>::read_location(location_type, target)
        }
        fn read_raw(location_type: String, target: String, max_bytes: u64) -> Result<Vec<u8>> {
            <T as Provider>::read_raw(location_type, target, max_bytes)
        }
        fn discover() -> Result<Discovery> {
            <T as Provider>::discover()
        }
    }
}

/// `action`: self-service action steps. Implement [`Actions`](action::Actions), export with
/// [`export_action!`](crate::export_action).
pub mod action {
    pub use crate::worlds::action::exports::portico::plugin::actions::{
        ActionInfo, Guest as Actions, RunContext,
    };

    /// Writes a line to the log of the task the action runs in (the user sees it live).
    pub fn task_log(line: impl AsRef<str>) {
        crate::worlds::action::portico::plugin::task_log::write(line.as_ref())
    }
}

/// `docs-renderer`: documentation pages. Implement [`Docs`](docs::Docs), export with
/// [`export_docs_renderer!`](crate::export_docs_renderer).
pub mod docs {
    pub use crate::worlds::docs_renderer::exports::portico::plugin::docs::{
        Guest as Docs, Heading, NavItem, Page,
    };
}
