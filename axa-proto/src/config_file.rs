//! The `~/.axa/config` alias file (spec §8.4).
