//! The `config` import: the plugin's own configuration (validated against its schema at
//! install and at startup, so the plugin can trust its shape).

use crate::runtime::bindings::latest::portico::plugin::config::Host;
use crate::runtime::state::PluginState;

impl Host for PluginState {
    fn get(&mut self) -> String {
        self.identity.config_json.clone()
    }
}
