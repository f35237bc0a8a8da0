//! JSON lines in and out, through `nmsg::json` (nmsgtool `-J` / `-j` format).

use anyhow::Result;
use nmsg::Payload;

/// Appends the JSON line of `p` (without newline) to `out`.
pub fn render(p: &Payload, out: &mut String) -> Result<()> {
    Ok(nmsg::json::write_payload(out, p)?)
}

/// Parses one JSON line into a payload.
pub fn parse(line: &str) -> Result<Payload> {
    Ok(nmsg::json::parse_payload(line)?)
}
