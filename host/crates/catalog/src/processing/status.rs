//! Processing errors in Backstage's `status.items` shape (`performStitching`): each is
//! `{type: "backstage.io/catalog-processing", level: "error", message: "<Name>: <msg>", error}`.

use serde_json::{Value, json};

use crate::location::walk::{WalkError, WalkErrorKind};
use crate::validation::ValidationError;

/// `ENTITY_STATUS_CATALOG_PROCESSING_TYPE` of `@backstage/catalog-client`.
pub const CATALOG_PROCESSING_TYPE: &str = "backstage.io/catalog-processing";

/// One `status.items` entry for an error called `name` (e.g. `InputError`).
pub fn item(name: &str, message: &str, cause: Option<Value>) -> Value {
    let mut error = json!({"name": name, "message": message});
    if let Some(cause) = cause {
        error["cause"] = cause;
    }
    json!({
        "type": CATALOG_PROCESSING_TYPE,
        "level": "error",
        "message": format!("{name}: {message}"),
        "error": error,
    })
}

/// The item for a failed walk step, named as Backstage's processing results name them.
pub fn walk_item(error: &WalkError) -> Value {
    match error.kind {
        WalkErrorKind::NotFound => item("NotFoundError", &error.message, None),
        WalkErrorKind::Envelope | WalkErrorKind::Location => {
            item("InputError", &error.message, None)
        }
        WalkErrorKind::Placeholder => item(
            "InputError",
            &format!(
                "Processor PlaceholderProcessor threw an error while preprocessing; caused by Error: {}",
                error.message
            ),
            Some(json!({"name": "Error", "message": error.message})),
        ),
        _ => item("Error", &error.message, None),
    }
}

/// The item for failed validation (Backstage's `Policy check failed for <ref>`).
pub fn validation_item(entity_ref: &str, errors: &[ValidationError]) -> Value {
    let first = errors
        .first()
        .map_or("invalid entity", |e| e.message.as_str());
    item(
        "InputError",
        &format!("Policy check failed for {entity_ref}; caused by TypeError: {first}"),
        Some(json!({
            "name": "TypeError",
            "message": first,
            "errors": errors.iter().map(|e| json!({"field": e.field, "message": e.message})).collect::<Vec<_>>(),
        })),
    )
}
