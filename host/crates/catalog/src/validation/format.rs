//! Backstage's field-format rules (`KubernetesValidatorFunctions`, `CommonValidatorFunctions`,
//! `makeValidator`) and the checks `FieldFormatEntityPolicy` runs with them, with its messages.
//!
//! Field names in messages are Backstage's: `metadata.name`, `metadata.namespace`, but
//! `labels.<key>`, `annotations.<key>`, `tags.<i>` and `links.<i>.url` without the `metadata.`
//! prefix. Backstage stops at the first failure; [`check_field_formats`] reports them all, in
//! Backstage's order, so the first one is the one Backstage would show.

use serde_json::Value;

use super::{Rule, ValidationError};

/// Where Backstage's messages send users for the file format.
pub const FORMAT_DOCS_URL: &str = "https://github.com/backstage/backstage/blob/master/docs/architecture-decisions/adr002-default-catalog-file-format.md";

/// A field-format rule, named after Backstage's validator function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `isValidApiVersion`: `[dns-subdomain/]alphanumeric`, version part 1–63.
    ApiVersion,
    /// `isValidKind`: `^[a-zA-Z][a-z0-9A-Z]*$`, 1–63.
    Kind,
    /// `isValidEntityName` (`isValidObjectName`): 1–63, `^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`.
    EntityName,
    /// `isValidNamespace` (`isValidDnsLabel`): 1–63, `^[a-z0-9]+(?:-[a-z0-9]+)*$`.
    Namespace,
    /// `isValidLabelKey`: optional DNS-subdomain prefix and `/`, then an object name.
    LabelKey,
    /// `isValidLabelValue`: empty or an object name.
    LabelValue,
    /// `isValidAnnotationKey`: as label keys.
    AnnotationKey,
    /// `isValidAnnotationValue`: any string.
    AnnotationValue,
    /// `isValidTag`: 1–63, `^[a-z0-9:+#]+(\-[a-z0-9:+#]+)*$`.
    Tag,
    /// `isValidUrl`: parses as an absolute URL.
    Url,
    /// `isValidString`: a string with a non-whitespace character.
    NonEmptyString,
    /// `isValidObjectName`, used for `links[].icon`.
    ObjectName,
}

impl Format {
    /// Backstage's validator function name for this rule.
    pub fn function_name(self) -> &'static str {
        match self {
            Format::ApiVersion => "isValidApiVersion",
            Format::Kind => "isValidKind",
            Format::EntityName => "isValidEntityName",
            Format::Namespace => "isValidNamespace",
            Format::LabelKey => "isValidLabelKey",
            Format::LabelValue => "isValidLabelValue",
            Format::AnnotationKey => "isValidAnnotationKey",
            Format::AnnotationValue => "isValidAnnotationValue",
            Format::Tag => "isValidTag",
            Format::Url => "isValidUrl",
            Format::NonEmptyString => "isValidString",
            Format::ObjectName => "isValidObjectName",
        }
    }

    /// Backstage's description of what the rule expects. `isValidEntityName` has none there:
    /// `makeValidator` binds it to `isValidObjectName`, whose `.name` is what the policy
    /// switches on, so it gets the object-name text.
    pub fn expectation(self) -> &'static str {
        match self {
            Format::EntityName | Format::ObjectName | Format::LabelValue => {
                "a string that is sequences of [a-zA-Z0-9] separated by any of [-_.], at most 63 characters in total"
            }
            Format::LabelKey | Format::ApiVersion | Format::AnnotationKey => {
                "a valid prefix and/or suffix"
            }
            Format::Namespace => {
                "a string that is sequences of [a-z0-9] separated by [-], at most 63 characters in total"
            }
            Format::Tag => {
                "a string that is sequences of [a-z0-9+#] separated by [-], at most 63 characters in total"
            }
            Format::AnnotationValue => "a string",
            Format::Kind => {
                "a string that is a sequence of [a-zA-Z][a-z0-9A-Z], at most 63 characters in total"
            }
            Format::Url => "a string that is a valid url",
            Format::NonEmptyString => "a non empty string",
        }
    }

    /// Whether `value` satisfies the rule.
    pub fn check(self, value: &Value) -> bool {
        let Some(s) = value.as_str() else {
            return false;
        };
        match self {
            Format::ApiVersion => is_valid_api_version(s),
            Format::Kind => is_valid_kind(s),
            Format::EntityName | Format::ObjectName => is_valid_object_name(s),
            Format::Namespace => is_valid_dns_label(s),
            Format::LabelKey | Format::AnnotationKey => is_valid_label_key(s),
            Format::LabelValue => s.is_empty() || is_valid_object_name(s),
            Format::AnnotationValue => true,
            Format::Tag => is_valid_tag(s),
            Format::Url => url::Url::parse(s).is_ok(),
            Format::NonEmptyString => !s.trim().is_empty(),
        }
    }
}

/// Splits on `/` into suffix, or prefix and suffix; more than one `/` is invalid
/// (`isValidPrefixAndOrSuffix`).
fn prefix_and_or_suffix(value: &str, prefix: fn(&str) -> bool, suffix: fn(&str) -> bool) -> bool {
    let parts: Vec<&str> = value.split('/').collect();
    match parts.as_slice() {
        [s] => suffix(s),
        [p, s] => prefix(p) && suffix(s),
        _ => false,
    }
}

/// `isValidDnsLabel`: 1–63 characters of `[a-z0-9]` separated by single `-`.
pub fn is_valid_dns_label(value: &str) -> bool {
    (1..=63).contains(&value.len())
        && value.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// `isValidDnsSubdomain`: 1–253 characters of DNS labels separated by `.`.
pub fn is_valid_dns_subdomain(value: &str) -> bool {
    (1..=253).contains(&value.len()) && value.split('.').all(is_valid_dns_label)
}

/// `isValidObjectName`: 1–63 characters, `^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`.
pub fn is_valid_object_name(value: &str) -> bool {
    let bytes = value.as_bytes();
    (1..=63).contains(&bytes.len())
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// `isValidKind`: 1–63 characters, `^[a-zA-Z][a-z0-9A-Z]*$`.
pub fn is_valid_kind(value: &str) -> bool {
    let bytes = value.as_bytes();
    (1..=63).contains(&bytes.len())
        && bytes[0].is_ascii_alphabetic()
        && bytes.iter().all(u8::is_ascii_alphanumeric)
}

/// `isValidApiVersion`: optional DNS-subdomain group and `/`, then 1–63 alphanumerics.
pub fn is_valid_api_version(value: &str) -> bool {
    prefix_and_or_suffix(value, is_valid_dns_subdomain, |v| {
        (1..=63).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

/// `isValidLabelKey` / `isValidAnnotationKey`: optional DNS-subdomain prefix and `/`, then an
/// object name.
pub fn is_valid_label_key(value: &str) -> bool {
    prefix_and_or_suffix(value, is_valid_dns_subdomain, is_valid_object_name)
}

/// `isValidTag`: 1–63 characters, `^[a-z0-9:+#]+(\-[a-z0-9:+#]+)*$`.
pub fn is_valid_tag(value: &str) -> bool {
    (1..=63).contains(&value.len())
        && value.split('-').all(|part| {
            !part.is_empty()
                && part.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b':' | b'+' | b'#')
                })
        })
}

/// Runs `FieldFormatEntityPolicy`'s checks on an entity (as JSON), in Backstage's order.
pub fn check_field_formats(entity: &Value) -> Vec<ValidationError> {
    let mut errors = Vec::new();
    let get =
        |path: &[&str]| -> Option<&Value> { path.iter().try_fold(entity, |v, key| v.get(key)) };
    require(
        &mut errors,
        "apiVersion",
        get(&["apiVersion"]),
        Format::ApiVersion,
    );
    require(&mut errors, "kind", get(&["kind"]), Format::Kind);
    require(
        &mut errors,
        "metadata.name",
        get(&["metadata", "name"]),
        Format::EntityName,
    );
    optional(
        &mut errors,
        "metadata.namespace",
        get(&["metadata", "namespace"]),
        Format::Namespace,
    );

    if let Some(Value::Object(labels)) = get(&["metadata", "labels"]) {
        for (k, v) in labels {
            let field = format!("labels.{k}");
            require(
                &mut errors,
                &field,
                Some(&Value::String(k.clone())),
                Format::LabelKey,
            );
            require(&mut errors, &field, Some(v), Format::LabelValue);
        }
    }
    if let Some(Value::Object(annotations)) = get(&["metadata", "annotations"]) {
        for (k, v) in annotations {
            let field = format!("annotations.{k}");
            require(
                &mut errors,
                &field,
                Some(&Value::String(k.clone())),
                Format::AnnotationKey,
            );
            require(&mut errors, &field, Some(v), Format::AnnotationValue);
        }
    }
    if let Some(Value::Array(tags)) = get(&["metadata", "tags"]) {
        for (i, tag) in tags.iter().enumerate() {
            require(&mut errors, &format!("tags.{i}"), Some(tag), Format::Tag);
        }
    }
    if let Some(Value::Array(links)) = get(&["metadata", "links"]) {
        for (i, link) in links.iter().enumerate() {
            require(
                &mut errors,
                &format!("links.{i}.url"),
                link.get("url"),
                Format::Url,
            );
            optional(
                &mut errors,
                &format!("links.{i}.title"),
                link.get("title"),
                Format::NonEmptyString,
            );
            optional(
                &mut errors,
                &format!("links.{i}.icon"),
                link.get("icon"),
                Format::ObjectName,
            );
        }
    }
    errors
}

/// The message `FieldFormatEntityPolicy` throws for a value that fails `format`.
pub fn format_message(field: &str, value: &Value, format: Format) -> String {
    format!(
        "\"{field}\" is not valid; expected {} but found \"{}\". To learn more about catalog file format, visit: {FORMAT_DOCS_URL}",
        format.expectation(),
        js_string(value)
    )
}

fn require(errors: &mut Vec<ValidationError>, field: &str, value: Option<&Value>, format: Format) {
    match value {
        None | Some(Value::Null) => errors.push(ValidationError {
            field: field.to_owned(),
            rule: Rule::MissingValue,
            message: format!("{field} must have a value"),
        }),
        Some(v) if !format.check(v) => errors.push(ValidationError {
            field: field.to_owned(),
            rule: Rule::Format(format),
            message: format_message(field, v, format),
        }),
        Some(_) => {}
    }
}

fn optional(errors: &mut Vec<ValidationError>, field: &str, value: Option<&Value>, format: Format) {
    if value.is_some() {
        require(errors, field, value, format);
    }
}

/// How JavaScript's template literals print a JSON value.
fn js_string(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Object(_) => "[object Object]".to_owned(),
        Value::Array(items) => items.iter().map(js_string).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}
