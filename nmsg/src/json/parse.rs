//! Reading `nmsgtool -j` JSON input.

use super::JsonError;
use crate::payload::Payload;

/// Parses one JSON line as nmsgtool's `-j` reads it.
pub fn parse_payload(line: &str) -> Result<Payload, JsonError> {
    let _ = line;
    Err(JsonError::Syntax("not implemented".into()))
}
