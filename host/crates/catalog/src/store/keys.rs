//! The key layout of the catalog table: one sled-friendly byte prefix per index, parts joined
//! by `\0`, so every index is a prefix scan and every entity change is one batch in one table.
//!
//! | prefix | key                                   | value                              |
//! |--------|---------------------------------------|------------------------------------|
//! | `e`    | `e\0<uid>`                            | record length (u32 BE), [`super::EntityRecord`] JSON, entity JSON |
//! | `d`    | `d\0<entity ref>`                     | last revision of a deleted entity  |
//! | `l`    | `l\0<location id>`                    | [`super::LocationRecord`] (JSON)   |
//! | `t`    | `t\0<type>:<target>`                  | location id                        |
//! | `h`    | `h\0<entity ref>\0<revision, 20 digits>` | [`super::HistoryEntry`] (JSON)  |
//! | `f`    | `f\0<entity ref>`                     | [`super::PendingRecord`] (JSON)    |
//! | `s`    | `s\0<entity ref>`                     | nothing: its `relations` may be stale (a stitch ticket) |
//!
//! The ref → uid index, search postings, relations and producer membership are derived in memory (see
//! [`super::index`]). Key parts containing `\0` are never written.

/// `prefix \0 part \0 part ...` (no trailing separator).
pub fn key(prefix: u8, parts: &[&[u8]]) -> Vec<u8> {
    let len = 2 + parts.iter().map(|p| p.len() + 1).sum::<usize>();
    let mut out = Vec::with_capacity(len);
    out.push(prefix);
    for part in parts {
        out.push(0);
        out.extend_from_slice(part);
    }
    out
}

/// `prefix \0 part \0 ... part \0`: the scan prefix of everything under these parts.
pub fn prefix(prefix_byte: u8, parts: &[&[u8]]) -> Vec<u8> {
    let mut out = key(prefix_byte, parts);
    out.push(0);
    out
}

/// Whether a string can be a key part (no `\0`).
pub fn clean(part: &str) -> bool {
    !part.as_bytes().contains(&0)
}

/// The parts of a key after its prefix byte, split on `\0`.
pub fn split(key: &[u8]) -> Vec<&[u8]> {
    if key.len() < 2 {
        return Vec::new();
    }
    key[2..].split(|b| *b == 0).collect()
}

/// A key part as a string (lossy: keys are built from strings).
pub fn text(part: &[u8]) -> String {
    String::from_utf8_lossy(part).into_owned()
}

/// A revision number as a fixed-width key part, so keys sort by revision.
pub fn revision(rev: u64) -> String {
    format!("{rev:020}")
}

pub const ENTITY: u8 = b'e';
pub const TOMBSTONE: u8 = b'd';
pub const LOCATION: u8 = b'l';
pub const LOCATION_TARGET: u8 = b't';
pub const HISTORY: u8 = b'h';
pub const PENDING: u8 = b'f';
pub const STITCH: u8 = b's';
