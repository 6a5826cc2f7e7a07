//! The `secrets` import: a secret by name, only for names the admin granted.

use super::denied;
use crate::runtime::bindings::latest::portico::plugin::secrets::Host;
use crate::runtime::bindings::latest::{ErrorKind, PluginError};
use crate::runtime::state::PluginState;

impl Host for PluginState {
    fn get(&mut self, name: String) -> Result<String, PluginError> {
        if !self.identity.grants.secrets.contains(&name) {
            self.deny("secrets", &format!("secret {name:?}"));
            return Err(denied(
                "secrets",
                format!("the secret {name:?} was not granted to this plugin"),
            ));
        }
        match self.services.secrets.get(&self.identity.org, &name) {
            Some(value) => Ok(value.expose().to_string()),
            None => Err(PluginError {
                kind: ErrorKind::NotFound,
                message: format!(
                    "the secret {name:?} is granted but has no value; set it in the secrets file or as {}",
                    crate::secrets::env_var_name(&name)
                ),
            }),
        }
    }
}
