//! The `log` import: plugin log lines into the host's structured log.

use crate::runtime::bindings::latest::portico::plugin::log::{Host, Level};
use crate::runtime::state::PluginState;

/// Lines one call may log; the rest are dropped (with one warning) so a plugin cannot flood
/// the host's log.
pub const MAX_LINES_PER_CALL: u32 = 1000;
/// Longer messages are cut.
pub const MAX_LINE_BYTES: usize = 4096;

impl Host for PluginState {
    fn log(&mut self, level: Level, message: String) {
        self.log_lines += 1;
        if self.log_lines > MAX_LINES_PER_CALL {
            if self.log_lines == MAX_LINES_PER_CALL + 1 {
                tracing::warn!(
                    plugin = self.plugin_id(),
                    "plugin log flood: further lines of this call dropped"
                );
            }
            return;
        }
        let mut message = message;
        if message.len() > MAX_LINE_BYTES {
            let mut cut = MAX_LINE_BYTES;
            while !message.is_char_boundary(cut) {
                cut -= 1;
            }
            message.truncate(cut);
            message.push('…');
        }
        let plugin = self.identity.plugin_id.as_str();
        let org = self.identity.org.as_str();
        match level {
            Level::Trace => tracing::trace!(target: "plugin", plugin, org, "{message}"),
            Level::Debug => tracing::debug!(target: "plugin", plugin, org, "{message}"),
            Level::Info => tracing::info!(target: "plugin", plugin, org, "{message}"),
            Level::Warn => tracing::warn!(target: "plugin", plugin, org, "{message}"),
            Level::Error => tracing::error!(target: "plugin", plugin, org, "{message}"),
        }
    }
}
