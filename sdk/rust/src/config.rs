//! The plugin's own configuration, validated by the host against the JSON Schema in the
//! manifest's `[config] schema`, decoded here into the plugin's own type.

use serde::de::DeserializeOwned;

use crate::error::{PluginError, Result};

/// The configuration as JSON text (`{}` when none is set).
pub fn raw() -> String {
    super::host_imports::config::get()
}

/// The configuration decoded into `T`; use `#[serde(default)]` for optional settings. A
/// configuration that does not fit is `invalid-input`, naming the problem.
pub fn get<T: DeserializeOwned>() -> Result<T> {
    parse(&raw())
}

/// Decodes configuration JSON text (what [`get`] does with the host's text).
pub fn parse<T: DeserializeOwned>(json: &str) -> Result<T> {
    let json = if json.trim().is_empty() { "{}" } else { json };
    serde_json::from_str(json)
        .map_err(|e| PluginError::invalid_input(format!("plugin configuration: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    struct Config {
        url: String,
        #[serde(default)]
        token_secret: Option<String>,
    }

    #[test]
    fn parses_and_reports_problems() {
        let c: Config = parse(r#"{"url":"http://x"}"#).unwrap();
        assert_eq!(c.url, "http://x");
        assert!(c.token_secret.is_none());
        let e = parse::<Config>("").unwrap_err();
        assert_eq!(e.kind, crate::error::ErrorKind::InvalidInput);
        assert!(e.message.contains("missing field `url`"), "{}", e.message);
    }
}
