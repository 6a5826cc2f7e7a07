//! Files from GitHub's contents API: the request URL for a file at a branch, and its text
//! (GitHub sends files up to 1 MB base64-encoded).

use base64::Engine;
use portico_sdk::http::encode_component;

use crate::catalog_file::FileLocation;
use crate::github::Client;
use crate::model::Content;

/// `…/repos/{owner}/{repo}/contents/{path}?ref={branch}`.
pub fn url(client: &Client, at: &FileLocation) -> String {
    let path: Vec<String> = at.path.split('/').map(encode_component).collect();
    client.url(&format!(
        "/repos/{}/contents/{}?ref={}",
        at.slug,
        path.join("/"),
        encode_component(&at.branch)
    ))
}

/// The text of a file from the contents API; `what` names it in errors.
pub fn text(content: &Content, what: &str) -> Result<String, String> {
    if content.type_ != "file" {
        return Err(format!("{what} is a {}, not a file", content.type_));
    }
    match content.encoding.as_deref() {
        Some("base64") => {
            let packed: String = content
                .content
                .as_deref()
                .unwrap_or_default()
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(packed)
                .map_err(|e| format!("GitHub sent {what} in base64 that does not decode: {e}"))?;
            String::from_utf8(bytes).map_err(|_| format!("{what} is not UTF-8 text"))
        }
        _ => Err(format!(
            "{what} is {} bytes, more than the 1 MB GitHub's contents API returns; split it",
            content.size
        )),
    }
}
