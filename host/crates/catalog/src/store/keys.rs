//! The key layout of the catalog table: one sled-friendly byte prefix per index, parts joined
//! by `\0`, so every index is a prefix scan and every entity change is one batch in one table.
//!
//! | prefix | key                                   | value                              |
//! |--------|---------------------------------------|------------------------------------|
//! | `e`    | `e\0<uid>`                            | the served entity (JSON)           |
//! | `m`    | `m\0<uid>`                            | [`super::EntityRecord`] (JSON)     |
//! | `n`    | `n\0<kind:namespace/name lowercased>` | uid                                |
//! | `s`    | `s\0<field path>\0<value>\0<uid>`     | the value as written (for facets)  |
//! | `r`    | `r\0<source>\0<type>\0<target>\0<origin uid>` | empty                      |
//! | `i`    | `i\0<target>\0<type>\0<source>\0<origin uid>` | empty                      |
//! | `p`    | `p\0<producer>\0<entity ref>`         | uid                                |
//! | `l`    | `l\0<location id>`                    | [`super::LocationRecord`] (JSON)   |
//! | `t`    | `t\0<type>:<target>`                  | location id                        |
//! | `h`    | `h\0<entity ref>\0<revision, 20 digits>` | [`super::HistoryEntry`] (JSON)  |
//! | `f`    | `f\0<entity ref>`                     | [`super::PendingRecord`] (JSON)    |
//!
//! Search values are lowercased; a `null` (or a value over 200 characters, as Backstage
//! treats it) is stored as the single byte `0xFF`, which no UTF-8 string contains, so it
//! sorts after every real value. Parts containing `\0` are never indexed.

/// The value part of a posting for `null` and over-long values.
pub const NULL_VALUE: &[u8] = &[0xFF];

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
pub const RECORD: u8 = b'm';
pub const NAME: u8 = b'n';
pub const SEARCH: u8 = b's';
pub const REL_OUT: u8 = b'r';
pub const REL_IN: u8 = b'i';
pub const PRODUCED: u8 = b'p';
pub const LOCATION: u8 = b'l';
pub const LOCATION_TARGET: u8 = b't';
pub const HISTORY: u8 = b'h';
pub const PENDING: u8 = b'f';
