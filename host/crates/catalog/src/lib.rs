//! Portico catalog.
