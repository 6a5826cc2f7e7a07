//! The typed entry points into plugins, one per export of the contract.
//!
//! [`ExportSet`] records which extension points a component implements (found once, when it
//! is prepared); the `Runtime` methods below run one call each through [`Runtime::call`].

use super::Runtime;
use super::bindings::v0_1_0::{
    Entity, ErrorKind, PluginError, actions, checks, docs, provider, views,
};
use super::call::CallContext;
use super::error::{CallError, CallErrorKind};
use super::limits::CallKind;
use super::state::PluginState;
use wasmtime::component::InstancePre;

/// Which extension points a component exports.
#[derive(Clone)]
pub struct ExportSet {
    pub views: Option<views::GuestIndices>,
    pub provider: Option<provider::GuestIndices>,
    pub actions: Option<actions::GuestIndices>,
    pub docs: Option<docs::GuestIndices>,
    pub checks: Option<checks::GuestIndices>,
}

impl ExportSet {
    pub(crate) fn find(pre: &InstancePre<PluginState>) -> Self {
        ExportSet {
            views: views::GuestIndices::new(pre).ok(),
            provider: provider::GuestIndices::new(pre).ok(),
            actions: actions::GuestIndices::new(pre).ok(),
            docs: docs::GuestIndices::new(pre).ok(),
            checks: checks::GuestIndices::new(pre).ok(),
        }
    }

    /// The world names of the exports present, as manifests spell them.
    pub fn worlds(&self) -> Vec<&'static str> {
        let mut worlds = Vec::new();
        if self.provider.is_some() {
            worlds.push("entity-provider");
        }
        if self.views.is_some() {
            worlds.push("entity-view");
        }
        if self.actions.is_some() {
            worlds.push("action");
        }
        if self.docs.is_some() {
            worlds.push("docs-renderer");
        }
        if self.checks.is_some() {
            worlds.push("check");
        }
        worlds
    }
}

/// The WIT name of an error kind (`invalid-input`...).
pub fn error_kind_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidInput => "invalid-input",
        ErrorKind::NotFound => "not-found",
        ErrorKind::Denied => "denied",
        ErrorKind::Unavailable => "unavailable",
        ErrorKind::RateLimited => "rate-limited",
        ErrorKind::Timeout => "timeout",
        ErrorKind::Internal => "internal",
    }
}

/// Turns a plugin's own `plugin-error` into a [`CallError`].
fn plugin_result<T>(plugin: &str, result: Result<T, PluginError>) -> Result<T, CallError> {
    result.map_err(|err| CallError {
        plugin: plugin.to_string(),
        kind: CallErrorKind::Plugin,
        plugin_kind: Some(error_kind_name(err.kind).to_string()),
        message: err.message,
    })
}

/// Generates one `Runtime` method per export function: select the interface's indices, load
/// the typed guest, call the function.
macro_rules! export_call {
    (
        $(#[$doc:meta])*
        $method:ident($($arg:ident: $ty:ty),*) -> $ret:ty,
        iface = $iface:ident, kind = $kind:expr, export = $export:literal,
        call = $call:ident($($pass:expr),*)
    ) => {
        $(#[$doc])*
        pub async fn $method(&self, plugin_id: &str, ctx: &CallContext, $($arg: $ty),*) -> Result<$ret, CallError> {
            self.call(plugin_id, ctx, $kind, $export, |p| p.exports.$iface.clone(), move |mut store, instance, indices| async move {
                let result = match indices.load(&mut store, &instance) {
                    Ok(guest) => guest.$call(&mut store, $($pass),*).await,
                    Err(err) => Err(err),
                };
                (store, result)
            })
            .await
        }
    };
}

macro_rules! fallible_export_call {
    (
        $(#[$doc:meta])*
        $method:ident($($arg:ident: $ty:ty),*) -> $ret:ty,
        iface = $iface:ident, kind = $kind:expr, export = $export:literal,
        call = $call:ident($($pass:expr),*)
    ) => {
        $(#[$doc])*
        pub async fn $method(&self, plugin_id: &str, ctx: &CallContext, $($arg: $ty),*) -> Result<$ret, CallError> {
            let result = self.call(plugin_id, ctx, $kind, $export, |p| p.exports.$iface.clone(), move |mut store, instance, indices| async move {
                let result = match indices.load(&mut store, &instance) {
                    Ok(guest) => guest.$call(&mut store, $($pass),*).await,
                    Err(err) => Err(err),
                };
                (store, result)
            })
            .await?;
            plugin_result(plugin_id, result)
        }
    };
}

impl Runtime {
    export_call! {
        /// The views `plugin_id` offers for `entity` (tabs and cards).
        views_for(entity: Entity) -> Vec<views::ViewInfo>,
        iface = views, kind = CallKind::View, export = "views-for",
        call = call_views_for(&entity)
    }

    fallible_export_call! {
        /// Renders one view of `entity`.
        render_view(view_id: String, entity: Entity, params: Vec<(String, String)>) -> super::bindings::v0_1_0::view_types::View,
        iface = views, kind = CallKind::View, export = "render",
        call = call_render(&view_id, &entity, &params)
    }

    export_call! {
        /// Location types the provider reads (e.g. `url`).
        location_types() -> Vec<String>,
        iface = provider, kind = CallKind::Provider, export = "location-types",
        call = call_location_types()
    }

    fallible_export_call! {
        /// Reads one location through a provider.
        read_location(location_type: String, target: String) -> provider::Discovery,
        iface = provider, kind = CallKind::Provider, export = "read-location",
        call = call_read_location(&location_type, &target)
    }

    fallible_export_call! {
        /// A full discovery run of a provider.
        discover() -> provider::Discovery,
        iface = provider, kind = CallKind::Provider, export = "discover",
        call = call_discover()
    }

    export_call! {
        /// The actions a plugin offers.
        list_actions() -> Vec<actions::ActionInfo>,
        iface = actions, kind = CallKind::Action, export = "list-actions",
        call = call_list_actions()
    }

    fallible_export_call! {
        /// Runs one action; `ctx.task` provides the workspace and log.
        run_action(action_id: String, input_json: String, run: actions::RunContext) -> String,
        iface = actions, kind = CallKind::Action, export = "run",
        call = call_run(&action_id, &input_json, &run)
    }

    export_call! {
        /// Whether the docs plugin can render docs for `entity`.
        has_docs(entity: Entity) -> bool,
        iface = docs, kind = CallKind::Docs, export = "has-docs",
        call = call_has_docs(&entity)
    }

    fallible_export_call! {
        /// Renders one docs page (`path` empty: the index).
        render_docs_page(entity: Entity, path: String) -> docs::Page,
        iface = docs, kind = CallKind::Docs, export = "render-page",
        call = call_render_page(&entity, &path)
    }

    export_call! {
        /// The checks a plugin evaluates.
        list_checks() -> Vec<checks::CheckInfo>,
        iface = checks, kind = CallKind::Check, export = "list-checks",
        call = call_list_checks()
    }

    fallible_export_call! {
        /// Evaluates every check of the plugin against `entity`.
        evaluate_checks(entity: Entity) -> Vec<checks::CheckResult>,
        iface = checks, kind = CallKind::Check, export = "evaluate",
        call = call_evaluate(&entity)
    }
}
