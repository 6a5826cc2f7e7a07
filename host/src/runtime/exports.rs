//! The typed entry points into plugins, one per export of the contract.
//!
//! [`ExportSet`] records which extension points a component implements (found once, when it
//! is prepared); the `Runtime` methods below run one call each through [`Runtime::call`].

use super::Runtime;
use super::adapt_v0_1_0::{self, IntoLatest};
use super::bindings::latest::{
    Entity, ErrorKind, PluginError, actions, checks, docs, provider, views,
};
use super::bindings::{WitVersion, v0_1_0};
use super::call::CallContext;
use super::error::{CallError, CallErrorKind};
use super::limits::CallKind;
use super::state::PluginState;
use wasmtime::component::InstancePre;

/// The indices of one export, in the contract version the component was built against.
#[derive(Clone)]
pub enum ByVersion<Old, Latest> {
    V0_1_0(Old),
    V0_2_0(Latest),
}

impl<Old, Latest> ByVersion<Old, Latest> {
    /// The version these indices belong to.
    pub fn version(&self) -> WitVersion {
        match self {
            ByVersion::V0_1_0(_) => WitVersion::V0_1_0,
            ByVersion::V0_2_0(_) => WitVersion::V0_2_0,
        }
    }
}

type Indices<Old, Latest> = Option<ByVersion<Old, Latest>>;

/// Which extension points a component exports, and in which contract version.
#[derive(Clone)]
pub struct ExportSet {
    pub version: WitVersion,
    pub views: Indices<v0_1_0::views::GuestIndices, views::GuestIndices>,
    pub provider: Indices<v0_1_0::provider::GuestIndices, provider::GuestIndices>,
    pub actions: Indices<v0_1_0::actions::GuestIndices, actions::GuestIndices>,
    pub docs: Indices<v0_1_0::docs::GuestIndices, docs::GuestIndices>,
    pub checks: Indices<v0_1_0::checks::GuestIndices, checks::GuestIndices>,
}

impl ExportSet {
    /// The exports of a component built against `version` (interfaces of another version
    /// are not looked for: `Runtime::prepare` refuses components that mix versions).
    pub(crate) fn find(pre: &InstancePre<PluginState>, version: WitVersion) -> Self {
        macro_rules! find {
            ($iface:ident) => {
                match version {
                    WitVersion::V0_1_0 => v0_1_0::$iface::GuestIndices::new(pre)
                        .ok()
                        .map(ByVersion::V0_1_0),
                    WitVersion::V0_2_0 => {
                        $iface::GuestIndices::new(pre).ok().map(ByVersion::V0_2_0)
                    }
                }
            };
        }
        ExportSet {
            version,
            views: find!(views),
            provider: find!(provider),
            actions: find!(actions),
            docs: find!(docs),
            checks: find!(checks),
        }
    }

    /// Whether the component's provider answers `read-raw` (0.2.0 and later).
    pub fn reads_raw(&self) -> bool {
        matches!(self.provider, Some(ByVersion::V0_2_0(_)))
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

/// One call of an export function: select the interface's indices, load the typed guest of
/// the component's version, call the function, and bring a 0.1.0 result to the newest types.
/// `old_args` are the arguments as 0.1.0 takes them, when they differ.
macro_rules! versioned_call {
    (
        $self:ident, $plugin_id:ident, $ctx:ident, $kind:expr, $export:literal, $iface:ident,
        $call:ident($($pass:expr),*) $(, old_args = ($($old:expr),*))?
    ) => {
        $self.call($plugin_id, $ctx, $kind, $export, |p| p.exports.$iface.clone(), move |mut store, instance, indices| async move {
            let result = match indices {
                ByVersion::V0_1_0(indices) => match indices.load(&mut store, &instance) {
                    Ok(guest) => versioned_call!(@old guest, store, $call, ($($pass),*) $(, ($($old),*))?)
                        .await
                        .map(IntoLatest::into_latest),
                    Err(err) => Err(err),
                },
                ByVersion::V0_2_0(indices) => match indices.load(&mut store, &instance) {
                    Ok(guest) => guest.$call(&mut store, $($pass),*).await,
                    Err(err) => Err(err),
                },
            };
            (store, result)
        })
    };
    (@old $guest:ident, $store:ident, $call:ident, ($($pass:expr),*)) => {
        $guest.$call(&mut $store, $($pass),*)
    };
    (@old $guest:ident, $store:ident, $call:ident, ($($pass:expr),*), ($($old:expr),*)) => {
        $guest.$call(&mut $store, $($old),*)
    };
}

/// Generates one `Runtime` method per export function (see [`versioned_call!`]).
macro_rules! export_call {
    (
        $(#[$doc:meta])*
        $method:ident($($arg:ident: $ty:ty),*) -> $ret:ty,
        iface = $iface:ident, kind = $kind:expr, export = $export:literal,
        call = $call:ident($($pass:expr),*)
        $(, old_args = ($($old:expr),*))?
    ) => {
        $(#[$doc])*
        pub async fn $method(&self, plugin_id: &str, ctx: &CallContext, $($arg: $ty),*) -> Result<$ret, CallError> {
            versioned_call!(self, plugin_id, ctx, $kind, $export, $iface, $call($($pass),*) $(, old_args = ($($old),*))?).await
        }
    };
}

/// [`export_call!`] for functions that return `result<_, plugin-error>`: the plugin's own
/// error becomes a [`CallError`] of kind `plugin`.
macro_rules! fallible_export_call {
    (
        $(#[$doc:meta])*
        $method:ident($($arg:ident: $ty:ty),*) -> $ret:ty,
        iface = $iface:ident, kind = $kind:expr, export = $export:literal,
        call = $call:ident($($pass:expr),*)
        $(, old_args = ($($old:expr),*))?
    ) => {
        $(#[$doc])*
        pub async fn $method(&self, plugin_id: &str, ctx: &CallContext, $($arg: $ty),*) -> Result<$ret, CallError> {
            let result: Result<$ret, PluginError> = versioned_call!(self, plugin_id, ctx, $kind, $export, $iface, $call($($pass),*) $(, old_args = ($($old),*))?).await?;
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
        render_view(view_id: String, entity: Entity, params: Vec<(String, String)>) -> super::bindings::latest::view_types::View,
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

    /// The raw content of one target through a provider (`read-raw`, 0.2.0 and later), at
    /// most `max_bytes` of it. A provider built against 0.1.0 has no `read-raw`: the call
    /// fails as `not-available`, saying so.
    pub async fn read_raw(
        &self,
        plugin_id: &str,
        ctx: &CallContext,
        location_type: String,
        target: String,
        max_bytes: u64,
    ) -> Result<Vec<u8>, CallError> {
        let select = |p: &super::LoadedPlugin| match &p.exports.provider {
            Some(ByVersion::V0_2_0(indices)) => Some(indices.clone()),
            _ => None,
        };
        if let Some(plugin) = self.get(plugin_id)
            && !plugin.exports.reads_raw()
        {
            return Err(CallError::new(
                plugin_id,
                CallErrorKind::NotAvailable,
                format!(
                    "the plugin is built against portico:plugin@{}, which has no `read-raw` \
                     (reading single targets needs 0.2.0 or later); upgrade the plugin",
                    plugin.exports.version
                ),
            ));
        }
        let read = self
            .call(
                plugin_id,
                ctx,
                CallKind::Provider,
                "read-raw",
                select,
                move |mut store, instance, indices| async move {
                    let result = match indices.load(&mut store, &instance) {
                        Ok(guest) => guest
                            .call_read_raw(&mut store, &location_type, &target, max_bytes)
                            .await
                            .map(RawRead),
                        Err(err) => Err(err),
                    };
                    (store, result)
                },
            )
            .await?;
        let bytes = plugin_result(plugin_id, read.0)?;
        if bytes.len() as u64 > max_bytes {
            return Err(CallError::new(
                plugin_id,
                CallErrorKind::Oversized,
                format!(
                    "read-raw returned {} bytes, more than the {max_bytes} bytes asked for",
                    bytes.len()
                ),
            ));
        }
        Ok(bytes)
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
        call = call_run(&action_id, &input_json, &run),
        old_args = (&action_id, &input_json, &adapt_v0_1_0::run_context(&run))
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

/// The answer of `read-raw`. Its size against `max_result_bytes` is counted as the content
/// would be sent as JSON text (placeholders are text), not as a JSON array of numbers, which
/// would count each byte three or four times.
struct RawRead(Result<Vec<u8>, PluginError>);

impl serde::Serialize for RawRead {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Ok(bytes) => serializer.serialize_str(&String::from_utf8_lossy(bytes)),
            Err(err) => err.serialize(serializer),
        }
    }
}
