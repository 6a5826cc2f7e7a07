//! A byte-exact walk over the top-level sections of a component binary, used to replace or
//! strip custom sections and to find what a signature covers. No validation beyond framing.

use std::ops::Range;

use super::FormatError;

/// `\0asm`, then the component binary's version and layer.
pub(crate) const COMPONENT_HEADER: [u8; 8] = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];
const MAGIC: [u8; 4] = [0x00, 0x61, 0x73, 0x6d];
const CORE_VERSION: [u8; 4] = [0x01, 0x00, 0x00, 0x00];

/// One top-level section as it sits in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawSection {
    /// The section id (0 for custom sections).
    pub id: u8,
    /// The whole section: id byte, size and contents.
    pub range: Range<usize>,
    /// For a custom section, its name.
    pub custom_name: Option<String>,
    /// For a custom section, its data (after the name); otherwise the contents.
    pub data: Range<usize>,
}

/// Checks the 8-byte header says "component" and tells the other cases apart.
pub(crate) fn check_header(bytes: &[u8]) -> Result<(), FormatError> {
    if bytes.len() < 8 || bytes[..4] != MAGIC {
        return Err(FormatError::NotWasm);
    }
    if bytes[4..8] == CORE_VERSION {
        return Err(FormatError::CoreModule);
    }
    if bytes[..8] != COMPONENT_HEADER {
        return Err(FormatError::UnsupportedVersion(hex::encode(&bytes[4..8])));
    }
    Ok(())
}

/// The top-level sections of a component, in order.
pub fn top_level_sections(bytes: &[u8]) -> Result<Vec<RawSection>, FormatError> {
    check_header(bytes)?;
    let mut sections = Vec::new();
    let mut pos = 8;
    while pos < bytes.len() {
        let start = pos;
        let id = bytes[pos];
        pos += 1;
        let size = read_u32(bytes, &mut pos)? as usize;
        let end = pos
            .checked_add(size)
            .filter(|&end| end <= bytes.len())
            .ok_or_else(|| truncated(start))?;
        let (custom_name, data) = match id {
            0 => {
                let mut p = pos;
                let len = read_u32(bytes, &mut p)? as usize;
                let name_end = p.checked_add(len).filter(|&e| e <= end);
                let name_end = name_end.ok_or_else(|| truncated(start))?;
                let name = std::str::from_utf8(&bytes[p..name_end]).map_err(|_| {
                    FormatError::Invalid(format!(
                        "the custom section at offset {start} has a name that is not UTF-8"
                    ))
                })?;
                (Some(name.to_string()), name_end..end)
            }
            _ => (None, pos..end),
        };
        sections.push(RawSection {
            id,
            range: start..end,
            custom_name,
            data,
        });
        pos = end;
    }
    Ok(sections)
}

/// `bytes` without the top-level custom sections named in `names`.
pub(crate) fn strip_custom(bytes: &[u8], names: &[&str]) -> Result<Vec<u8>, FormatError> {
    let sections = top_level_sections(bytes)?;
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..8]);
    for s in sections {
        if !s.custom_name.as_deref().is_some_and(|n| names.contains(&n)) {
            out.extend_from_slice(&bytes[s.range]);
        }
    }
    Ok(out)
}

/// Appends a custom section `name` holding `data`.
pub(crate) fn append_custom(out: &mut Vec<u8>, name: &str, data: &[u8]) {
    use wasm_encoder::Section;
    wasm_encoder::CustomSection {
        name: name.into(),
        data: data.into(),
    }
    .append_to(out);
}

fn read_u32(bytes: &[u8], pos: &mut usize) -> Result<u32, FormatError> {
    let start = *pos;
    let mut result: u64 = 0;
    for shift in (0..35).step_by(7) {
        let byte = *bytes.get(*pos).ok_or_else(|| truncated(start))?;
        *pos += 1;
        result |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return u32::try_from(result).map_err(|_| bad_leb(start));
        }
    }
    Err(bad_leb(start))
}

fn truncated(offset: usize) -> FormatError {
    FormatError::Invalid(format!(
        "the section at offset {offset} runs past the end of the file (truncated download?)"
    ))
}

fn bad_leb(offset: usize) -> FormatError {
    FormatError::Invalid(format!("bad section size encoding at offset {offset}"))
}
