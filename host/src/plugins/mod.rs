//! Installed plugins: the registry that persists them and the manager that installs,
//! upgrades, rolls back, enables, disables and removes them while the server runs.

pub mod bundled;
pub mod manager;
pub mod registry;

pub use manager::{InstallOptions, InstallReport, PluginManager, PluginPolicy};
pub use registry::{InstalledPlugin, PluginRegistry, PluginVersion};
