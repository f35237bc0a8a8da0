//! `nmsg:file_json:path`: one nmsgtool-compatible JSON line per hit (nmsg crate's renderer),
//! written unbuffered as libnmsg's JSON output is. IP hits become base:packet payloads first
//! (incomplete packets are skipped); a payload nmsgtool could not render is refused per hit.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;

use super::packet::packet_payload;
use super::{Hit, Output, OutputError, Written};

/// A JSON lines file.
#[derive(Debug)]
pub struct JsonOutput {
    file: File,
    what: String,
    line: String,
    bytes: u64,
}

impl JsonOutput {
    /// Creates (truncates) the file, or appends to it with `append`.
    pub fn create(path: &Path, append: bool) -> Result<JsonOutput, OutputError> {
        let what = path.display().to_string();
        let open = |source| OutputError::Open {
            what: what.clone(),
            source,
        };
        let mut o = OpenOptions::new();
        o.write(true).create(true);
        if append {
            o.append(true);
        } else {
            o.truncate(true);
        }
        let file = o.open(path).map_err(open)?;
        let bytes = file.metadata().map_err(open)?.len();
        Ok(JsonOutput {
            file,
            what,
            line: String::with_capacity(4096),
            bytes,
        })
    }
}

impl Output for JsonOutput {
    fn write_hit(&mut self, hit: &Hit<'_>) -> Result<Written, OutputError> {
        self.line.clear();
        let converted;
        let payload = match hit {
            Hit::Nmsg { payload, .. } => *payload,
            Hit::Ip { packet, .. } => {
                if !packet.is_complete() {
                    return Ok(Written::Skipped);
                }
                converted = packet_payload(packet);
                &converted
            }
        };
        nmsg::json::write_payload_line(&mut self.line, payload)
            .map_err(|e| OutputError::Unsupported(format!("cannot render NMSG as JSON: {e}")))?;
        self.file
            .write_all(self.line.as_bytes())
            .map_err(|source| OutputError::Write {
                what: self.what.clone(),
                source,
            })?;
        self.bytes += self.line.len() as u64;
        Ok(Written::Yes)
    }

    fn flush(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn bytes_written(&self) -> u64 {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::IpPacket;

    #[test]
    fn ip_hits_as_base_packet_json_lines() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("o.jsonl");
        let mut out = JsonOutput::create(&path, false).unwrap();
        let ip = [
            0x45u8, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
        ];
        let packet = IpPacket {
            tv_sec: 1_519_311_169,
            tv_usec: 0,
            ip_len: 20,
            data: &ip,
        };
        assert_eq!(
            out.write_hit(&Hit::Ip {
                channel: 14,
                packet
            })
            .unwrap(),
            Written::Yes
        );
        let short = IpPacket {
            ip_len: 99,
            ..packet
        };
        assert_eq!(
            out.write_hit(&Hit::Ip {
                channel: 14,
                packet: short
            })
            .unwrap(),
            Written::Skipped
        );
        out.write_hit(&Hit::Ip {
            channel: 14,
            packet,
        })
        .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        let v: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(v["vname"], "base");
        assert_eq!(v["mname"], "packet");
        assert_eq!(out.bytes_written(), text.len() as u64);
        // The line reads back into the same payload.
        let back = nmsg::json::parse_payload(lines[0]).unwrap();
        assert_eq!(crate::output::packet::packet_ip(&back), Some(&ip[..]));
    }

    #[test]
    fn unrenderable_payloads_are_refused_per_hit() {
        let tmp = tempfile::tempdir().unwrap();
        let mut out = JsonOutput::create(&tmp.path().join("x"), false).unwrap();
        let p = nmsg::Payload {
            vid: 99,
            msgtype: 99,
            ..nmsg::Payload::default()
        };
        let e = out
            .write_hit(&Hit::Nmsg {
                channel: 1,
                payload: &p,
            })
            .unwrap_err();
        assert!(!e.is_fatal());
        assert_eq!(out.bytes_written(), 0);
    }
}
