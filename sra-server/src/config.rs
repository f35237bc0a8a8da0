//! Server configuration (TOML).
