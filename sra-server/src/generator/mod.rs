//! Built-in traffic generator.
