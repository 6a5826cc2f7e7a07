//! First-party plugins built into the binary, installed at startup when absent.

use super::manager::{GrantChoice, InstallOptions, PluginManager};
use crate::config::PluginSettings;
use std::collections::BTreeMap;

/// Installs each bundled plugin that is not installed yet (set `install_bundled: false` to
/// keep a removed bundled plugin removed). Grants come from `plugins.settings.<id>.grants`,
/// defaulting to everything the plugin requests except HTTP to any host (`*`): the admin
/// names the hosts.
pub fn install_missing(
    manager: &PluginManager,
    settings: &BTreeMap<String, PluginSettings>,
) -> Vec<String> {
    let mut installed = Vec::new();
    for plugin in portico_bundled_plugins::BUNDLED {
        match manager.get(plugin.id) {
            Ok(Some(_)) => continue,
            Ok(None) => {}
            Err(err) => {
                tracing::error!(plugin = plugin.id, error = %format!("{err:#}"), "cannot read the plugin registry");
                continue;
            }
        }
        let grants = match settings.get(plugin.id).and_then(|s| s.grants.clone()) {
            Some(specs) => GrantChoice::Specs(specs),
            None => GrantChoice::RequestedWithoutWildcardHosts,
        };
        let options = InstallOptions {
            expected_sha256: None,
            grants,
        };
        match manager.install(plugin.bytes, &options) {
            Ok(report) => installed.push(format!("{} {}", report.id, report.version)),
            Err(err) => {
                tracing::error!(plugin = plugin.id, error = %format!("{err:#}"), "cannot install a bundled plugin")
            }
        }
    }
    installed
}
