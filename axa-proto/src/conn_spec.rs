//! Connection strings (spec §4.1).
