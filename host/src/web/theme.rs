//! The organization's theme from `portal:` in portico.yaml: name, logo, colours and home
//! links, plus the `/theme.css` stylesheet that carries the colours as CSS variables (a
//! stylesheet, because the Content-Security-Policy allows no inline style).

use crate::config::PortalConfig;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct Theme {
    pub name: String,
    pub logo: Option<String>,
    pub links: Vec<ThemeLink>,
    #[serde(skip)]
    pub css: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ThemeLink {
    pub title: String,
    pub url: String,
    pub description: Option<String>,
    pub external: bool,
}

impl Theme {
    /// Values were validated when the config was read (see `Config::validate_portal`).
    pub fn from_config(config: &PortalConfig) -> Theme {
        let links = config
            .links
            .iter()
            .filter_map(|link| {
                let url = super::urls::safe_href(&link.url)?;
                Some(ThemeLink {
                    title: link.title.clone(),
                    url: url.to_string(),
                    description: link.description.clone(),
                    external: super::urls::is_external(url),
                })
            })
            .collect();
        Theme {
            name: config.name.clone(),
            logo: config.logo.clone(),
            links,
            css: stylesheet(&config.colors, &config.dark_colors),
        }
    }
}

fn declarations(colors: &BTreeMap<String, String>) -> String {
    colors
        .iter()
        .map(|(name, value)| format!("  --{name}: {value};\n"))
        .collect()
}

/// Light values on `:root`; dark values when the reader's system prefers dark (unless they
/// chose light with the toggle) or when they chose dark.
fn stylesheet(light: &BTreeMap<String, String>, dark: &BTreeMap<String, String>) -> String {
    let mut css = String::from("/* The organization's theme (portal.colors in portico.yaml). */\n");
    if !light.is_empty() {
        css.push_str(&format!(":root {{\n{}}}\n", declarations(light)));
    }
    if !dark.is_empty() {
        let body = declarations(dark);
        css.push_str(&format!(
            "@media (prefers-color-scheme: dark) {{\n:root:not([data-theme=\"light\"]) {{\n{body}}}\n}}\n:root[data-theme=\"dark\"] {{\n{body}}}\n"
        ));
    }
    css
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_become_variables_for_both_schemes() {
        let config = PortalConfig {
            colors: [("accent".to_string(), "#7c3aed".to_string())].into(),
            dark_colors: [("accent".to_string(), "#a78bfa".to_string())].into(),
            ..PortalConfig::default()
        };
        let theme = Theme::from_config(&config);
        assert!(
            theme.css.contains(":root {\n  --accent: #7c3aed;"),
            "{}",
            theme.css
        );
        assert!(
            theme
                .css
                .contains("[data-theme=\"dark\"] {\n  --accent: #a78bfa;")
        );
    }
}
