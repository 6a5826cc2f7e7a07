//! The `task-log` import: lines an action writes to its task's log. Outside an action call
//! there is no task, and lines go to the host log instead.

use crate::runtime::bindings::latest::portico::plugin::task_log::Host;
use crate::runtime::state::PluginState;

/// Longer lines are cut.
const MAX_LINE_BYTES: usize = 8192;
/// Lines one action call may write.
const MAX_LINES: usize = 100_000;

impl Host for PluginState {
    fn write(&mut self, line: String) {
        let mut line = line;
        if line.len() > MAX_LINE_BYTES {
            let mut cut = MAX_LINE_BYTES;
            while !line.is_char_boundary(cut) {
                cut -= 1;
            }
            line.truncate(cut);
        }
        match &self.task_log {
            Some(log) if log.lines().len() < MAX_LINES => log.push(line),
            Some(_) => {}
            None => {
                tracing::info!(target: "plugin", plugin = self.plugin_id(), "task-log outside a task: {line}")
            }
        }
    }
}
