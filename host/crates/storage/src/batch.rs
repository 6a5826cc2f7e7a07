//! Atomic write batches.

use crate::Keyspace;

/// One operation of a [`Batch`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    Put {
        space: Keyspace,
        key: Vec<u8>,
        value: Vec<u8>,
    },
    Delete {
        space: Keyspace,
        key: Vec<u8>,
    },
    /// A precondition: the key must currently hold exactly `value` (`None`: be absent).
    /// Checked, together with every other precondition, before anything is written.
    Expect {
        space: Keyspace,
        key: Vec<u8>,
        value: Option<Vec<u8>>,
    },
}

impl Op {
    pub fn space(&self) -> &Keyspace {
        match self {
            Op::Put { space, .. } | Op::Delete { space, .. } | Op::Expect { space, .. } => space,
        }
    }
}

/// A set of writes applied all-or-nothing by [`crate::Storage::apply`]. Operations apply in
/// the order they were added, so a later put of the same key wins.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Batch {
    ops: Vec<Op>,
}

impl Batch {
    pub fn new() -> Self {
        Batch::default()
    }

    pub fn put(&mut self, space: &Keyspace, key: impl Into<Vec<u8>>, value: impl Into<Vec<u8>>) {
        self.ops.push(Op::Put {
            space: space.clone(),
            key: key.into(),
            value: value.into(),
        });
    }

    pub fn delete(&mut self, space: &Keyspace, key: impl Into<Vec<u8>>) {
        self.ops.push(Op::Delete {
            space: space.clone(),
            key: key.into(),
        });
    }

    /// Requires `key` to hold `value` (or to be absent for `None`) when the batch applies.
    pub fn expect(&mut self, space: &Keyspace, key: impl Into<Vec<u8>>, value: Option<Vec<u8>>) {
        self.ops.push(Op::Expect {
            space: space.clone(),
            key: key.into(),
            value,
        });
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    pub fn len(&self) -> usize {
        self.ops.len()
    }

    pub fn ops(&self) -> &[Op] {
        &self.ops
    }

    pub fn into_ops(self) -> Vec<Op> {
        self.ops
    }

    /// Appends every operation of `other`.
    pub fn extend(&mut self, other: Batch) {
        self.ops.extend(other.ops);
    }
}
